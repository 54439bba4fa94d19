"""Validate eval/qa.jsonl.

Checks every line against eval/qa_schema.json, id uniqueness and id/kind/language
agreement, then cross-checks gold values and locators against the source
document (table cells by column, narrative values inside the located section,
key phrases inside the located text). Prints counts by kind x language.

Usage:
    python eval/validate_qa.py [--qa eval/qa.jsonl]
        [--source /work/shared/corpus/urumqi-investment-promotion-bureau-2024-budget.txt]
Exit status is non-zero if any check fails.
"""
import argparse
import json
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = "/work/shared/corpus/urumqi-investment-promotion-bureau-2024-budget.txt"
ABBR = {"figure": "fig", "narrative": "nar", "descriptive": "desc", "compute": "cmp",
        "followup": "fu", "ambiguous": "amb", "abstain": "abs"}
KINDS = list(ABBR)
NUMERALS = "一二三四五六七八九十"


def norm(s):
    """Remove all whitespace and unify bracket width, for matching."""
    s = re.sub(r"\s+", "", s)
    return s.replace("（", "(").replace("）", ")")


# ----------------------------------------------------------------- document model
class Doc:
    # column heading -> field index, per table (fields split on TAB)
    COLS = {
        "表1": {"预算数": None},  # resolved by row side (left: 1, right: 3)
        "表2": {"总计": 4, "财政拨款（补助）小计": 5, "一般公共预算": 6, "财政拨款结转": 14},
        "表3": {"合计": 4, "基本支出": 5, "项目支出": 6},
        "表4": {"合计": None, "一般公共预算": 4},
        "表5": {"合计": 4, "基本支出": 5, "项目支出": 6},
        "表6": {"合计": 3, "人员经费": 4, "公用经费": 5},
        "表7": {"项目支出合计": 5, "商品服务支出": 7},
        "表10": {"合计": 1, "一般公共预算": 2},
        "表11": {"总计": 1, "合计": 2, "项目支出": 5},
    }
    # field index of the row label (表1/表4 have a left and a right half)
    LABEL_AT = {"表1": (0, 2), "表2": (3,), "表3": (3,), "表4": (0, 2), "表5": (3,), "表6": (2,),
                "表10": (0,), "表11": (0,)}
    PERF_OFFSETS = {"指标值": 1, "指标值设置依据": 2, "上年完成值": 3, "指标分值权重": 4}
    WHOLE_OFFSETS = {"指标值": 1, "指标设定依据": 2, "分值权重": 3}

    def __init__(self, path):
        self.lines = Path(path).read_text(encoding="utf-8").split("\n")
        self.tables = self._split_tables()
        self.parts = self._split_parts()

    def _split_tables(self):
        tables, cur, start = {}, None, None
        for i, ln in enumerate(self.lines):
            m = re.fullmatch(r"表 ?(\d+)", ln.strip())
            if m or ln.startswith("第三部分"):
                if cur:
                    tables[cur] = self.lines[start:i]
                cur, start = (f"表{m.group(1)}", i) if m else (None, None)
        # performance tables
        blocks = [i for i, ln in enumerate(self.lines)
                  if ln.strip() in ("部门整体绩效目标表", "项目支出绩效目标表")]
        end_marker = next(i for i, ln in enumerate(self.lines) if ln.startswith("(五) 其他需说明的事项"))
        for k, b in enumerate(blocks):
            e = blocks[k + 1] if k + 1 < len(blocks) else end_marker
            block = self.lines[b:e]
            if self.lines[b].strip() == "部门整体绩效目标表":
                tables["部门整体绩效目标表"] = block
            else:
                name_line = next(ln for ln in block if ln.startswith("项目名称"))
                name = [f for f in name_line.split("\t") if f.strip()][1].strip()
                tables[f"项目支出绩效目标表:{name}"] = block
        return tables

    def _split_parts(self):
        # body starts at the second occurrence of 第一部分 (the first is the table of contents)
        starts = {}
        for i, ln in enumerate(self.lines):
            m = re.match(r"第([一二三四])部分", ln)
            if m:
                starts[NUMERALS.index(m.group(1)) + 1] = i  # keeps the last occurrence
        order = sorted(starts.items(), key=lambda kv: kv[1])
        parts = {}
        for k, (p, s) in enumerate(order):
            e = order[k + 1][1] if k + 1 < len(order) else len(self.lines)
            parts[p] = self.lines[s + 1:e]
        return parts

    def section(self, part, section, sub=None):
        lines = self.parts[part]
        heads = [(i, re.match(rf"^([{NUMERALS}]+)、", ln.strip()).group(1))
                 for i, ln in enumerate(lines) if re.match(rf"^([{NUMERALS}]+)、", ln.strip())]
        idx = [k for k, (_, n) in enumerate(heads) if n == section]
        if not idx:
            return None
        s = heads[idx[0]][0]
        e = heads[idx[0] + 1][0] if idx[0] + 1 < len(heads) else len(lines)
        body = lines[s:e]
        if sub is None:
            return "\n".join(body)
        subs = [(i, norm(ln)[:norm(ln).index(")") + 1]) for i, ln in enumerate(body)
                if re.match(rf"^[(（][{NUMERALS}]+[)）]", ln.strip())]
        idx = [k for k, (_, n) in enumerate(subs) if n == sub]
        if not idx:
            return None
        s = subs[idx[0]][0]
        e = subs[idx[0] + 1][0] if idx[0] + 1 < len(subs) else len(body)
        return "\n".join(body[s:e])

    def cell(self, table, row, column):
        """Return (printed cell text, whole row line), or raise KeyError."""
        block = self.tables[table]
        nrow, ncol = norm(row), norm(column)
        for ln in block:
            f = ln.split("\t")
            nf = [norm(x) for x in f]
            if table.startswith("表"):
                cols = self.COLS[table]
                if table == "表7":
                    if nrow not in nf[3:5]:
                        continue
                    return f[cols[ncol]].strip(), ln
                # label: strip a leading numbering / code prefix
                labels = [(k, re.sub(r"^(\d+[.、]|\d+|[一二三四]、|其中[：:])", "", nf[k]))
                          for k in self.LABEL_AT[table] if k < len(nf)]
                hit = [k for k, lab in labels if lab == nrow]
                if not hit:
                    continue
                k = hit[0]
                if table in ("表1", "表4") and ncol in ("预算数", "合计"):
                    return f[k + 1].strip(), ln
                return f[cols[ncol]].strip(), ln
            # performance tables
            if nrow not in nf:
                continue
            k = nf.index(nrow)
            if ncol in nf[k + 1:]:  # key/value header row, value follows heading
                j = nf.index(ncol, k + 1)
                return f[j + 1].strip(), ln
            if ncol == nrow:  # single-valued field: first non-empty field after the label
                return next(x.strip() for x in f[k + 1:] if x.strip()), ln
            offs = self.WHOLE_OFFSETS if table == "部门整体绩效目标表" else self.PERF_OFFSETS
            if ncol in offs:
                return f[k + offs[ncol]].strip(), ln
            return next(x.strip() for x in f[k + 1:] if x.strip()), ln  # e.g. 本级安排 / 资金总额
        raise KeyError(f"{table} / {row} / {column}")


