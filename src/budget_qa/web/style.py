"""Page styling for both apps: scoped CSS, a small unscoped <style> for the page padding, the theme."""

CSS = """
#bqa-head { align-items: center; gap: 8px; }
#bqa-head h2 { margin: 0; }
#bqa-lang { flex-grow: 0 !important; min-width: 180px !important; }
#bqa-chat table { display: block; overflow-x: auto; max-width: min(calc(100vw - 120px), 880px); font-size: 0.85em; }
#bqa-chat .message-content, #bqa-chat .thought-group { min-width: 0; overflow-wrap: anywhere; }
#bqa-chat th, #bqa-chat td { white-space: nowrap; padding: 2px 8px !important; }
#bqa-chat details.bqa-cite { margin: 4px 0; }
#bqa-chat details.bqa-cite summary { cursor: pointer; font-weight: 600; }
#bqa-chat .bqa-doc { font-size: 0.8em; opacity: 0.75; margin: 2px 0; word-break: break-all; }
#bqa-chat blockquote { margin: 4px 0 4px 4px; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  font-size: 0.9em; word-break: break-word; }
#bqa-ask { align-items: stretch; }
#bqa-send { min-width: 72px !important; flex-grow: 0 !important; }
.bqa-scroll { overflow-x: auto; max-width: min(calc(100vw - 30px), 1040px); }
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
  #bqa-chat { height: 62vh !important; }
  .bqa-table th, .bqa-table td { font-size: 0.8em; }
}
"""

# Gradio scopes CSS to the app's content; the page padding around it needs a plain <style> in <head>.
HEAD = """<style>
@media (max-width: 600px) { .gradio-container .main.app { padding-left: 10px !important; padding-right: 10px !important; } }
</style>"""

THEME = "default"
