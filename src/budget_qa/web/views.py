"""The 'Tables' and 'Audit' views as pure functions: a parsed table as printed, the audit's findings."""

from __future__ import annotations

from ..audit import Finding, summary
from ..model import Row, Table
from .i18n import t as tr
from .render import esc

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
        f"<tr><td>{esc(rule)}</td><td>{v['passed']}</td><td>{v['mismatches']}</td></tr>"
        for rule, v in s["by_rule"].items()
    )
    out = [
        f'<div class="bqa-audit"><p class="bqa-audit-summary">{esc(head)}</p>',
        '<div class="bqa-scroll"><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table></div>'.format(
            "规则" if zh else "rule", "通过" if zh else "passed", "不一致" if zh else "mismatches", rules
        ),
    ]
    bad = [f for f in findings if not f.ok]
    out.append(f"<h4>{esc(tr('audit_mismatches', lang))}</h4>")
    if not bad:
        out.append(f"<p>{esc(tr('audit_none', lang))}</p>")
    for f in bad:
        out.append(
            f'<div class="bqa-mismatch"><div><b>[{esc(f.rule)}]</b> {esc(f.message)}</div>'
            f"<div>A: {esc(f.a.get('locator', ''))} = <b>{esc(f.a.get('value', ''))}</b></div>"
            f"<div>B: {esc(f.b.get('locator', ''))} = <b>{esc(f.b.get('value', ''))}</b></div></div>"
        )
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        if f.ok:
            by_rule.setdefault(f.rule, []).append(f)
    out.append(f"<details><summary>{esc(tr('audit_passed', lang))} ({s['passed']})</summary>")
    for rule, fs in by_rule.items():
        items = "".join(f"<li>{esc(f.message)}</li>" for f in fs)
        out.append(f"<details><summary>{esc(rule)} ({len(fs)})</summary><ul>{items}</ul></details>")
    out.append("</details></div>")
    return "".join(out)