# ----------------------------------------------------------------- documents of a corpus
# A disclosure of eval/corpus_other read on its own (text, PDF, workbook, Word; a stem shared by a narrative
# file and a workbook is one disclosure), independently of budget_qa: a list of entries, each a text line or a
# table row (its cells), in reading order.
TABLE_HEAD = re.compile(r"^(表\s?\d{1,2}|表[一二三四五六七八九十]{1,3}|预算\d{2}表)(?=\s|$)")
PART_HEAD = re.compile(r"^第([一二三四])部分")
SECTION_HEAD = re.compile(rf"^([{NUMERALS}]+)、")
SUB_HEAD = re.compile(rf"^[(（]([{NUMERALS}]+)[)）]")
CODE_PREFIX = re.compile(r"^(\d{3,7}|[一二三四五六七八九十]+、|\d+[.、]|[(（][一二三四五六七八九十]+[)）]|其中[：:])")
NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\d.,])\d+(?:\.\d+)?%?")
PERF = "项目支出绩效目标表"
AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$")


def cn_int(s):
    """一 … 九十九 → int."""
    digits = {c: i for i, c in enumerate(NUMERALS, 1)}
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + digits[s[1]]
    if s.endswith("十"):
        return digits[s[0]] * 10
    if "十" in s:
        return digits[s[0]] * 10 + digits[s[2]]
    return digits[s]


