"""Document metadata from every common title form: department, year, 预算 or 决算, date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError
from ..readers.base import Grid, RawDocument, TextLine
from . import titles

# '2024 年部门预算公开', '湖南省水利厅2024年部门预算', '2024年湖南省水利厅部门预算', '国家XX局 2023 年度部门决算'
_TITLE = re.compile(
    r"^(?P<pre>[^\d]{0,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<mid>[^\d]{0,40}?)\s*"
    r"(?:部门|单位)?\s*(?:综合)?(?P<kind>预算|决算)\s*(?:信息)?\s*(?:公开|说明|报告|情况)?\s*(?:报告)?$"
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ORG_SUFFIX = re.compile(r"(?:厅|局|委员会|委|办公室|办|院|馆|中心|部|署|会|所|站|队|处|社|团|校|学|政府|法院|检察院)$")


@dataclass
class DocumentMeta:
    department: str
    year: str
    kind: str  # 预算 | 决算
    date: str | None
    title: str
    title_line: int  # line of the title (0 when taken from elsewhere)


def find_meta(raw: RawDocument, blocks: list) -> DocumentMeta:
    lines = [b for b in blocks if isinstance(b, TextLine)]
    # a PDF's cover title is often also its running header, which the reader drops from the pages
    head = [TextLine(h, 0) for h in raw.running_headers] + lines[:15]
    for k, ln in enumerate(head):
        s = re.sub(r"\s+", "", ln.text)
        m = _TITLE.match(s)
        if not m:
            continue
        dept = _dept(m.group("pre")) or _dept(m.group("mid"))
        if not dept:
            dept = next((_dept(re.sub(r"\s+", "", p.text)) for p in reversed(head[:k]) if _dept(p.text)), "")
        if not dept:
            dept = _department_from_lines(blocks)
        if dept:
            year, kind = m.group("year"), m.group("kind")
            return DocumentMeta(dept, year, kind, _date(lines), _title(dept, year, kind), ln.line)
    # No title line: the department and year from table titles ('XX局2024年收支总表'), or the
    # department from the tables' 编制部门 lines and the year from the text or the file name.
    dept, year = _from_table_titles(lines)
    dept = dept or _department_from_lines(blocks)
    year = year or _year(lines, raw)
    if not dept and year and any(isinstance(b, Grid) for b in blocks):
        # a workbook of tables only ('湖南省水利厅2024年部门预算表.xlsx'): the file name is all that names it
        dept = _dept_from_file_name(raw)
        if dept:
            raw.warnings.append(f"no department named in the file; '{dept}' taken from its file name")
    if dept and year:
        kind = "决算" if any("决算" in ln.text for ln in lines[:40]) else "预算"
        return DocumentMeta(dept, year, kind, _date(lines), _title(dept, year, kind), 0)
    first = lines[0].line if lines else 1
    raise IngestError(
        raw.path, first,
        "does not look like a departmental budget disclosure: expected a title naming the department and "
        "the year (such as '2024年部门预算公开' under the department's name, or 'XX厅2024年部门预算') "
        "within the first lines",
        "give only 部门预算/决算公开 disclosures (one disclosure per file, or its files in a folder of their own)",
    )


def _dept(s: str) -> str:
    s = re.sub(r"\s+", "", s or "").strip("：:，,、 ")
    s = re.sub(r"^(?:关于)?", "", s)
    if len(s) < 2 or len(s) > 40 or not re.search(r"[\u4e00-\u9fff]", s):
        return ""
    if s in ("目录", "目 录") or s.startswith(("第", "表")):
        return ""
    return s if _ORG_SUFFIX.search(s) or len(s) >= 4 else ""


def _department_from_lines(blocks: list) -> str:
    seen: dict[str, int] = {}
    for b in blocks:
        if isinstance(b, TextLine):
            d = titles.department_in(b.text)
            if d:
                seen[d] = seen.get(d, 0) + 1
        elif isinstance(b, Grid):
            continue
    return max(seen, key=seen.get) if seen else ""


def _dept_from_file_name(raw: RawDocument) -> str:
    stem = Path(raw.files[0] if raw.files else raw.path).stem
    name = re.sub(r"(?:19|20)\d{2}\s*年?\s*度?", "", stem)
    name = re.sub(r"(?:部门|单位)?(?:预算|决算)?(?:公开)?(?:表格?|附表)?$", "", name).strip(" -_")
    return _dept(name) if re.search(r"[\u4e00-\u9fff]", name) else ""


def _from_table_titles(lines: list[TextLine]) -> tuple[str, str]:
    counts: dict[tuple[str, str], int] = {}
    for ln in lines:
        m = re.match(r"^(?P<dept>[^\d\s]{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<rest>\S*表)$",
                     re.sub(r"\s+", "", ln.text))
        if m and titles.title_kind(m.group("rest")) and _dept(m.group("dept")):
            key = (_dept(m.group("dept")), m.group("year"))
            counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.get) if counts else ("", "")


def _year(lines: list[TextLine], raw: RawDocument) -> str:
    for ln in lines[:30]:
        m = re.search(r"((?:19|20)\d{2})\s*年\s*度?\s*(?:部门|单位)?\s*(?:预算|决算)", ln.text)
        if m:
            return m.group(1)
    m = _YEAR_IN_NAME.search(Path(raw.path).stem)
    if m:
        return m.group(1)
    # the year the text speaks of most ('2025年所有收入和支出…', '2025年预算数')
    years = re.findall(r"((?:19|20)\d{2})\s*年", " ".join(ln.text for ln in lines[:60]))
    return max(years, key=lambda y: (years.count(y), y)) if years else ""


def _date(lines: list[TextLine]) -> str | None:
    """A publication date printed near the top or in the signature at the end, as yyyy-mm-dd."""
    for ln in lines[:15] + lines[-8:]:
        m = _DATE.search(ln.text)
        if m:
            y, mo, d = m.groups()
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    return None


def _title(dept: str, year: str, kind: str) -> str:
    return f"{dept} {year} 年部门{kind}公开"
