"""The Gradio Blocks: the public chat (with glance, tables and audit tabs) and the staff inquiry desk."""

from __future__ import annotations

import gradio as gr

from . import chat, desk, scope
from .charts import BUILDERS, Chart, chart_html
from .context import WebContext
from .i18n import LANGS, coverage, t
from .views import audit_html, table_choices, table_html

CHART_KEYS = ("income", "function", "basic_project", "personnel_public", "three_public")  # BUILDERS' order


def _scroll_hint(lang: str) -> str:
    return f'<div class="bqa-scroll-hint">{"表格可左右滑动 →" if lang == "zh" else "scroll sideways →"}</div>'


def _charts_of(doc) -> list[Chart | None]:
    """One entry per chart builder (None where the document lacks the table), so that every document in the
    picker fills the same plot components."""
    if doc is None:
        return [None] * len(BUILDERS)
    out = []
    for b in BUILDERS:
        c = b(doc)
        out.append(c if c is not None and len(c.data) else None)
    return out


def _glance_intro(doc, lang: str) -> str:
    text = t("glance_intro", lang)
    if doc is None:
        return text + ("\n\n所选范围内没有预算文件。" if lang == "zh" else "\n\nNo disclosure in the chosen scope.")
    kind = doc.kind or "预算"
    if lang == "zh":
        return f"{text}\n\n**图表所据文件：** {doc.department} {doc.year} 年{kind}"
    what = "budget" if kind == "预算" else "final accounts"
    return f"{text}\n\n**Charts drawn from:** {scope.english_name(doc.department)} ({doc.year} {what})"