def cell_text(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return format(Decimal(repr(v)), "f")
    return str(v).replace("\n", "").strip()


def shown(v, fmt):
    """A workbook cell as Excel displays it (#,##0.00 → 1,234.50)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and "0.00" in fmt:
        return f"{v:,.2f}" if "#,##" in fmt else f"{v:.2f}"
    return cell_text(v)


def read_entries(path):
    """('text', line) and ('row', [cells]) entries of one file."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        out = []
        for ln in path.read_text(encoding="utf-8").split("\n"):
            if "\t" in ln:
                out.append(("row", [c.strip() for c in ln.split("\t")]))
            elif ln.strip():
                out.append(("text", ln.strip()))
        return out
    if suffix == ".pdf":
        import pdfplumber

        out = []
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]

                def outside(obj, boxes=boxes):
                    return not any(b[0] <= obj.get("x0", 0) <= b[2] and b[1] <= obj.get("top", 0) <= b[3]
                                   for b in boxes)

                placed = [(ln["top"], ("text", ln["text"].strip()))
                          for ln in page.filter(outside).extract_text_lines() if ln["text"].strip()]
                for t in tables:
                    for k, row in enumerate(t.extract()):
                        placed.append((t.bbox[1] + k * 0.001, ("row", [cell_text(c) for c in row])))
                out += [e for _, e in sorted(placed, key=lambda p: p[0])]
        return out
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        out = []
        book = openpyxl.load_workbook(path, data_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                cells = [shown(c.value, c.number_format) for c in row]
                filled = [c for c in cells if c]
                if len(filled) == 1 and cells[0]:
                    out.append(("text", filled[0]))
                elif filled:
                    out.append(("row", cells))
        return out
    if suffix == ".docx":
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        d = docx.Document(str(path))
        out = []
        for el in d.element.body.iterchildren():
            if el.tag.endswith("}p"):
                text = Paragraph(el, d).text.strip()
                if text:
                    out.append(("text", text))
            elif el.tag.endswith("}tbl"):
                for row in Table(el, d).rows:
                    out.append(("row", [c.text.strip() for c in row.cells]))
        return out
    raise ValueError(f"{path}: unsupported format")


def label(s):
    s = norm(s)
    while True:
        m = CODE_PREFIX.match(s)
        if not m or m.end() == len(s):
            return s
        s = s[m.end():]


def numbers(text):
    """Plain numbers and percentages printed in a text (thousands separators removed)."""
    plain, pct = set(), set()
    for m in NUMBER.finditer(text.replace("（", "(").replace("）", ")")):
        tok = m.group(0).replace(",", "")
        (pct if tok.endswith("%") else plain).add(Decimal(tok.rstrip("%")))
    return plain, pct


def value_at(gold, cells, text):
    """Is the gold value printed in one of the cells, or in the text (an amount also in 元 ↔ 万元)?"""
    g = norm(gold).replace("≥", ">=").replace("≤", "<=")
    if any(norm(c).replace("≥", ">=").replace("≤", "<=") == g for c in cells):
        return True
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(%?)", g.replace(",", ""))
    if not m:
        return g in norm(text).replace("≥", ">=").replace("≤", "<=")
    v, is_pct = Decimal(m.group(1)), bool(m.group(2))
    plain, pct = numbers(" | ".join([*cells, text]))
    if is_pct:
        return v in pct
    return v in plain or ("." in gold and (v * 10000 in plain or v / 10000 in plain))


class Disclosure:
    """One disclosure of a corpus: its entries, tables by printed number, performance tables by project,
    narrative by (part, section, subsection)."""

    def __init__(self, files):
        files = sorted(files, key=lambda p: (p.suffix.lower() in (".xlsx", ".xlsm"), p.name))
        self.entries = [e for f in files for e in read_entries(f)]
        self.tables, self.performance = self._tables()
        self.layout = ("central" if any(k.startswith("预算") for k in self.tables) else
                       "provincial" if any(re.fullmatch(r"表[一二三四五六七八九十]+", k) for k in self.tables)
                       else "urumqi")
        self.narrative = self._narrative()

    def _tables(self):
        tables, perf = {}, {}
        cur = None
        for kind, e in self.entries:
            first = e if kind == "text" else next((c for c in e if c), "")
            m = TABLE_HEAD.match(first.strip())
            if m:
                cur = re.sub(r"\s", "", m.group(1))
                tables.setdefault(cur, [])
            elif kind == "text" and (PART_HEAD.match(e) or e == PERF and cur and not cur.startswith("表")):
                cur = None
            if cur:
                tables[cur].append((kind, e))
        # performance tables: one block per project (a 项目名称 row, or a row naming the project in 表十一)
        name, header = None, []
        for kind, e in self.entries:
            if kind == "text" and (TABLE_HEAD.match(e) or PART_HEAD.match(e) or e == PERF):
                name = None
            if kind != "row":
                continue
            if "三级指标" in e:
                header = e
                if name:
                    perf[name]["header"] = e
            cells = [c for c in e if c]
            if cells and cells[0] == "项目名称" and len(cells) > 1:
                name = cells[1]
            elif len(e) >= 7 and e[1] and e[1] != "项目名称" and not e[1].endswith("指标") and e[3].endswith("指标"):
                name = e[1]
            if name:
                perf.setdefault(name, {"rows": [], "header": header})["rows"].append(e)
        return tables, perf

    def _narrative(self):
        """Text lines grouped by (part, section, subsection); a heading is short and continues the numbering
        (a (一) inside (五) is a paragraph of (五), as a reader takes it)."""
        part, sec, sub = 0, 0, 0
        out = {}
        for kind, e in self.entries:
            if kind != "text":
                continue
            t = norm(e)
            m = PART_HEAD.match(t)
            if m:
                part, sec, sub = NUMERALS.index(m.group(1)) + 1, 0, 0
            elif (m := SECTION_HEAD.match(t)) and cn_int(m.group(1)) == sec + 1 and (
                    len(t) <= 40 and "：" not in t or part and len(t.split("：")[0]) <= 12):
                sec, sub = sec + 1, 0
            elif (m := SUB_HEAD.match(t)) and sec and cn_int(m.group(1)) == sub + 1 and len(t) <= 25:
                sub += 1
            out.setdefault((part, sec, sub), []).append(t)
        return out

    def section_text(self, part, section, sub=None):
        s = cn_int(section)
        u = cn_int(sub.strip("()")) if sub else None
        lines = [ln for (p, sc, sb), ls in self.narrative.items() if p == part and sc == s and (u is None or sb == u)
                 for ln in ls]
        return "".join(lines) if lines else None

    def cells(self, table, row, column):
        """The printed cells a table locator points at (the row's cells under the column) and the rows, or None when the
        table, row or column is not found. A field whose row and column are the same label (项目负责人, 年度预算总额)
        is the cell after the label."""
        want = label(row)
        if table.startswith(PERF + ":"):
            block = self.performance.get(table.split(":", 1)[1])
            if block is None:
                return None
            rows, header = block["rows"], [block["header"]]
        else:
            block = self.tables.get(table)
            if block is None:
                return None
            rows = [e for kind, e in block if kind == "row"]
            first = next((k for k, r in enumerate(rows) if any(AMOUNT.match(c) for c in r)), len(rows))
            header = rows[:first]
        hits = [r for r in rows if any(label(c) == want for c in r)]
        if not hits:
            return None
        if norm(column) == norm(row):
            out = []
            for r in hits:
                k = next(i for i, c in enumerate(r) if label(c) == want)
                out += [next((c for c in r[k + 1:] if c), "")]
            return out, hits
        idx = {i for h in header for i, c in enumerate(h) if norm(c) == norm(column)}
        if not idx:
            return None
        return [r[i] for r in hits for i in sorted(idx) if i < len(r)], hits


def corpus_documents(corpus):
    """Document id (file stem) → its files."""
    groups = {}
    for f in sorted(Path(corpus).iterdir()):
        if f.suffix.lower() in (".txt", ".pdf", ".xlsx", ".xlsm", ".docx") and not f.name.startswith("."):
            groups.setdefault(f.stem, []).append(f)
    return groups


def check_corpus(items, corpus):
    """Cross-check every item against the disclosure it names (and a locator's own document)."""
    errors, docs = [], {}
    groups = corpus_documents(corpus)

    def get(doc_id):
        if doc_id not in docs:
            docs[doc_id] = Disclosure(groups[doc_id]) if doc_id in groups else None
        return docs[doc_id]

    for it in items:
        iid, doc_id = it.get("id"), it.get("document")
        if not doc_id or not it.get("layout"):
            errors.append(f"{iid}: every item of a corpus set needs document and layout")
            continue
        doc = get(doc_id)
        if doc is None:
            errors.append(f"{iid}: no document {doc_id!r} in {corpus} (it has: {', '.join(groups)})")
            continue
        if doc.layout != it["layout"]:
            errors.append(f"{iid}: layout {it['layout']!r}, but {doc_id} is printed in the {doc.layout} layout")
        cells, texts, texts_of_sections = [], [], []
        for loc in it.get("gold_locators", []):
            d = get(loc.get("document", doc_id))
            if d is None:
                errors.append(f"{iid}: no document {loc['document']!r} in {corpus}")
                continue
            if "table" in loc:
                if "row" not in loc:
                    if loc["table"] not in d.tables:
                        errors.append(f"{iid}: unknown table {loc['table']}")
                    continue
                found = d.cells(loc["table"], loc["row"], loc["column"])
                if found is None:
                    errors.append(f"{iid}: locator not found {loc}")
                    continue
                if not any(found[0]):
                    errors.append(f"{iid}: the cell at {loc} is blank")
                cells += [c for c in found[0] if c]
                texts += ["".join(norm(c) for r in found[1] for c in r)]
            else:
                t = d.section_text(loc.get("part", 0), loc["section"], loc.get("subsection"))
                if t is None:
                    errors.append(f"{iid}: section not found {loc}")
                else:
                    texts.append(t)
                    texts_of_sections.append(t)
        located = "".join(t for t in texts if t is not None)
        sections = "".join(texts_of_sections)
        if it["route"] in ("lookup", "retrieval"):
            for v in it["gold_values"]:
                if not value_at(v, cells, sections):
                    errors.append(f"{iid}: gold value {v!r} not found at its locators")
        for p in it.get("gold_answer_contains", []):
            if norm(p) not in norm(located):
                errors.append(f"{iid}: key phrase {p!r} not found at its locators")
    return errors


# ----------------------------------------------------------------- checks
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qa", default=str(HERE / "qa.jsonl"))
    ap.add_argument("--schema", default=str(HERE / "qa_schema.json"))
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--corpus", help="folder of disclosures; every item names its document (file stem) in it")
    args = ap.parse_args()

    errors = []
    items = []
    with open(args.qa, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                errors.append(f"line {n}: blank line")
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: invalid JSON: {e}")

    try:
        import jsonschema
        schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        for it in items:
            for e in validator.iter_errors(it):
                errors.append(f"{it.get('id')}: schema: {e.message}")
    except ImportError:
        print("warning: jsonschema not installed, schema check skipped", file=sys.stderr)

    ids = Counter(it.get("id") for it in items)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    for it in items:
        exp = f"{it.get('language')}-{ABBR.get(it.get('kind'))}-"
        if not str(it.get("id", "")).startswith(exp):
            errors.append(f"{it.get('id')}: id prefix does not match language/kind ({exp})")
        if (it.get("route") == "abstain") != (it.get("answerable") is False):
            errors.append(f"{it.get('id')}: route abstain <=> answerable false violated")

    if args.corpus:
        errors += check_corpus(items, args.corpus)
        doc = None
    else:
        doc = Doc(args.source) if Path(args.source).exists() else None
    if args.corpus:
        pass
    elif doc is None:
        print(f"warning: source {args.source} not found, cross-check skipped", file=sys.stderr)
    else:
        full = norm("\n".join(doc.lines))
        for it in items:
            iid = it["id"]
            texts = []
            cells = []
            rows = []
            for loc in it.get("gold_locators", []):
                if "table" in loc:
                    if loc["table"] not in doc.tables:
                        errors.append(f"{iid}: unknown table {loc['table']}")
                        continue
                    if "row" in loc:
                        try:
                            value, row_line = doc.cell(loc["table"], loc["row"], loc["column"])
                            cells.append(value)
                            rows.append(row_line)
                        except (KeyError, IndexError, StopIteration):
                            errors.append(f"{iid}: locator not found {loc}")
                    else:
                        texts.append("\n".join(doc.tables[loc["table"]]))
                else:
                    t = doc.section(loc["part"], loc["section"], loc.get("subsection"))
                    if t is None:
                        errors.append(f"{iid}: section not found {loc}")
                    else:
                        texts.append(t)
            located = norm("\n".join(texts + cells))
            located_rows = norm("\n".join(texts + rows))
            cell_set = {norm(c) for c in cells}
            if it["route"] in ("lookup", "retrieval"):
                for v in it["gold_values"]:
                    if norm(v) not in cell_set and norm(v) not in located:
                        errors.append(f"{iid}: gold value {v!r} not found at its locators")
            if it["route"] == "lookup" and it["kind"] in ("figure", "followup"):
                for c in cells:
                    if norm(c) not in {norm(v) for v in it["gold_values"]} and it["gold_values"]:
                        errors.append(f"{iid}: located cell {c!r} is not among gold values")
            for p in it.get("gold_answer_contains", []):
                if p.isdigit():
                    ok = p in located_rows or p in full
                else:
                    ok = norm(p) in located_rows
                if not ok:
                    errors.append(f"{iid}: key phrase {p!r} not found at its locators")

    # ------------------------------------------------------------- report
    table = Counter((it.get("kind"), it.get("language")) for it in items)
    print(f"{'kind':<12}{'zh':>6}{'en':>6}{'total':>7}")
    for k in KINDS:
        print(f"{k:<12}{table[(k, 'zh')]:>6}{table[(k, 'en')]:>6}{table[(k, 'zh')] + table[(k, 'en')]:>7}")
    tz = sum(table[(k, "zh")] for k in KINDS)
    te = sum(table[(k, "en")] for k in KINDS)
    print(f"{'total':<12}{tz:>6}{te:>6}{tz + te:>7}")
    print(f"English share: {te / max(1, tz + te):.1%}")
    print("routes:", dict(Counter(it.get("route") for it in items)))
    print("unanswerable:", sum(1 for it in items if it.get("answerable") is False))
    print("follow-ups with 2 earlier turns:",
          sum(1 for it in items if len(it.get("history", [])) >= 2))
    if any(it.get("document") for it in items):
        print("by document:", dict(Counter(f"{it.get('document')} ({it.get('layout')})" for it in items)))
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: all lines valid")


if __name__ == "__main__":
    main()
