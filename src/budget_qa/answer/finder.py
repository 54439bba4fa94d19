"""Find the facts a question's items name, within its scope: the gather step of the figure routes."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from ..errors import LookupNotFound
from ..facts import FactStore, row_keys
from ..ingest.kinds import KIND_ORDER
from ..lookup import lookup, resolve_tables
from ..model import Fact
from ..textnorm import fold
from .calculator import Calc, average, previous_year
from .router import has
from .terms import Item, TermIndex
from .types import Measure, Scope

CHANGE_COLUMNS = ("比上年增加", "比上年减少", "增长率", "下降率")
# An item that is the whole of one table kind: its total row is the item ('基本支出' ↔ the basic table)
TOTAL_OF_KIND = {"基本支出": "basic", "一般公共预算基本支出": "basic", "项目支出": "project",
                 "三公经费": "three_public", '"三公"经费': "three_public", "一般公共预算支出": "general_budget",
                 "政府性基金预算支出": "gov_fund"}


@lru_cache(maxsize=1)
def _aliases() -> dict:
    return json.loads(resources.files("budget_qa.answer.data").joinpath("aliases.json").read_text(encoding="utf-8"))


def total_aliases() -> dict[str, tuple[str, str]]:
    """Everyday names of a table's total ('三公经费' → the 三公 table's 合计), by canonical kind."""
    return {k: (v[0], v[1]) for k, v in _aliases()["totals"].items()}


def english_total_aliases() -> dict[str, str]:
    return dict(_aliases()["totals_en"])


def alias(label: str) -> tuple[str, str] | None:
    return total_aliases().get(fold(label).replace('"', ""))


class FactFinder:
    """Lookups for one question: every call is limited to the question's scope (department, year,
    budget or final accounts)."""

    def __init__(self, store: FactStore, terms: TermIndex, scope: Scope) -> None:
        self.store, self.terms, self.scope = store, terms, scope

    # ---------- scoped lookups ----------
    def matched(self, **kw) -> tuple[list[Fact], str]:
        if "document" not in kw and self.scope.document_filter():
            kw["document"] = self.scope.document_filter()
        try:
            res = lookup(self.store, **kw)
        except LookupNotFound:
            return [], ""
        facts = res.candidates
        if self.scope.year:
            facts = [f for f in facts if f.year == self.scope.year]
        if self.scope.doc_kind:
            facts = [f for f in facts if f.doc_kind == self.scope.doc_kind]
        return facts, res.matched_by

    def safe(self, **kw) -> list[Fact]:
        """Lookup within the question's scope; an unknown label is simply no figure."""
        return self.matched(**kw)[0]

    def table_ids(self, table: str) -> list[str]:
        """'doc/table' ids of the tables a hint names (a kind or a printed number); none when unknown."""
        try:
            return resolve_tables(self.store, table)
        except LookupNotFound:
            return []

    def narrative(self, label: str) -> list[Fact]:
        """Figures stated in sentences about an item; '…缴费' also finds '…缴费支出', '一般公共预算拨款' finds '一般公共预算'."""
        where, params = "kind = 'narrative'", []
        doc = self.scope.document_filter()
        if doc:
            ids = self.store.doc_ids(doc)
            where += f" AND doc_id IN ({','.join('?' * len(ids))})" if ids else " AND 0"
            params += ids
        if self.scope.doc_kind:
            where += " AND doc_kind = ?"
            params.append(self.scope.doc_kind)
        _key, plain = row_keys(label)
        variants = [plain, re.sub(r"(拨款|资金|经费)$", "", plain)]
        for v in dict.fromkeys(x for x in variants if len(x) >= 2):
            like = v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            facts = self.store.query(f"{where} AND (row_plain = ? OR row_plain LIKE ? ESCAPE '\\')",
                                     (*params, v, f"%{like}%"))
            if facts:
                return facts
        return []

    def sentence_figures(self, quotes: set[str]) -> list[Fact]:
        out = []
        for q in quotes:
            out += self.store.query("kind = 'narrative' AND quote = ?", (q,))
        return out

    def is_fact_subject(self, term: str) -> bool:
        """A glossary term that names figures ('机关运行经费' → '机关运行经费财政拨款预算'), not a bare word ('经费')."""
        facts, how = self.matched(row=term, narrative=True)
        return bool(facts) and (how == "exact" or (how == "partial" and len(term) >= 4))

    def across_total(self, table: str, total: str) -> list[Fact]:
        """A table printed across (one row per year, the items as columns): its total is the total
        column of the row for the disclosure's own year ('2024年预算数'), or of its only row."""
        leaf = fold(total)
        facts = [f for f in self.safe(table=table, all_columns=True)
                 if fold(f.column) == leaf or fold(f.column.rsplit("/", 1)[-1]) == leaf]
        by_doc: dict[str, list[Fact]] = {}
        for f in facts:
            by_doc.setdefault(f.doc_id, []).append(f)
        out = []
        for rows in by_doc.values():
            own = [f for f in rows if f.year in f.row_label] or (rows if len(rows) == 1 else [])
            out += own[:1]
        return out

    # ---------- the facts of one item ----------
    def candidates(self, item: Item, measure: str = "", table_hint: str = "", column: str | None = None) -> list[Fact]:
        if measure in (Measure.CHANGE, Measure.SHARE):
            wanted = CHANGE_COLUMNS if measure == Measure.CHANGE else ("占比",)
            narrative = self.narrative(item.text)
            hits = prefer_exact([f for f in narrative if f.column in wanted], item.text)
            if hits:
                # the whole statement: '…814.99 万元，占 96.70%，比上年增加 127.41 万元，增长 18.53%'
                keys = {(f.quote, f.row_label) for f in hits}
                return [f for f in narrative if (f.quote, f.row_label) in keys]
        facts: list[Fact] = []
        total = alias(item.text)
        if total and column is None:
            facts = self.safe(table=total[0], row=total[1]) or self.across_total(total[0], total[1])
            values = {f.value for f in facts}
            # a sentence that restates the same total supports it; '财政拨款收支总预算 814.99' is another total
            facts += [f for f in self.safe(row=item.text, narrative=True)
                      if f.kind == "narrative" and f.column == "数额" and (f.value in values or not values)]
            return sorted(facts, key=fact_order)
        if table_hint:
            facts = self.safe(table=table_hint, row=item.text, column=column)
            if not facts and column is None:
                # a table printed across (三公 items as columns, a row per year): the item is a column
                facts = self.across_total(table_hint, item.text)
        if not facts:
            facts, how = self.matched(row=item.text, column=column)
            if how not in ("exact", "code") and column is None and self.terms.is_column(item.text):
                facts = []  # '公用经费' is a column: its total, not rows that merely contain the words
            if how in ("partial", "fuzzy") and column is None and not self.terms.is_column(item.text):
                # '退休' is said in a sentence ('退休 16 人'); rows that merely contain it (行政单位离退休) are not it
                said = [f for f in self.narrative(item.text)
                        if fold(f.row_label) == fold(item.text) and f.column in ("数额", "价值")]
                if said:
                    facts = said
        if column is None and self.terms.is_column(item.text) and not any(f.value for f in facts):
            facts += [f for f in self.safe(row="总计", column=item.text) if f.value is not None]
            facts += [f for f in self.safe(row="合计", column=item.text) if f.value is not None and f.kind == "cell"]
        if column is None and (not facts or all(f.value is None for f in facts)):
            # a sentence's figure for the item; not for a column asked for ('X 的项目支出' blank is blank)
            facts += [f for f in self.safe(row=item.text, narrative=True)
                      if f.kind == "narrative" and f.column in ("数额", "价值")]
        facts = prefer_exact(facts, item.text)
        if facts and all(f.kind == "narrative" and f.unit in ("人", "名") for f in facts):
            # a headcount is read with its sentence: 编制数 41，实有人数 54 人，其中：在职 38 人…退休 16 人
            quotes = {f.quote for f in facts}
            facts += [g for g in self.sentence_figures(quotes)
                      if g.unit in ("人", "名") and g.column == "数额" and g not in facts]
        return sorted(facts, key=fact_order)

    # ---------- inputs of calculations ----------
    def values(self, items: list[Item], table_hint: str, q: str) -> list[Fact]:
        """One figure per item, all in the same unit (counts are never added to amounts)."""
        want_count = has(r"多少人|几个人|人数|几辆|多少辆|how\s+many|headcount|number\s+of", q)
        want_value = has(r"价值|worth|value", q)
        chosen: list[Fact] = []
        for item in items[:4]:
            facts = [f for f in self.candidates(item, table_hint=table_hint) if f.value]
            if want_value:
                facts = sorted(facts, key=lambda f: f.column != "价值")
            elif want_count:
                facts = sorted(facts, key=lambda f: f.unit == "万元")
            else:
                facts = sorted(facts, key=lambda f: f.unit != "万元")
            if facts and chosen:
                # same value in several tables: take it from the table the first figure came from
                same = [f for f in facts if f.table_no == chosen[0].table_no and f.unit == chosen[0].unit]
                facts = same + [f for f in facts if f not in same]
            if facts:
                chosen.append(facts[0])
        chosen = self._one_table(items[:4], chosen)
        units = {f.unit for f in chosen}
        return chosen if len(units) <= 1 else [f for f in chosen if f.unit == chosen[0].unit]

    def _one_table(self, items: list[Item], chosen: list[Fact]) -> list[Fact]:
        """A figure from another table than the rest is replaced, where that table has it, by the same
        table's: '人员经费和公用经费占基本支出' divides by the basic-expenditure table's own total."""
        if len(chosen) < 2 or len(chosen) != len(items):
            return chosen
        tables = [(f.doc_id, f.table_id) for f in chosen]
        # the table most items come from; on a tie, that of an item which is not itself a table's total
        # ('人员经费' over '基本支出': the basic-expenditure table has both, as its column and its total)
        plain = [k for k, i in enumerate(items) if fold(i.text) not in TOTAL_OF_KIND] or [0]
        main = max(tables, key=lambda t: (tables.count(t), t == tables[plain[0]], -tables.index(t)))
        out = list(chosen)
        for k, (item, f) in enumerate(zip(items, chosen, strict=True)):
            if (f.doc_id, f.table_id) == main:
                continue
            kind = TOTAL_OF_KIND.get(fold(item.text))
            total = [g for g in self.store.query(
                "doc_id = ? AND table_id = ? AND col_order = 0 AND row_label IN ('合计', '总计')", main)
                if g.value] if kind and kind == self._kind_of(main) else []
            if total:
                out[k] = total[0]
        return out

    def _kind_of(self, key: tuple[str, str]) -> str:
        rows = self.store.scalar("SELECT table_kind FROM facts WHERE doc_id = ? AND table_id = ? LIMIT 1", key)
        return rows[0][0] if rows else ""

    def grand_total(self) -> Fact | None:
        facts = [f for f in self.safe(table="summary", row="支出总计") if f.value]
        return facts[0] if facts else None

    def children(self, items: list[Item], table_hint: str, q: str) -> list[Fact]:
        for item in items:
            for parent in self.safe(row=item.text, table=table_hint or None) if table_hint else self.safe(row=item.text):
                if parent.row_code and parent.kind == "cell":
                    kids = self.store.query(
                        "doc_id = ? AND table_id = ? AND row_code LIKE ? AND length(row_code) = ? AND col_order = 0",
                        (parent.doc_id, parent.table_id, parent.row_code + "%", len(parent.row_code) + 2))
                    if len(kids) >= 2:
                        return kids
        if has(r"项目|project", q):
            rows = self._in_scope(self.store.query("table_kind = 'project' AND col_order = 0 AND length(row_code) = 7"))
            if rows:
                return rows
        if table_hint:
            ids = self.table_ids(table_hint)
            rows = self.store.query(f"(doc_id || '/' || table_id) IN ({','.join('?' * len(ids))}) AND col_order = 0 "
                                    "AND row_label NOT IN ('合计','总计') AND row_label NOT LIKE '%小计%' "
                                    "AND row_label NOT LIKE '其中%'", tuple(ids)) if ids else []
            rows = self._in_scope(rows)
            return [r for r in rows if r.value is not None] or rows
        return []

    def _in_scope(self, facts: list[Fact]) -> list[Fact]:
        doc = self.scope.document_filter()
        ids = set(self.store.doc_ids(doc)) if doc else None
        return [f for f in facts if (ids is None or f.doc_id in ids)
                and (not self.scope.doc_kind or f.doc_kind == self.scope.doc_kind)]

    def previous(self, items: list[Item]) -> Calc | None:
        for item in items:
            facts = [f for f in self.safe(row=item.text, narrative=True, all_columns=True) if f.kind == "narrative"]
            for f in facts:
                if f.column != "数额" or f.unit != "万元":
                    continue
                change = next((g for g in facts if g.column in ("比上年增加", "比上年减少") and g.unit == "万元"
                               and g.section == f.section and _same_subject(g.row_label, f.row_label)), None)
                if change:
                    return previous_year(f, change)
        return None

    def average(self, items: list[Item], table_hint: str, q: str) -> Calc | None:
        """'退休人员人均退休费' → 退休费 ÷ 退休人数; 'average value of the vehicles' → 价值 ÷ 辆."""
        exact_amounts, loose_amounts, counts = [], [], []
        for item in items[:3]:
            facts = [f for f in self.candidates(item, table_hint=table_hint) if f.value]
            counts += [f for f in facts if f.unit in ("人", "名", "辆", "个", "台")]
            money = [f for f in facts if f.unit == "万元"]
            # '退休费' (a row) is the amount; '退休' only partly matches rows such as 行政单位离退休
            exact_amounts += [f for f in money if fold(f.row_label) == fold(item.text) or f.kind == "narrative"]
            loose_amounts += money
        amounts = exact_amounts or loose_amounts
        if not counts:
            # the count is named by a word, not an item: 'per active staff member' → 在职, '退休人员' → 退休
            for word, label in (("退休|retire|pensioner", "退休"), ("在职|active|in-service|serving", "在职"),
                                ("车|vehicle|car", "车辆"), ("staff|人员|employee", "实有人数")):
                if has(word, q):
                    counts = [f for f in self.safe(row=label, narrative=True)
                              if f.kind == "narrative" and f.column == "数额" and f.value and f.value != "0"]
                    if counts:
                        break
        if amounts and counts and Decimal(counts[0].value or "0") > 0:
            return average(amounts[0], counts[0])
        return None


def _same_subject(a: str, b: str) -> bool:
    strip = lambda s: re.sub(r"(预算|拨款)$", "", s)  # noqa: E731
    return strip(a) == strip(b)


def fact_order(f: Fact) -> tuple:
    kind = {"cell": 0, "indicator": 1, "narrative": 2}[f.kind]
    num = KIND_ORDER.index(f.table_kind) if f.table_kind in KIND_ORDER else 50
    return (f.value is None, kind, num, f.order)


def prefer_exact(facts: list[Fact], label: str) -> list[Fact]:
    """The facts whose row is the label itself (same match key), if any; else all of them."""
    key = row_keys(label)[1]
    exact = [f for f in facts if row_keys(f.row_label)[1] == key]
    return exact or facts


def group_by_value(facts: list[Fact]) -> list[list[Fact]]:
    groups: dict[str | None, list[Fact]] = {}
    for f in facts:
        groups.setdefault(f.value, []).append(f)
    out = sorted(groups.values(), key=lambda g: g[0].value is None)  # blanks last, but kept: blank ≠ 0.00
    return out[:5]
