"""Staff inquiry-desk handlers: search the exchange log, draft formal replies (Markdown + .docx), publish
disclosures (check an upload, publish / replace / unpublish / roll back, the publication log)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import QuestionError
from ..publish import Publisher, Staged
from ..readers import SUFFIXES
from .context import WebContext
from .exchange_log import Exchange
from .reply import draft_reply, to_markdown, write_files

LOG_COLUMNS = ["id", "time", "channel", "language", "route", "feedback", "question", "answer", "comment"]
ALL = "all"


def replies_dir(ctx: WebContext) -> Path:
    return Path(ctx.settings["data_dir"]).resolve() / "replies"


def _opt(v: str | None) -> str:
    return "" if v in (None, "", ALL) else str(v)


def search_log(
    ctx: WebContext,
    text: str = "",
    language: str = ALL,
    route: str = ALL,
    feedback: str = ALL,
    date_from: str = "",
    date_to: str = "",
    channel: str = ALL,
    limit: int = 200,
) -> pd.DataFrame:
    rows = ctx.log.search(
        text or "",
        language=_opt(language),
        route=_opt(route),
        feedback=_opt(feedback),
        date_from=(date_from or "").strip(),
        date_to=(date_to or "").strip(),
        channel=_opt(channel),
        limit=limit,
    )
    return pd.DataFrame([_row(e) for e in rows], columns=LOG_COLUMNS)


def _row(e: Exchange) -> list[Any]:
    answer = e.answer if len(e.answer) <= 160 else e.answer[:159] + "…"
    return [
        e.id,
        e.ts.replace("T", " "),
        e.channel,
        e.language,
        e.route,
        e.feedback or "",
        e.question,
        answer,
        e.comment,
    ]


def exchange_detail(ctx: WebContext, exchange_id: Any) -> str:
    """Plain-text view of one logged exchange (shown in a Textbox, never as HTML)."""
    e = ctx.log.get(int(exchange_id)) if str(exchange_id or "").strip().isdigit() else None
    if e is None:
        return ""
    lines = [
        f"#{e.id}  {e.ts}  {e.channel}  session={e.session}  {e.language}/{e.route}",
        f"Q: {e.question}",
        f"A: {e.answer}",
    ]
    lines += [f"[{c.get('id')}] {c.get('locator', '')}: {c.get('quote', '')}" for c in e.citations]
    if e.feedback or e.comment:
        lines.append(f"feedback: {e.feedback or '-'}  comment: {e.comment or '-'}")
    return "\n".join(lines)


def _meta(ctx: WebContext) -> tuple[str, str]:
    d = ctx.document
    return (d.department, d.title) if d else ("", "")


def draft_for_exchange(
    ctx: WebContext, exchange_id: Any, lang: str = "zh"
) -> tuple[str, str | None, str | None]:
    """(Markdown preview, .md path, .docx path) for a logged exchange; an error message if there is none."""
    if not str(exchange_id or "").strip().isdigit():
        return (
            (
                "请先在日志中选择一条记录（或输入编号）。"
                if lang == "zh"
                else "Pick an exchange in the log first (or type its id)."
            ),
            None,
            None,
        )
    e = ctx.log.get(int(exchange_id))
    if e is None:
        return (
            (f"没有编号为 {exchange_id} 的记录。" if lang == "zh" else f"No exchange #{exchange_id}."),
            None,
            None,
        )
    answer = {
        "answer": e.answer,
        "answerable": e.answerable,
        "language": e.language,
        "citations": e.citations,
        "figures": e.figures,
    }
    return _draft(ctx, e.question, answer, lang, f"reply-{e.id}-{lang}")


def draft_for_question(
    ctx: WebContext, question: str, lang: str = "zh", user: str = "staff"
) -> tuple[str, str | None, str | None]:
    """Ask a new question at the desk (logged with channel 'desk') and draft the reply."""
    question = (question or "").strip()
    if not question:
        return ("请输入问题。" if lang == "zh" else "Type a question."), None, None
    try:
        ans = ctx.qa.ask(question)
    except QuestionError as err:
        return str(err), None, None
    ex = ctx.log.add(question=question, answer=ans.to_dict(), session=f"desk:{user}", channel="desk")
    return _draft(ctx, question, ans.to_dict(), lang, f"reply-{ex}-{lang}", user)


def _draft(ctx: WebContext, question: str, answer: dict, lang: str, stem: str,
           user: str | None = None) -> tuple[str, str, str]:
    department, title = _meta(ctx)
    r = draft_reply(question, answer, lang=lang, department=department, document_title=title)
    md, docx = write_files(r, replies_dir(ctx), f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}", author=user)
    return to_markdown(r), str(md), str(docx)


# ---------------------------------------------------------------- publishing (the 发布 / Publish tab)

DOC_COLUMNS = ["文档 / document", "部门 / department", "年度 / year", "类别 / kind", "格式 / format",
               "文件 / files", "表数 / tables", "替换 / replaces"]
TABLE_COLUMNS = ["文档 / document", "表 / table", "标题 / title", "类型 / kind", "行数 / rows", "单位 / unit"]
FINDING_COLUMNS = ["文档 / document", "结果 / result", "规则 / rule", "说明 / message"]
CHANGE_COLUMNS = ["文档 / document", "表 / table", "行 / row", "列 / column", "原值 / before", "新值 / after"]
HISTORY_COLUMNS = ["编号 / id", "时间 / time", "用户 / user", "操作 / action", "文件 / file", "sha256",
                   "文档 / document", "版本 / version", "原版本 / previous"]
ACTIONS = {"publish": "发布 / publish", "replace": "替换 / replace", "unpublish": "下线 / unpublish",
           "rollback": "回滚 / rollback"}
PUBLISH_LABEL, REPLACE_LABEL = "发布 / Publish", "替换 / Replace"


@dataclass
class Check:
    """What the Check step shows; ``staged`` goes into the tab's state for the Publish button."""

    message: str
    documents: pd.DataFrame
    tables: pd.DataFrame
    findings: pd.DataFrame
    new: pd.DataFrame
    changed: pd.DataFrame
    removed: pd.DataFrame
    staged: Staged | None
    can_publish: bool
    replaces: bool

    @property
    def button_label(self) -> str:
        return REPLACE_LABEL if self.replaces else PUBLISH_LABEL