def build_public(ctx: WebContext) -> gr.Blocks:
    qa0 = ctx.qa
    docs = qa0.documents
    first_doc = scope.chart_document(qa0, None, None)
    charts = _charts_of(first_doc)
    tables = qa0.tables()
    choices = table_choices(tables)
    findings = qa0.check()

    built = qa0
    shown = {"qa": built, "docs": docs, "findings": findings, "tables": tables}

    def current() -> dict:
        """What the page shows, read again once a re-ingested index has been swapped in (reload.py)."""
        qa = ctx.qa
        if qa is not shown["qa"]:
            shown.update(qa=qa, docs=qa.documents, findings=qa.check(), tables=qa.tables())
        return shown

    def pick_table(value: str, lang_label: str) -> str:
        doc_id, _, table_id = (value or "").partition("::")
        lg = LANGS.get(lang_label, "zh")
        shown = table_html(ctx.qa.table(doc_id, table_id), lg)
        return _scroll_hint(lg) + shown if shown else ""

    with gr.Blocks(title="预算公开问答 · Budget Q&A", analytics_enabled=False) as demo:
        state = gr.State(chat.new_state())
        with gr.Row(elem_id="bqa-head"):
            title = gr.Markdown(f"## {t('title', 'zh')}")
            lang = gr.Radio(list(LANGS), value="中文", show_label=False, container=False, elem_id="bqa-lang")
        about = gr.Markdown(coverage(docs, "zh", qa0), elem_id="bqa-about")
        with gr.Row(elem_id="bqa-scope"):
            dept = gr.Dropdown(
                scope.department_choices(qa0), value=scope.ALL, label=t("pick_department", "zh"),
                elem_id="bqa-dept", scale=3,
            )
            year = gr.Dropdown(
                scope.year_choices(qa0), value=scope.ALL, label=t("pick_year", "zh"), elem_id="bqa-year", scale=1,
            )
        with gr.Tabs():
            with gr.Tab(t("tab_chat", "zh"), id="chat") as tab_chat:
                bot = gr.Chatbot(
                    elem_id="bqa-chat",
                    label=t("chat_label", "zh"),
                    show_label=False,
                    height=None,
                    min_height=320,
                    max_height=2400,
                    buttons=["copy", "copy_all"],
                    latex_delimiters=[],
                    sanitize_html=True,
                    feedback_options=("Like", "Dislike"),
                    autoscroll=True,
                    placeholder=t("chat_placeholder", "zh"),
                )
                with gr.Row(elem_id="bqa-ask"):
                    box = gr.Textbox(
                        placeholder=t("placeholder", "zh"),
                        show_label=False,
                        lines=1,
                        max_lines=4,
                        scale=5,
                        elem_id="bqa-question",
                        autofocus=True,
                    )
                    send = gr.Button(t("send", "zh"), variant="primary", scale=1, elem_id="bqa-send")
                example_boxes = {}
                for lg_ in ("zh", "en"):  # one set per interface language, the other hidden
                    with gr.Column(visible=lg_ == "zh", elem_id=f"bqa-examples-{lg_}") as col_:
                        examples = scope.examples(qa0, lg_)
                        gr.Examples(
                            [[q] for q, _ in examples],
                            inputs=[box],
                            label=t("examples", lg_),
                            example_labels=[label for _, label in examples],
                            examples_per_page=len(examples),
                        )
                    example_boxes[lg_] = col_
                with gr.Row(elem_id="bqa-feedback"):
                    fb_label = gr.Markdown(t("feedback_label", "zh"))
                    up = gr.Button(t("helpful", "zh"), size="sm", elem_id="bqa-up")
                    down = gr.Button(t("not_helpful", "zh"), size="sm", elem_id="bqa-down")
                    clear = gr.Button(t("clear", "zh"), size="sm", elem_id="bqa-clear")
                with gr.Row(elem_id="bqa-comment-row"):
                    note = gr.Textbox(
                        placeholder=t("comment", "zh"),
                        show_label=False,
                        lines=1,
                        scale=4,
                        elem_id="bqa-comment",
                    )
                    note_send = gr.Button(t("send_comment", "zh"), size="sm", scale=1)
                status = gr.Markdown("", elem_id="bqa-status")
            with gr.Tab(t("tab_glance", "zh"), id="glance") as tab_glance:
                glance_intro = gr.Markdown(_glance_intro(first_doc, "zh"), elem_id="bqa-glance-intro")
                plots = [
                    gr.HTML(chart_html(c, "zh"), visible=c is not None, elem_id=f"bqa-chart-{key}")
                    for key, c in zip(CHART_KEYS, charts, strict=True)
                ]
            with gr.Tab(t("tab_tables", "zh"), id="tables") as tab_tables:
                pick = gr.Dropdown(
                    choices,
                    value=choices[0][1] if choices else None,
                    label=t("pick_table", "zh"),
                    elem_id="bqa-pick",
                )
                table_view = gr.HTML(
                    pick_table(choices[0][1], "中文") if choices else "", elem_id="bqa-table"
                )
            with gr.Tab(t("tab_audit", "zh"), id="audit") as tab_audit:
                audit_view = gr.HTML(audit_html(findings, "zh"), elem_id="bqa-audit")

        def ask(question: str, s: dict, ui: str, d: str, y: str, request: gr.Request):
            yield from chat.respond(
                ctx, question, s, request, LANGS.get(ui, "zh"), department=scope.chosen(d), year=scope.chosen(y)
            )

        ask_io = {"fn": ask, "inputs": [box, state, lang, dept, year], "outputs": [bot, state, box]}
        box.submit(**ask_io, api_name="ask", show_progress="hidden")
        send.click(**ask_io, api_visibility="private", show_progress="hidden")
        # the events that ask a question: limits.QuestionGate counts them before they are queued
        demo.question_fns = frozenset(i for i, f in demo.fns.items() if f.fn is ask)
        clear.click(chat.clear, inputs=[state], outputs=[bot, state, box], api_visibility="private")
        bot.clear(chat.clear, inputs=[state], outputs=[bot, state, box], api_visibility="private")

        def _ui(label: str) -> str:
            return LANGS.get(label, "zh")

        up.click(
            lambda s, lg: chat.rate(ctx, s, True, _ui(lg)), [state, lang], [status], api_visibility="private"
        )
        down.click(
            lambda s, lg: chat.rate(ctx, s, False, _ui(lg)), [state, lang], [status], api_visibility="private"
        )
        note_send.click(
            lambda s, txt, lg: chat.comment(ctx, s, txt, _ui(lg)),
            [state, note, lang],
            [status, note],
            api_visibility="private",
        )

        def on_like(s, lg, data: gr.LikeData):
            return chat.like(ctx, s, data.index, data.liked, _ui(lg))

        bot.like(on_like, [state, lang], [status], api_visibility="private")
        pick.change(pick_table, [pick, lang], [table_view], api_visibility="private")

        def scoped(d: str, y: str, label: str, picked: str | None, keep_table: bool = True) -> list:
            """Everything the picker scopes: the table list (and the table shown), the audit, the charts."""
            lg, now = _ui(label), current()
            qa = now["qa"]
            dep, yr = scope.chosen(d), scope.chosen(y)
            ids = scope.doc_ids(qa, dep, yr)
            ch = table_choices(scope.tables_in(now["tables"], ids))
            values_ = [v for _, v in ch]
            value = picked if keep_table and picked in values_ else (values_[0] if values_ else None)
            doc = scope.chart_document(qa, dep, yr)
            cs = _charts_of(doc)
            out = [
                gr.Dropdown(choices=ch, value=value, label=t("pick_table", lg)),
                pick_table(value, label) if value else "",
                gr.HTML(audit_html(scope.findings_in(now["findings"], ids), lg)),
                gr.Markdown(_glance_intro(doc, lg)),
            ]
            out += [gr.HTML(chart_html(c, lg), visible=True) if c else gr.HTML("", visible=False) for c in cs]
            return out

        scoped_out = [pick, table_view, audit_view, glance_intro, *plots]

        def on_scope(d: str, y: str, label: str, picked: str | None):
            return scoped(d, y, label, picked)

        dept.change(on_scope, [dept, year, lang, pick], scoped_out, api_visibility="private")
        year.change(on_scope, [dept, year, lang, pick], scoped_out, api_visibility="private")

        def switch(label: str, d: str, y: str, picked: str | None):
            lg = _ui(label)
            now = current()
            out = [
                gr.Markdown(f"## {t('title', lg)}"),
                gr.Markdown(coverage(now["docs"], lg, now["qa"])),
                gr.Tab(label=t("tab_chat", lg)),
                gr.Tab(label=t("tab_glance", lg)),
                gr.Tab(label=t("tab_tables", lg)),
                gr.Tab(label=t("tab_audit", lg)),
                gr.Chatbot(label=t("chat_label", lg), placeholder=t("chat_placeholder", lg)),
                gr.Textbox(placeholder=t("placeholder", lg)),
                gr.Button(t("send", lg)),
                gr.Markdown(t("feedback_label", lg)),
                gr.Button(t("helpful", lg)),
                gr.Button(t("not_helpful", lg)),
                gr.Button(t("clear", lg)),
                gr.Textbox(placeholder=t("comment", lg)),
                gr.Button(t("send_comment", lg)),
                gr.Dropdown(label=t("pick_department", lg)),
                gr.Dropdown(label=t("pick_year", lg)),
                gr.Column(visible=lg == "zh"),
                gr.Column(visible=lg == "en"),
            ]
            return out + scoped(d, y, label, picked)  # the table shown is drawn again in the new language

        lang.change(
            switch,
            [lang, dept, year, pick],
            [
                title,
                about,
                tab_chat,
                tab_glance,
                tab_tables,
                tab_audit,
                bot,
                box,
                send,
                fb_label,
                up,
                down,
                clear,
                note,
                note_send,
                dept,
                year,
                example_boxes["zh"],
                example_boxes["en"],
                *scoped_out,
            ],
            api_visibility="private",
        )

        def refresh(label: str):
            """On page load: the coverage, picker, tables, audit and charts of the index answered from, when
            a re-ingested (or published) one has replaced the one this page was built with."""
            now = current()
            if now["qa"] is built:
                return [gr.skip()] * (3 + len(scoped_out))
            qa = now["qa"]
            lg = _ui(label)
            return [
                gr.Markdown(coverage(now["docs"], lg, qa)),
                gr.Dropdown(choices=scope.department_choices(qa), value=scope.ALL),
                gr.Dropdown(choices=scope.year_choices(qa), value=scope.ALL),
                *scoped(scope.ALL, scope.ALL, label, None, keep_table=False),
            ]

        demo.load(
            refresh, [lang], [about, dept, year, *scoped_out], api_visibility="private",
            show_progress="hidden",
        )
    return demo


