"""User-interface strings in Chinese and English (answers follow the question's language instead)."""

from __future__ import annotations

from ..model import Document

LANGS = {"中文": "zh", "English": "en"}

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "预算公开问答", "en": "Budget disclosure Q&A"},
    "tab_chat": {"zh": "问答", "en": "Ask"},
    "tab_glance": {"zh": "预算概览", "en": "Budget at a glance"},
    "tab_tables": {"zh": "预算表", "en": "Tables"},
    "tab_audit": {"zh": "一致性核对", "en": "Audit"},
    "placeholder": {
        "zh": "请输入问题，例如：2024年三公经费是多少？（中英文均可）",
        "en": "Ask a question, e.g. How much is budgeted for official receptions? (English or Chinese)",
    },
    "send": {"zh": "提问", "en": "Ask"},
    "clear": {"zh": "清空对话", "en": "Clear chat"},
    "chat_label": {"zh": "对话", "en": "Conversation"},
    "examples": {"zh": "示例问题（点击填入）", "en": "Example questions (click to fill in)"},
    "chat_placeholder": {
        "zh": "在下方输入问题，或点选示例问题。\n\nType a question below, or pick an example.",
        "en": "Type a question below, or pick an example.\n\n在下方输入问题，或点选示例问题。",
    },
    "feedback_label": {"zh": "这个回答有帮助吗？", "en": "Was this answer helpful?"},
    "helpful": {"zh": "有帮助", "en": "Helpful"},
    "not_helpful": {"zh": "没有帮助", "en": "Not helpful"},
    "comment": {"zh": "补充意见（可选）", "en": "Comment (optional)"},
    "send_comment": {"zh": "提交意见", "en": "Send comment"},
    "thanks": {"zh": "已记录，谢谢您的反馈。", "en": "Recorded — thank you for the feedback."},
    "nothing_to_rate": {
        "zh": "请先提问，再对回答评价。",
        "en": "Ask a question first, then rate the answer.",
    },
    "rate_limited": {
        "zh": "提问太频繁了，请约 {s} 秒后再试。（每分钟最多 {n} 个问题）",
        "en": "Too many questions at once — please try again in about {s} seconds "
        "(at most {n} questions a minute).",
    },
    "too_long": {
        "zh": "问题太长（{n} 个字），最多 {limit} 个字。请精简后再问，一次问一件事；输入框里保留了前 {limit} 个字。",
        "en": "This question is too long ({n} characters; at most {limit}). Please shorten it and ask one "
        "thing at a time; the first {limit} characters are kept in the box.",
    },
    "queue_full": {
        "zh": "现在提问的人太多，请过几秒再试。",
        "en": "Too many people are asking right now — please try again in a few seconds.",
    },
    "too_many_events": {
        "zh": "操作太频繁了，请约 {s} 秒后再试。",
        "en": "Too many requests at once — please try again in about {s} seconds.",
    },
    "login_failed": {
        "zh": "用户名或密码不正确。连续输错 {n} 次后需等待一段时间才能再次登录。",
        "en": "Incorrect user name or password. After {n} failed attempts, login is paused for a while.",
    },
    "login_locked": {
        "zh": "登录失败次数过多，请约 {s} 秒后再试。",
        "en": "Too many failed logins — please try again in about {s} seconds.",
    },
    "error": {"zh": "抱歉，这个问题无法处理：{e}", "en": "Sorry, this question could not be handled: {e}"},
    "pick_table": {"zh": "选择预算表", "en": "Pick a table"},
    "audit_passed": {"zh": "通过的核对项", "en": "Passed checks"},
    "audit_mismatches": {"zh": "不一致之处", "en": "Mismatches"},
    "audit_none": {"zh": "未发现不一致。", "en": "No mismatches found."},
    "glance_intro": {
        "zh": "以下图表直接取自预算表，每张图下注明来源表和单位（多为万元）。",
        "en": "Each chart is drawn straight from one of the disclosure's tables, named under it with its unit "
        "(mostly 10,000 yuan).",
    },
    "lang_label": {"zh": "界面语言 / Language", "en": "Language / 界面语言"},
    "pick_department": {"zh": "部门", "en": "Department"},
    "pick_year": {"zh": "年度", "en": "Year"},
}