def publisher(ctx: WebContext) -> Publisher:
    """One Publisher per context (its lock serialises publications), over the served corpus and index."""
    pub = ctx.__dict__.get("_publisher")
    if pub is None:
        s = ctx.settings
        pub = Publisher(s["corpus"], s["index_dir"], s["data_dir"], s)
        ctx.__dict__["_publisher"] = pub
    return pub


def _frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _blank(v: str | None) -> str:
    return "—" if v in (None, "") else str(v)


def _paths(files: Any) -> list[Path]:
    """gr.File(file_count="multiple") gives paths (or objects with .name / dicts with 'path')."""
    out = []
    for f in files or []:
        p = f.get("path") if isinstance(f, dict) else getattr(f, "name", f)
        if p:
            out.append(Path(str(p)))
    return out


def _discard(staged: Staged | None) -> None:
    if staged is not None:
        shutil.rmtree(staged.folder, ignore_errors=True)


def _empty_check(message: str) -> Check:
    return Check(message, _frame([], DOC_COLUMNS), _frame([], TABLE_COLUMNS), _frame([], FINDING_COLUMNS),
                 _frame([], CHANGE_COLUMNS), _frame([], CHANGE_COLUMNS), _frame([], CHANGE_COLUMNS),
                 None, False, False)


