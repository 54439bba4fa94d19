"""Page styling for both apps: scoped CSS, a small unscoped <style> for the page padding, the theme."""

CSS = """
#bqa-head { align-items: center; gap: 8px; }
#bqa-head h2 { margin: 0; }
#bqa-lang { flex-grow: 0 !important; min-width: 180px !important; }
#bqa-chat table { display: block; overflow-x: auto; max-width: min(calc(100vw - 90px), 880px); font-size: 0.85em;
  /* a shadow at the edge that still has columns to scroll to */
  background: linear-gradient(to right, var(--background-fill-primary) 30%, transparent) left / 24px 100% no-repeat local,
    linear-gradient(to left, var(--background-fill-primary) 30%, transparent) right / 24px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), transparent) left / 10px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), transparent) right / 10px 100% no-repeat scroll; }
#bqa-chat .message-buttons-bot, #bqa-chat .message-buttons-user, #bqa-chat .message-buttons { position: static !important;
  margin-top: 2px; }
#bqa-chat .message-content, #bqa-chat .thought-group { min-width: 0; overflow-wrap: anywhere; }
#bqa-chat th, #bqa-chat td { white-space: nowrap; padding: 2px 8px !important; }
#bqa-chat details.bqa-cite { margin: 4px 0; }
#bqa-chat details.bqa-cite summary { cursor: pointer; font-weight: 600; }
#bqa-chat .bqa-doc { font-size: 0.8em; opacity: 0.75; margin: 2px 0; word-break: break-all; }
#bqa-chat blockquote { margin: 4px 0 4px 4px; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  font-size: 0.9em; word-break: break-word; }
#bqa-ask { align-items: stretch; }
#bqa-send { min-width: 72px !important; flex-grow: 0 !important; }
.bqa-scroll { overflow-x: auto; max-width: min(calc(100vw - 30px), 1040px);
  background: linear-gradient(to right, var(--background-fill-primary) 30%, transparent) left / 28px 100% no-repeat local,
    linear-gradient(to left, var(--background-fill-primary) 30%, transparent) right / 28px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), transparent) left / 12px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), transparent) right / 12px 100% no-repeat scroll; }
.bqa-scroll-hint { display: none; font-size: 0.8em; opacity: 0.7; text-align: right; }
.bqa-chart { margin: 10px 0 18px; }
.bqa-chart-title { font-weight: 600; margin-bottom: 6px; }
.bqa-treemap { position: relative; width: 100%; aspect-ratio: 8 / 5; min-height: 240px; font-size: 0.8em; }
.bqa-tm-box { position: absolute; box-sizing: border-box; border: 1px solid var(--background-fill-primary);
  background: color-mix(in srgb, var(--bqa-c) calc(100% - var(--bqa-d) * 28%), white); color: white;
  overflow: hidden; display: flex; flex-direction: column; }
.bqa-tm-label { padding: 2px 4px; line-height: 1.25; overflow: hidden; text-overflow: ellipsis; flex: 0 0 auto;
  text-shadow: 0 0 2px rgba(0,0,0,.5); }
.bqa-tm-via { opacity: 0.85; }
.bqa-tm-inner { position: relative; flex: 1 1 auto; min-height: 0; }
.bqa-split { display: flex; height: 34px; border-radius: 4px; overflow: hidden; }
.bqa-split-seg { color: white; display: flex; align-items: center; justify-content: center; font-size: 0.85em;
  min-width: 2.6em; white-space: nowrap; }
.bqa-keys { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 2px; font-size: 0.9em; }
.bqa-key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.bqa-bar-row { display: grid; grid-template-columns: minmax(6em, 30%) 1fr; gap: 8px; align-items: center; margin: 4px 0; }
.bqa-bar-name { font-size: 0.9em; overflow-wrap: anywhere; }
.bqa-bar { position: relative; height: 22px; background: var(--background-fill-secondary); border-radius: 3px; }
.bqa-bar i { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.bqa-bar span { position: relative; padding-left: 6px; font-size: 0.85em; line-height: 22px; white-space: nowrap; }
.bqa-bar-prev { height: 16px; margin-top: 2px; }
.bqa-bar-prev i { background: #9aa7b6; }
.bqa-bar-prev span { line-height: 16px; font-size: 0.8em; }
.bqa-table table, .bqa-audit table { border-collapse: collapse; font-size: 0.85em; }
.bqa-table th, .bqa-table td, .bqa-audit th, .bqa-audit td { border: 1px solid var(--border-color-primary);
  padding: 2px 6px; white-space: nowrap; }
.bqa-table-title { font-weight: 600; margin: 4px 0; }
.bqa-unit { font-weight: 400; margin-left: 1em; opacity: 0.75; }
.bqa-meta { font-size: 0.85em; margin-bottom: 6px; }
.bqa-note { font-style: italic; }
.bqa-mismatch { border-left: 4px solid #d33; padding: 4px 8px; margin: 6px 0; word-break: break-word; }
.bqa-audit li { word-break: break-word; }
.bqa-values { font-size: 0.85em; margin-top: -4px; }
.bqa-caption { opacity: 0.8; margin-bottom: 2px; }
#bqa-feedback { align-items: center; flex-wrap: wrap; gap: 6px; }
#bqa-feedback > * { flex: 0 1 auto !important; min-width: 0 !important; }
#bqa-comment { min-width: 200px !important; flex: 1 1 240px !important; }
@media (max-width: 600px) {
  #bqa-head h2 { font-size: 1.2em; }
  .bqa-table th, .bqa-table td { font-size: 0.8em; }
  .bqa-scroll-hint { display: block; }
  .bqa-treemap { font-size: 0.72em; }
  #bqa-chat table { max-width: calc(100vw - 64px); }
}
"""

# Gradio scopes CSS to the app's content; the page padding around it needs a plain <style> in <head>.
HEAD = """<style>
@media (max-width: 600px) { .gradio-container .main.app { padding-left: 10px !important; padding-right: 10px !important; } }
</style>"""

THEME = "default"