def build_desk(ctx: WebContext) -> gr.Blocks:
    """The staff desk: only ever mounted behind Gradio auth (see server.py)."""
    any_ = desk.ALL
    with gr.Blocks(title="咨询答复工作台 · Inquiry desk", analytics_enabled=False) as app:
        with gr.Row(elem_id="bqa-head"):
            gr.Markdown("## 咨询答复工作台 · Inquiry desk")
            gr.Button("退出登录 / Log out", link="logout", size="sm", scale=0, elem_id="bqa-logout")
        with gr.Tabs():
            with gr.Tab("问答日志 / Exchange log", id="log"):
                with gr.Row():
                    q = gr.Textbox(label="搜索 / Search text", scale=3, elem_id="desk-search")
                    lang = gr.Dropdown([any_, "zh", "en"], value=any_, label="语言 / Language", scale=1)
                    route = gr.Dropdown(
                        [any_, "lookup", "compute", "retrieval", "abstain"],
                        value=any_,
                        label="路由 / Route",
                        scale=1,
                    )
                    fb = gr.Dropdown(
                        [any_, "up", "down", "none"], value=any_, label="反馈 / Feedback", scale=1
                    )
                    channel = gr.Dropdown(
                        [any_, "public", "desk"], value=any_, label="来源 / Channel", scale=1
                    )
                with gr.Row():
                    d0 = gr.Textbox(label="起始日期 / From (YYYY-MM-DD)", scale=1)
                    d1 = gr.Textbox(label="截止日期 / To (YYYY-MM-DD)", scale=1)
                    go = gr.Button("搜索 / Search", variant="primary", scale=1, elem_id="desk-go")
                log = gr.Dataframe(
                    desk.search_log(ctx),
                    interactive=False,
                    wrap=True,
                    max_height=420,
                    column_widths=[
                        "56px",
                        "150px",
                        "70px",
                        "76px",
                        "84px",
                        "84px",
                        "260px",
                        "340px",
                        "160px",
                    ],
                    elem_id="desk-log",
                    label="点击一行选择 / click a row to select it",
                )
                with gr.Row():
                    ex_id = gr.Textbox(label="记录编号 / Exchange id", scale=1, elem_id="desk-id")
                    reply_lang = gr.Radio(
                        [("中文", "zh"), ("English", "en")],
                        value="zh",
                        label="答复语言 / Reply language",
                        scale=1,
                    )
                    draft = gr.Button(
                        "生成答复稿 / Draft reply", variant="primary", scale=1, elem_id="desk-draft"
                    )
                detail = gr.Textbox(
                    label="记录详情 / Exchange", lines=5, interactive=False, elem_id="desk-detail"
                )
            with gr.Tab("新问题 / New question", id="new"):
                new_q = gr.Textbox(label="问题 / Question", lines=2, elem_id="desk-question")
                new_lang = gr.Radio(
                    [("中文", "zh"), ("English", "en")], value="zh", label="答复语言 / Reply language"
                )
                new_go = gr.Button(
                    "回答并生成答复稿 / Answer and draft", variant="primary", elem_id="desk-ask"
                )
            with gr.Tab("发布 / Publish", id="publish"):
                desk.build_publish_tab(ctx)
        preview = gr.Textbox(
            label="答复稿（Markdown）/ Reply draft",
            lines=14,
            interactive=False,
            buttons=["copy"],
            elem_id="desk-preview",
        )
        with gr.Row():
            md_file = gr.File(label="Markdown (.md)", interactive=False, elem_id="desk-md")
            docx_file = gr.File(label="Word (.docx)", interactive=False, elem_id="desk-docx")

        filters = [q, lang, route, fb, d0, d1, channel]
        go.click(lambda *a: desk.search_log(ctx, *a), filters, [log], api_visibility="private")
        q.submit(lambda *a: desk.search_log(ctx, *a), filters, [log], api_visibility="private")
        app.load(lambda *a: desk.search_log(ctx, *a), filters, [log], api_visibility="private")

        def select(evt: gr.SelectData):
            row = evt.row_value or []
            exchange = str(row[0]) if row else ""
            return exchange, desk.exchange_detail(ctx, exchange)

        log.select(select, None, [ex_id, detail], api_visibility="private")
        ex_id.submit(lambda e: desk.exchange_detail(ctx, e), [ex_id], [detail], api_visibility="private")
        draft.click(
            lambda e, lg: desk.draft_for_exchange(ctx, e, lg),
            [ex_id, reply_lang],
            [preview, md_file, docx_file],
            api_visibility="private",
        )

        def ask_new(question: str, lg: str, request: gr.Request):
            return desk.draft_for_question(ctx, question, lg, getattr(request, "username", None) or "staff")

        new_go.click(ask_new, [new_q, new_lang], [preview, md_file, docx_file], api_visibility="private")
    return app