def check_upload(ctx: WebContext, files: Any, previous: Staged | None = None) -> Check:
    """Parse, audit and compare the uploaded files with the live version; nothing live changes."""
    _discard(previous)
    paths = _paths(files)
    if not paths:
        return _empty_check("请先上传文件。 / Upload one or more files first.")
    staged = publisher(ctx).stage(paths)
    docs = [[d["id"], d["department"], d["year"], d["kind"], d["format"], ", ".join(d["files"]), d["tables"],
             staged.replaces.get(d["id"], "")] for d in staged.documents]
    tables = [[t["document"], t["number"], t["title"], t["kind"], t["rows"], t["unit"]] for t in staged.tables]
    findings = sorted(staged.findings, key=lambda f: bool(f.get("ok")))  # problems first
    found = [[f.get("document", ""), "✓" if f.get("ok") else "✗", f.get("rule", ""), f.get("message", "")]
             for f in findings]
    by_kind: dict[str, list[list[Any]]] = {"new": [], "changed": [], "removed": []}
    for c in staged.changes:
        by_kind[c.what].append([c.document, c.table, c.row, c.column, _blank(c.before), _blank(c.after)])
    failed = sum(1 for f in staged.findings if not f.get("ok"))
    if staged.errors:
        lines = ["无法读取，未做任何更改。 / Could not be read; nothing was changed:"] + staged.errors
        _discard(staged)
        staged, ok = None, False
    elif not staged.documents:
        lines = ["上传中没有可识别的预算公开文件。 / No disclosure found in the upload."]
        _discard(staged)
        staged, ok = None, False
    else:
        n = staged.counts()
        what = "替换现有文档 / replaces a live document" if staged.replaces else "新文档 / new document"
        lines = [f"已解析 {len(staged.documents)} 个文档、{len(staged.tables)} 张表（{what}）。 / "
                 f"Parsed {len(staged.documents)} document(s), {len(staged.tables)} table(s).",
                 f"核对：{failed} 项未通过 / audit: {failed} finding(s) failed of {len(staged.findings)}.",
                 f"与现行版本相比：新增 {n['new']}、变更 {n['changed']}、删除 {n['removed']} 个数 / "
                 f"against the live version: {n['new']} new, {n['changed']} changed, {n['removed']} removed "
                 "figure(s).",
                 "确认无误后点击发布。 / Press Publish to make it live."]
        ok = True
    return Check("\n".join(lines), _frame(docs, DOC_COLUMNS), _frame(tables, TABLE_COLUMNS),
                 _frame(found, FINDING_COLUMNS), _frame(by_kind["new"], CHANGE_COLUMNS),
                 _frame(by_kind["changed"], CHANGE_COLUMNS), _frame(by_kind["removed"], CHANGE_COLUMNS),
                 staged, ok, bool(staged and staged.replaces))


def history_frame(ctx: WebContext, limit: int = 100) -> pd.DataFrame:
    rows = [[r["id"], r["ts"].replace("T", " "), r["user"], ACTIONS.get(r["action"], r["action"]), r["file"],
             r["sha256"], r["document"], r["version"], r["previous"]] for r in publisher(ctx).history(limit)]
    return _frame(rows, HISTORY_COLUMNS)


def live_choices(ctx: WebContext) -> list[tuple[str, str]]:
    return [(f"{d.get('department', '')} {d.get('year', '')} {d.get('kind') or ''} · {d['doc_id']}".strip(),
             d["doc_id"]) for d in publisher(ctx).live_documents()]


def _changed(ctx: WebContext) -> None:
    """The desk and the chat share the index: start opening the new version now rather than at the next
    check (the public side also picks it up by itself)."""
    poll = getattr(ctx.index, "poll", None)
    if poll is not None:
        poll()


def _failed(verb: str, err: Exception) -> str:
    return f"{verb}失败，未做任何更改。 / {verb.split(' / ')[-1]} failed; nothing was changed: {err}"


def publish_staged(ctx: WebContext, staged: Staged | None, user: str = "staff") -> tuple[str, Staged | None]:
    """(message, staged to keep): publishes what the Check step staged."""
    if staged is None:
        return "请先上传并核对文件。 / Upload and check the files first.", None
    verb, done = ("替换 / Replace", "Replaced") if staged.replaces else ("发布 / Publish", "Published")
    try:
        version = publisher(ctx).publish(staged, user=user)
    except Exception as err:  # noqa: BLE001 — shown to the staff; the publisher has restored what was live
        return _failed(verb, err), staged
    _changed(ctx)
    files = ", ".join(f.name for f in staged.files)
    return (f"已{verb.split(' / ')[0]}：{files}，当前版本 {version}。公众问答将在数秒内使用新版本。 / "
            f"{done} {files}: live version {version}; the public chat answers from it "
            "within seconds."), None


def unpublish_document(ctx: WebContext, doc_id: str | None, user: str = "staff") -> str:
    if not doc_id:
        return "请先选择一个现行文档。 / Pick a live document first."
    try:
        version = publisher(ctx).unpublish(str(doc_id), user=user)
    except Exception as err:  # noqa: BLE001
        return _failed("下线 / Unpublish", err)
    _changed(ctx)
    return f"已下线 {doc_id}，当前版本 {version}。 / Unpublished {doc_id}: live version {version}."