EXAMPLES = [  # (question, label) — a figure, a comparison, a text question, English, a follow-up pair
    ("2024年三公经费是多少？", "2024年三公经费是多少？"),
    ("人员经费占基本支出的比例是多少？", "人员经费占基本支出的比例是多少？"),
    ("What are the main functions of the bureau?", "What are the main functions of the bureau?"),
    ("How much is budgeted for official receptions?", "How much is budgeted for official receptions?"),
    ("差旅费预算是多少？", "差旅费预算是多少？"),
    ("那培训费呢？", "→ 那培训费呢？（追问 · follow-up）"),
]


# short, in both languages: said before the request is read, so before its language is known
BODY_TOO_LARGE = "请求内容过大（上限 {kb} KB）。Request body too large (at most {kb} KB)."
UPLOAD_CLOSED = "本站不接受上传文件。This site does not accept file uploads."


def t(key: str, lang: str, **kw: object) -> str:
    s = TEXT[key].get(lang) or TEXT[key]["zh"]
    return s.format(**kw) if kw else s


def message_lang(ui: str | None, question: str = "") -> str:
    """The language of a message about a question (too long, too many, busy): the interface language
    ('中文' / 'English' or 'zh' / 'en'); on the Chinese interface (the default) an English question gets
    English, as its answer would. Only the start of the question is looked at."""
    ui = LANGS.get(ui or "", ui or "")
    if ui == "en":
        return "en"
    head = (question or "")[:200]
    if head.strip():
        from ..answer.question import language

        if language(head) == "en":
            return "en"
    return "zh"


def accept_lang(header: str | None) -> str:
    """'zh' or 'en' from an Accept-Language header: Chinese when the first language is Chinese or none is
    given, English for any other language."""
    first = (header or "").split(",")[0].split(";")[0].strip().lower()
    return "zh" if not first or first == "*" or first.startswith("zh") else "en"


def _doc_label(d: Document, lang: str, glossary=None) -> str:
    final = (d.kind or "预算") == "决算"
    if lang == "zh":
        return f"{d.department} {d.year} 年部门{'决算' if final else '预算'}"
    en = glossary.english(d.department) if glossary is not None else None
    name = f"{en} ({d.department})" if en and en != d.department else d.department
    return f"{name}, {d.year} departmental {'final accounts' if final else 'budget'}"


def coverage(documents: list[Document], lang: str, qa: object | None = None) -> str:
    """What the corpus covers, in plain words (Markdown): each disclosure, then which departments and years
    the picker offers."""
    if not documents:
        return "尚未收录任何预算公开文件。" if lang == "zh" else "No disclosure has been ingested yet."
    glossary = getattr(qa, "glossary", None)
    items = ("；" if lang == "zh" else "; ").join(_doc_label(d, lang, glossary) for d in documents)
    departments = sorted({d.department for d in documents})
    years = sorted({str(d.year) for d in documents if d.year})
    if lang == "zh":
        pick = (f"共 {len(departments)} 个部门、{len(years)} 个年度（{'、'.join(years)}）；"
                "可在下方选择部门和年度缩小范围，默认“全部”。" if len(departments) > 1 or len(years) > 1 else "")
        return (
            f"**本问答收录：** {items}。{pick}\n\n"
            "可以问具体数字（如某项经费多少）、比例和比较、文字说明（职能、机构、绩效目标），也可以追问。"
            "数字一律取自预算表原文，并附出处；文件没有写的内容会如实说明。"
        )
    pick = (f" {len(departments)} departments, {len(years)} years ({', '.join(years)}); pick a department and "
            "year below to narrow the scope (default: all)." if len(departments) > 1 or len(years) > 1 else "")
    return (
        f"**Covered:** {items}.{pick}\n\n"
        "Ask for a figure, a share or comparison, or what the text says (functions, organisation, "
        "performance targets); follow-up questions work. Figures are quoted exactly from the disclosure's "
        "tables with their source; when the disclosure does not say, the answer says so."
    )
