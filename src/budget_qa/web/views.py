"""The 'Tables' and 'Audit' views as pure functions: a parsed table as printed, the audit's findings."""

from __future__ import annotations

import re

from ..audit import Finding, summary
from ..model import Row, Table
from .charts import english_locator
from .i18n import t as tr
from .render import esc

# what each audit rule checks, in plain words for the public
RULES: dict[str, tuple[str, str]] = {
    "code-hierarchy": ("合计与明细相符", "totals add up"),
    "column-sum": ("合计列等于各列之和", "total column = sum of its columns"),
    "two-sided-balance": ("收入总计等于支出总计", "income and expenditure balance"),
    "sum-of-items": ("各项之和等于合计", "items add up to the total"),
    "cross-table": ("不同表中的同一数字一致", "the same figure agrees across tables"),
    "performance": ("项目资金来源之和等于预算总额", "project funding adds up"),
    "narrative-vs-table": ("文字说明与表中数字一致", "text matches the tables"),
    "narrative-rate": ("文字说明中的增长率算得对", "stated growth rates are right"),
    "narrative-breakdown": ("文字说明中的“其中”各项之和相符", "the text's breakdowns add up"),
    "narrative-headcount": ("人员变动说明前后一致", "staff numbers in the text agree"),
}

# the audit's own description of a check (before ': ' in its message) → (Chinese, English)
_WHAT: dict[str, tuple[str, str]] = {
    "line vs its items": ("该行与其分项之和", "line vs its items"),
    "total vs sum of its children": ("合计与下级科目之和", "total vs sum of its children"),
    "total column vs its parts": ("合计列与各分列之和", "total column vs its parts"),
    "unit subtotal vs its classes": ("单位小计与其科目之和", "unit subtotal vs its classes"),
    "total vs sum of its units": ("总计与各单位之和", "total vs sum of its units"),
    "三公 total vs its items": ("“三公”合计与各项之和", "'three public' total vs its items"),
    "subtotal vs its items": ("小计与其分项之和", "subtotal vs its items"),
    "narrative figure vs table": ("文字说明中的数字与表中数字", "figure in the text vs the table"),
    "stated rate vs change ÷ previous year": ("说明的增长率与“增减额 ÷ 上年数”", "stated rate vs change ÷ previous year"),
    "narrative total vs its '其中' items": ("文字说明中的合计与其“其中”各项", "total in the text vs its '其中' items"),
    "in-service staff increase vs staff newly transferred in": ("在职人员增加数与新调入人数",
                                                                 "in-service staff increase vs staff newly transferred in"),
}


def rule_name(rule: str, lang: str = "zh") -> str:
    zh, en = RULES.get(rule, (rule, rule))
    return zh if lang == "zh" else en


def _what(f: Finding, lang: str) -> str:
    what = f.message.split(": ", 1)[0] if ": " in f.message else ""
    if what in _WHAT:
        return _WHAT[what][0 if lang == "zh" else 1]
    m = re.fullmatch(r"(表\d+) vs (表\d+) for code (\d+)", what)
    if m:
        return (f"{m[1]}与{m[2]}中科目 {m[3]} 的数字" if lang == "zh"
                else f"{english_locator(m[1])} vs {english_locator(m[2])} for code {m[3]}")
    if re.search(r"[\u4e00-\u9fff]", what) and lang == "en" or not what:
        return rule_name(f.rule, lang)
    return what if lang == "en" else rule_name(f.rule, lang)


def _locator(text: str, lang: str) -> str:
    m = re.fullmatch(r"sum of (\d+) rows under it", text or "")
    if m:
        return f"其下 {m[1]} 行之和" if lang == "zh" else text
    return english_locator(text) if lang == "en" else text.replace("（空 blank）", "（空）")