def rollback_last(ctx: WebContext, user: str = "staff") -> str:
    try:
        version = publisher(ctx).rollback(user=user)
    except Exception as err:  # noqa: BLE001
        return _failed("回滚 / Roll back", err)
    _changed(ctx)
    return f"已回滚到版本 {version}。 / Rolled back to version {version}."


def build_publish_tab(ctx: WebContext) -> None:
    """The 发布 / Publish tab's components and wiring (called inside the desk's ``gr.Tab``)."""
    import gradio as gr

    def user_of(request: Any) -> str:
        return getattr(request, "username", None) or "staff"

    state = gr.State(None)
    files = gr.File(label="上传预算公开文件（PDF、Excel、Word、文本，可多选）/ Upload disclosures (PDF, Excel, Word, "
                          "text; several at once)", file_count="multiple", file_types=list(SUFFIXES),
                    elem_id="desk-pub-files")
    with gr.Row():
        check = gr.Button("核对 / Check", variant="primary", scale=1, elem_id="desk-pub-check")
        publish = gr.Button(PUBLISH_LABEL, variant="stop", interactive=False, scale=1, elem_id="desk-pub-publish")
    status = gr.Textbox(label="结果 / Result", lines=4, interactive=False, elem_id="desk-pub-status")
    with gr.Tabs():
        with gr.Tab("文档 / Documents"):
            docs = gr.Dataframe(_frame([], DOC_COLUMNS), interactive=False, wrap=True, elem_id="desk-pub-docs")
            tables = gr.Dataframe(_frame([], TABLE_COLUMNS), interactive=False, wrap=True, max_height=360,
                                  label="解析出的表 / Tables parsed", elem_id="desk-pub-tables")
        with gr.Tab("一致性核对 / Audit"):
            findings = gr.Dataframe(_frame([], FINDING_COLUMNS), interactive=False, wrap=True, max_height=420,
                                    elem_id="desk-pub-findings")
        with gr.Tab("新增 / New figures"):
            new = gr.Dataframe(_frame([], CHANGE_COLUMNS), interactive=False, wrap=True, max_height=420,
                               elem_id="desk-pub-new")
        with gr.Tab("变更 / Changed figures"):
            changed = gr.Dataframe(_frame([], CHANGE_COLUMNS), interactive=False, wrap=True, max_height=420,
                                   elem_id="desk-pub-changed")
        with gr.Tab("删除 / Removed figures"):
            removed = gr.Dataframe(_frame([], CHANGE_COLUMNS), interactive=False, wrap=True, max_height=420,
                                   elem_id="desk-pub-removed")
    with gr.Row():
        live = gr.Dropdown(live_choices(ctx), label="现行文档 / Live documents", scale=3, elem_id="desk-pub-live")
        unpublish = gr.Button("下线 / Unpublish", scale=1, elem_id="desk-pub-unpublish")
        rollback = gr.Button("回滚上一次发布 / Roll back", scale=1, elem_id="desk-pub-rollback")
    history = gr.Dataframe(history_frame(ctx), interactive=False, wrap=True, max_height=360,
                           label="发布记录 / Publication log", elem_id="desk-pub-log")

    def on_check(uploaded: Any, previous: Staged | None):
        c = check_upload(ctx, uploaded, previous)
        return (c.message, c.documents, c.tables, c.findings, c.new, c.changed, c.removed, c.staged,
                gr.update(value=c.button_label, interactive=c.can_publish))

    def after(message: str):
        return message, history_frame(ctx), gr.update(choices=live_choices(ctx), value=None)

    def on_publish(staged: Staged | None, request: gr.Request):
        message, keep = publish_staged(ctx, staged, user_of(request))
        return (*after(message), keep, gr.update(value=PUBLISH_LABEL, interactive=keep is not None))

    def on_unpublish(doc_id: str | None, request: gr.Request):
        return after(unpublish_document(ctx, doc_id, user_of(request)))

    def on_rollback(request: gr.Request):
        return after(rollback_last(ctx, user_of(request)))

    private = {"api_visibility": "private"}
    check.click(on_check, [files, state], [status, docs, tables, findings, new, changed, removed, state, publish],
                **private)
    publish.click(on_publish, [state], [status, history, live, state, publish], **private)
    unpublish.click(on_unpublish, [live], [status, history, live], **private)
    rollback.click(on_rollback, None, [status, history, live], **private)
