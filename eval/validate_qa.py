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


# ----------------------------------------------------------------- checks
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qa", default=str(HERE / "qa.jsonl"))
    ap.add_argument("--schema", default=str(HERE / "qa_schema.json"))
    ap.add_argument("--source", default=DEFAULT_SOURCE)
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

    doc = Doc(args.source) if Path(args.source).exists() else None
    if doc is None:
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
    langs = ["zh", "en"]
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
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: all lines valid")


if __name__ == "__main__":
    main()