def finding_text(f: Finding, lang: str = "zh") -> str:
    """A finding in the interface language: what was compared, A = …, B = …, the difference."""
    a, b = f.a or {}, f.b or {}
    if not a and not b:
        return f.message
    va, vb = str(a.get("value", "")), str(b.get("value", ""))
    if lang == "en":
        vb = vb.replace("（空 blank）", "(blank)")
    else:
        vb = vb.replace("（空 blank）", "（空）")
    diff = ""
    if not f.ok and "difference" in f.message:
        d = f.message.rsplit("difference", 1)[1].strip(" )")
        diff = f"（相差 {d}）" if lang == "zh" else f" (difference {d})"
    vs = " 对比 " if lang == "zh" else " vs "
    sep = "：" if lang == "zh" else ": "
    return (f"{_what(f, lang)}{sep}{_locator(a.get('locator', ''), lang)} = {va}{vs}"
            f"{_locator(b.get('locator', ''), lang)} = {vb}{diff}")

CODE_LEVELS = ("类", "款", "项")
_HIDDEN_ATTR = ("kind", "_group")


def _split_code(code: str, levels: int) -> list[str]:
    parts = [code[:3], code[3:5], code[5:7]][:levels]
    return [p for p in parts] + [""] * (levels - len(parts))


def _text_attrs(t: Table) -> list[str]:
    """Text columns kept in row attrs (项目名称, 一级指标 …), minus those that only repeat the row label."""
    keys: list[str] = []
    for r in t.rows:
        for k in r.attrs:
            if k not in keys and "." not in k and k not in _HIDDEN_ATTR:
                keys.append(k)
    return [k for k in keys if any(r.attrs.get(k) not in (None, "", r.label) for r in t.rows)]


def _cell(row: Row, col: str) -> str:
    if col in row.attrs and "." not in col:
        return row.attrs[col]
    c = row.cell(col)
    return c.value if c is not None and c.value is not None else ""


def table_grid(t: Table) -> tuple[list[list[str]], list[list[str]]]:
    """(header rows, body rows) as the document prints the table: codes split into 类/款/项 columns,
    two-sided tables side by side, blank cells empty. Uses the printed header when its width fits."""
    if any(r.side for r in t.rows):
        return _two_sided(t)
    levels = max((len(r.code) for r in t.rows if r.code), default=0)
    n_code = {0: 0, 3: 1, 5: 2, 7: 3}.get(levels, 3 if levels else 0)
    attrs = _text_attrs(t)
    project = "项目名称" in {k for r in t.rows for k in r.attrs}
    values = [c for c in t.columns if c not in attrs]
    values += [c.column for r in t.rows for c in r.cells if c.column not in values and c.column not in attrs]
    values = list(dict.fromkeys(values))
    body = []
    for r in t.rows:
        codes = _split_code(r.code, n_code) if n_code else []
        if project:  # 表7: 功能分类科目名称, 项目名称
            name = [
                r.attrs.get("科目名称", r.label if "项目名称" not in r.attrs else ""),
                r.attrs.get("项目名称", ""),
            ]
            extra = [_cell(r, a) for a in attrs if a not in ("科目名称", "项目名称")]
        else:
            name = [r.label]
            extra = [_cell(r, a) for a in attrs]
        body.append([*codes, *name, *extra, *(_cell(r, c) for c in values)])
    width = len(body[0]) if body else n_code + 1 + len(attrs) + len(values)
    if t.header_rows and all(len(h) == width for h in t.header_rows):
        return [list(h) for h in t.header_rows], body
    indicator = any("三级指标" in r.attrs for r in t.rows)
    name_head = ["功能分类科目名称", "项目名称"] if project else ["三级指标" if indicator else "项目"]
    rest = [a for a in attrs if not (project and a in ("科目名称", "项目名称"))]
    return [[*CODE_LEVELS[:n_code], *name_head, *rest, *values]], body


def _two_sided(t: Table) -> tuple[list[list[str]], list[list[str]]]:
    sides: dict[str, list[Row]] = {}
    for r in t.rows:
        sides.setdefault(r.side, []).append(r)
    names = list(sides)
    left, right = sides[names[0]], sides[names[1]] if len(names) > 1 else []
    lcols = [c for c in t.columns if c.startswith(names[0])]
    rcols = [c for c in t.columns if c not in lcols]
    body = []
    for k in range(max(len(left), len(right))):
        row: list[str] = []
        for rows, cols in ((left, lcols), (right, rcols)):
            if k < len(rows):
                r = rows[k]
                row += [f"{r.code} {r.label}".strip(), *(_cell(r, c) for c in cols)]
            else:
                row += [""] * (1 + len(cols))
        body.append(row)
    width = 2 + len(lcols) + len(rcols)
    if t.header_rows and all(len(h) == width for h in t.header_rows):
        return [list(h) for h in t.header_rows], body
    return [[names[0], *lcols, names[1] if len(names) > 1 else "", *rcols]], body


def table_choices(tables: list[dict]) -> list[tuple[str, str]]:
    """Dropdown choices (label, 'doc_id::table_id') from BudgetQA.tables()."""
    many = len({t["document"] for t in tables}) > 1
    return [
        ((f"{t['document']} · " if many else "") + t["label"], f"{t['document']}::{t['id']}") for t in tables
    ]


def table_html(t: Table | None, lang: str = "zh") -> str:
    if t is None:
        return ""
    head, body = table_grid(t)
    out = [
        f'<div class="bqa-table"><div class="bqa-table-title">{esc(t.label)}'
        + (
            f'<span class="bqa-unit">{"单位" if lang == "zh" else "unit"}：{esc(t.unit)}</span>'
            if t.unit
            else ""
        )
        + "</div>"
    ]
    if t.meta:
        meta = "".join(
            f"<div><b>{esc(k)}</b>：{esc(v)}</div>" for k, v in t.meta.items() if not k.startswith("_")
        )
        out.append(f'<div class="bqa-meta">{meta}</div>')
    if t.note:
        out.append(f'<p class="bqa-note">{esc(t.note)}</p>')
    out.append('<div class="bqa-scroll"><table>')
    for h in head:
        out.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in h) + "</tr>")
    for r in body:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
    out.append("</table></div></div>")
    return "".join(out)


def audit_html(findings: list[Finding], lang: str = "zh") -> str:
    s = summary(findings)
    zh = lang == "zh"
    head = (
        f"共 {s['checks']} 项核对，{s['passed']} 项通过，{s['mismatches']} 处不一致。"
        if zh
        else f"{s['checks']} checks, {s['passed']} passed, {s['mismatches']} mismatch(es)."
    )
    rules = "".join(
        f"<tr><td>{esc(rule_name(rule, lang))}</td><td>{v['passed']}</td><td>{v['mismatches']}</td></tr>"
        for rule, v in s["by_rule"].items()
    )
    out = [
        f'<div class="bqa-audit"><p class="bqa-audit-summary">{esc(head)}</p>',
        '<div class="bqa-scroll"><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table></div>'.format(
            "核对内容" if zh else "check", "通过" if zh else "passed", "不一致" if zh else "mismatches", rules
        ),
    ]
    bad = [f for f in findings if not f.ok]
    out.append(f"<h4>{esc(tr('audit_mismatches', lang))}</h4>")
    if not bad:
        out.append(f"<p>{esc(tr('audit_none', lang))}</p>")
    for f in bad:
        out.append(
            f'<div class="bqa-mismatch"><div><b>{esc(rule_name(f.rule, lang))}</b> — {esc(finding_text(f, lang))}</div>'
            f"<div>A: {esc(_locator(f.a.get('locator', ''), lang))} = <b>{esc(f.a.get('value', ''))}</b></div>"
            f"<div>B: {esc(_locator(f.b.get('locator', ''), lang))} = <b>{esc(finding_text_value(f, lang))}</b></div></div>"
        )
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        if f.ok:
            by_rule.setdefault(f.rule, []).append(f)
    out.append(f"<details><summary>{esc(tr('audit_passed', lang))} ({s['passed']})</summary>")
    for rule, fs in by_rule.items():
        items = "".join(f"<li>{esc(finding_text(f, lang))}</li>" for f in fs)
        out.append(f"<details><summary>{esc(rule_name(rule, lang))} ({len(fs)})</summary><ul>{items}</ul></details>")
    out.append("</details></div>")
    return "".join(out)


def finding_text_value(f: Finding, lang: str) -> str:
    v = str((f.b or {}).get("value", ""))
    return v.replace("（空 blank）", "(blank)" if lang == "en" else "（空）")
