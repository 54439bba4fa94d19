"""BudgetQA: the one core object used by the CLI, the web app and the evaluation."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import settings as settings_mod
from .answer import departments, followup
from .answer.calculator import Calc, average, difference, exclude, previous_year, rank, share, total
from .answer.citations import CitationList
from .answer.composer import Composer
from .answer.grounding import ungrounded
from .answer.question import clean, language, strip_instructions
from .answer.router import ACTUAL_CUE, LIST_CUE, YEAR_RE, Plan, has, plan
from .answer.terms import Item, TermIndex
from .audit import Finding, audit
from .errors import LookupNotFound, NoIndexError
from .facts import FactStore, row_keys
from .glossary import load_glossary
from .index import load_documents
from .ingest.kinds import KIND_ORDER
from .lookup import LookupResult, lookup
from .model import Answer, Document, Fact, Figure, Table
from .textnorm import fold

CHANGE_COLUMNS = ("比上年增加", "比上年减少", "增长率", "下降率")
# Items that name a whole table's total rather than a row (the national format's standard names).
TOTAL_ALIASES = {
    "三公经费": ("three_public", "合计"), "财政拨款三公经费": ("three_public", "合计"),
    "部门预算总额": ("summary", "收入总计"), "收支总预算": ("summary", "收入总计"), "部门收支总预算": ("summary", "收入总计"),
    "收入总计": ("summary", "收入总计"), "支出总计": ("summary", "支出总计"), "总预算": ("summary", "收入总计"),
    "财政拨款收支总预算": ("fiscal_summary", "收入总计"), "上年结转结余": ("carryover", "总计"),
    "项目支出绩效": ("project", "总计"),
    "部门总预算": ("summary", "支出总计"), "总支出": ("summary", "支出总计"), "总收入": ("summary", "收入总计"),
}
EN_TOTAL_ALIASES = {"total budget": "总预算", "overall budget": "总预算", "total spending": "总支出",
                    "total expenditure": "总支出", "total income": "总收入", "total revenue": "总收入"}
DEFINE_CUE = r"什么是|是什么意思|什么意思|含义|定义|指什么|是指|\bmean(s|ing)?\b|\bdefin|what\s+is\s+meant"
_STOP = re.compile(r"是多少|多少|是什么|什么|请问|请|一下|的|吗|呢|了|吧|哪些|哪个|怎么|如何|为什么|有|是|和|与|及|？|\?|。|，|,|、|\s")


@dataclass
class Turn:
    """What a conversation remembers of an earlier exchange (for follow-ups)."""

    question: str
    resolved: str
    items: list[str] = field(default_factory=list)
    language: str = "zh"
    tables: list[str] = field(default_factory=list)  # kinds of the tables the answer cited, e.g. ["three_public"]


class BudgetQA:
    def __init__(self, index_dir: Path, settings: dict[str, Any], store: FactStore,
                 documents: list[Document] | None = None) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.store = store
        self._documents = documents  # parsed documents are loaded on first use (large at 1,000 documents)
        # who and when, from the store's small documents table
        self.doc_meta = store.documents()
        self.years = {d["year"] for d in self.doc_meta}
        self.file_names = {d["doc_id"]: Path(d["path"]).name for d in self.doc_meta}
        self.departments = [d["department"] for d in self.doc_meta]
        # each department with its name without the city ('乌鲁木齐市招商服务局' → '招商服务局'), for _scope_of
        self._dept_names = departments.short_names(self.departments)
        self.doc_kinds = {d["doc_id"]: d.get("kind") or "预算" for d in self.doc_meta}
        self.glossary = load_glossary()
        from .glossary import Glossary

        use_glossary = str(settings.get("use_glossary", 1)) not in ("0", "false", "False")
        self.terms = TermIndex(store, self.glossary if use_glossary else Glossary([]))
        self.terms.add_aliases({k: k for k in TOTAL_ALIASES}, EN_TOTAL_ALIASES if use_glossary else {})
        self.use_facts = str(settings.get("use_facts", 1)) not in ("0", "false", "False")
        self.composer = Composer(self.glossary)
        self.known_text = _DocumentText(self)  # read only when a question names an organisation
        self.manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        self._retriever = None
        self._retriever_error = ""
        self._local = threading.local()  # per-call state (the web app answers from several threads)
        self._llm = None

    # ---------- opening ----------
    @classmethod
    def open(cls, index_dir: str | Path = ".budget_qa", settings: dict[str, Any] | None = None) -> BudgetQA:
        index_dir = Path(index_dir)
        if not (index_dir / "facts.sqlite").exists() or not (index_dir / "manifest.json").exists():
            raise NoIndexError(str(index_dir))
        s = settings_mod.defaults() | (settings or {})
        return cls(index_dir, s, FactStore(index_dir / "facts.sqlite"))

    @property
    def documents(self) -> list[Document]:
        if self._documents is None:
            self._documents = load_documents(self.index_dir)
        return self._documents

    @property
    def retriever(self):
        if self._retriever is None and not self._retriever_error:
            try:
                from .retrieval.retriever import HybridRetriever

                self._retriever = HybridRetriever.open(self.index_dir, self.settings)
            except Exception as err:  # no lexical index (facts-only ingest) or a broken one
                self._retriever_error = f"retrieval unavailable: {err}"
        return self._retriever

    def close(self) -> None:
        """Release the fact store and the vector store (before re-ingesting into the same folder)."""
        if self._retriever is not None:
            self._retriever.close()
            self._retriever = None
        self.store.close()

    # ---------- simple views ----------
    def lookup(self, **kw) -> LookupResult:
        return lookup(self.store, **kw)

    def tables(self) -> list[dict]:
        out = []
        for d in self.documents:
            for t in d.tables:
                out.append({"document": d.id, "id": t.id, "number": t.number, "title": t.title, "label": t.label,
                            "kind": t.kind, "rows": len(t.rows), "columns": t.columns, "note": t.note, "line": t.line,
                            "page": t.page, "unit": t.unit})
        return out

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def table(self, doc_id: str, table_id: str) -> Table | None:
        d = self.document(doc_id)
        return d.table(table_id) if d else None

    def check(self) -> list[Finding]:
        return [f for d in self.documents for f in audit(d)]

    # ---------- asking ----------
    def ask(self, question: str, history: list | None = None) -> Answer:
        t0 = time.perf_counter()
        q = clean(question)
        lang = language(q)
        q_clean, injected = strip_instructions(q)
        turns = [h for h in (history or []) if isinstance(h, Turn)]
        resolved, want_yuan = followup.resolve(q_clean, turns, self.terms, lang)
        # a department's own name scopes the question; its words ('文化', '水利') are not budget rows
        _, mention = departments.named(resolved, self._dept_names)
        found = self.terms.find(resolved.replace(mention, " ") if mention else resolved, lang)
        # lookups use items the store knows (rows, columns, table totals); other glossary terms only help retrieval
        items = [i for i in found if i.kind in ("row", "column") or _alias(i.text) or self._is_fact_subject(i.text)]
        p = plan(resolved, items, years=self.years, known_text=self.known_text, departments=self.departments)
        if p.route != "abstain" and departments.unknown_department(resolved, self._dept_names):
            p = Plan("abstain", reason="department", items=items)
        self._local.doc_kind = self._doc_kind_of(resolved)
        if p.route == "abstain" and p.reason == "actual" and self._local.doc_kind == "决算":
            p = plan(re.sub(ACTUAL_CUE, "", resolved, flags=re.I), items, years=self.years, known_text=self.known_text,
                     departments=self.departments)  # final accounts are in the index: answer from them
        p.terms = [i.text for i in found if i not in items]
        if not self.use_facts and p.route in ("lookup", "compute"):
            p = Plan("retrieval", "describe", items)
        if turns and resolved != q_clean and not p.table_hint and len(set(turns[-1].tables)) == 1:
            # '2024年三公经费是多少？' → '那公务接待费呢？' stays in 表10 when the item is there
            prev_table = turns[-1].tables[0]
            if any(self._safe(table=prev_table, row=i.text) for i in items[:1]):
                p.table_hint = prev_table
        self._local.scope = self._scope_of(resolved)
        cites = CitationList()
        ans = Answer(question=question, language=lang, answer="", answerable=True, route=p.route,
                     resolved_question=resolved if resolved != q_clean else "")
        if injected:
            ans.notes.append("instructions inside the question were ignored")
        handler = {"lookup": self._answer_lookup, "compute": self._answer_compute,
                   "retrieval": self._answer_retrieval, "abstain": self._answer_abstain}[p.route]
        handler(ans, p, resolved, lang, cites, want_yuan)
        ans.citations = cites.items
        bad = ungrounded(ans.answer, ans, extra=self.years | {str(int(y) - 1) for y in self.years} | {"100"})
        if bad and ans.answerable:
            ans.notes.append(f"grounding: numbers without a cited source {sorted(bad)}")
        if ans.answerable and self.settings.get("llm", "none") not in ("none", "", None):
            from .answer.llm import rephrase

            rephrase(self, ans, resolved)
        ans.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 2)
        ans.items = [i.text for i in items]  # type: ignore[attr-defined]
        return ans

    def _scope_of(self, q: str) -> dict[str, str]:
        """A department or year named in the question narrows every lookup and search to it."""
        scope: dict[str, str] = {}
        dept, _ = departments.named(q, self._dept_names)
        if dept and len(self._dept_names) > 1:
            scope["department"] = dept
        for y in YEAR_RE.findall(q):
            if y in self.years and len(self.years) > 1:
                scope["year"] = y
        return scope

    def turn(self, ans: Answer) -> Turn:
        tables = [c.table for c in ans.citations if c.table]
        return Turn(ans.question, ans.resolved_question or ans.question, list(getattr(ans, "items", [])), ans.language,
                    tables)

    # ---------- routes ----------
    def _answer_lookup(self, ans, p: Plan, q, lang, cites, want_yuan) -> None:
        blocks, used = [], False
        items = p.items
        if len(items) >= 2 and any(_alias(i.text) for i in items):
            items = [i for i in items if not _alias(i.text)] or items  # 'how much of the total is X' asks for X
        pairs = self._row_column_pairs(items) if not p.measure else [(i, None) for i in items]
        cue = _column_cue(q)
        if cue and not p.measure:
            pairs = [(i, cue) for i, _ in pairs if not self.terms.is_column(i.text) or i.text == cue] or pairs
        for item, column in pairs[:4]:
            facts = self._candidates(item, p, column)
            if not facts and column == cue:
                facts = self._candidates(item, p, None)
            if not facts:
                continue
            used = True
            if all(f.kind == "narrative" for f in facts):
                groups = [[f] for f in facts]  # whole statements; the composer groups them by sentence
            else:
                groups = _group_by_value(facts)
            text = self.composer.figures(groups, cites, lang, yuan_too=want_yuan)
            blocks.append(text)
            for g in groups:
                f = g[0]
                if f.value is not None:
                    ans.figures.append(Figure(f.value, f.unit, cites.fact(f), f.row_label))
            if all(f.kind == "narrative" for g in groups for f in g):
                ans.route = "retrieval"  # a figure quoted from a narrative sentence
        if not used:
            ans.route = "retrieval"
            return self._answer_retrieval(ans, p, q, lang, cites, want_yuan)
        ans.answer = "\n".join(blocks)

    def _row_column_pairs(self, items: list[Item]) -> list[tuple[Item, str | None]]:
        cols = [i for i in items if i.kind == "column" or self.terms.is_column(i.text)]
        rows = [i for i in items if i not in cols and i.kind == "row"]
        if rows and cols:
            return [(r, cols[0].text) for r in rows]
        return [(i, None) for i in items]

    def _candidates(self, item: Item, p: Plan, column: str | None = None) -> list[Fact]:
        if p.measure in ("change", "share"):
            wanted = CHANGE_COLUMNS if p.measure == "change" else ("占比",)
            narrative = self._narrative(item.text)
            hits = _prefer_exact([f for f in narrative if f.column in wanted], item.text)
            if hits:
                # the whole statement: '…814.99 万元，占 96.70%，比上年增加 127.41 万元，增长 18.53%'
                keys = {(f.quote, f.row_label) for f in hits}
                return [f for f in narrative if (f.quote, f.row_label) in keys]
        facts: list[Fact] = []
        alias = _alias(item.text)
        if alias and column is None:
            facts = self._safe(table=alias[0], row=alias[1]) or self._across_total(alias[0], alias[1])
            values = {f.value for f in facts}
            # a sentence that restates the same total supports it; '财政拨款收支总预算 814.99' is another total
            facts += [f for f in self._safe(row=item.text, narrative=True)
                      if f.kind == "narrative" and f.column == "数额" and (f.value in values or not values)]
            return sorted(facts, key=_fact_order)
        if p.table_hint:
            facts = self._safe(table=p.table_hint, row=item.text, column=column)
        if not facts:
            facts, how = self._matched(row=item.text, column=column)
            if how not in ("exact", "code") and column is None and self.terms.is_column(item.text):
                facts = []  # '公用经费' is a column: its total, not rows that merely contain the words
            if how in ("partial", "fuzzy") and column is None and not self.terms.is_column(item.text):
                # '退休' is said in a sentence ('退休 16 人'); rows that merely contain it (行政单位离退休) are not it
                said = [f for f in self._narrative(item.text)
                        if fold(f.row_label) == fold(item.text) and f.column in ("数额", "价值")]
                if said:
                    facts = said
        if column is None and self.terms.is_column(item.text) and not any(f.value for f in facts):
            facts += [f for f in self._safe(row="总计", column=item.text) if f.value is not None]
            facts += [f for f in self._safe(row="合计", column=item.text) if f.value is not None and f.kind == "cell"]
        if not facts or all(f.value is None for f in facts):
            facts += [f for f in self._safe(row=item.text, narrative=True)
                      if f.kind == "narrative" and f.column in ("数额", "价值")]
        facts = _prefer_exact(facts, item.text)
        if facts and all(f.kind == "narrative" and f.unit in ("人", "名") for f in facts):
            # a headcount is read with its sentence: 编制数 41，实有人数 54 人，其中：在职 38 人…退休 16 人
            quotes = {f.quote for f in facts}
            facts += [g for g in self._sentence_figures(quotes)
                      if g.unit in ("人", "名") and g.column == "数额" and g not in facts]
        return sorted(facts, key=_fact_order)

    def _sentence_figures(self, quotes: set[str]) -> list[Fact]:
        out = []
        for q in quotes:
            out += self.store.query("kind = 'narrative' AND quote = ?", (q,))
        return out

    def _narrative(self, label: str) -> list[Fact]:
        """Figures stated in sentences about an item; '…缴费' also finds '…缴费支出', '一般公共预算拨款' finds '一般公共预算'."""
        scope = getattr(self._local, "scope", {})
        where, params = "kind = 'narrative'", []
        if scope:
            ids = self.store.doc_ids(scope.get("department") or scope.get("year"))
            where += f" AND doc_id IN ({','.join('?' * len(ids))})" if ids else " AND 0"
            params += ids
        key, plain = row_keys(label)
        variants = [plain, re.sub(r"(拨款|资金|经费)$", "", plain)]
        for v in dict.fromkeys(x for x in variants if len(x) >= 2):
            facts = self.store.query(f"{where} AND (row_plain = ? OR row_plain LIKE ?)", (*params, v, f"%{v}%"))
            if facts:
                return facts
        return []

    def _is_fact_subject(self, term: str) -> bool:
        """A glossary term that names figures ('机关运行经费' → '机关运行经费财政拨款预算'), not a bare word ('经费')."""
        facts, how = self._matched(row=term, narrative=True)
        return bool(facts) and (how == "exact" or (how == "partial" and len(term) >= 4))

    def _doc_kind_of(self, q: str) -> str:
        """预算 unless the question asks for final accounts and the index holds some: the two are never
        mixed in one answer unasked."""
        kinds = set(self.doc_kinds.values())
        if len(kinds) < 2 and "决算" not in kinds:
            return ""
        return "决算" if has(ACTUAL_CUE, q) and "决算" in kinds else ("预算" if "预算" in kinds else "")

    def _matched(self, **kw) -> tuple[list[Fact], str]:
        scope = getattr(self._local, "scope", {})
        if scope and "document" not in kw:
            kw["document"] = scope.get("department") or scope.get("year")
        try:
            res = lookup(self.store, **kw)
        except LookupNotFound:
            return [], ""
        facts = res.candidates
        if scope.get("year"):
            facts = [f for f in facts if f.year == scope["year"]]
        doc_kind = getattr(self._local, "doc_kind", "")
        if doc_kind:
            facts = [f for f in facts if f.doc_kind == doc_kind]
        return facts, res.matched_by

    def _across_total(self, table: str, total: str) -> list[Fact]:
        """A table printed across (one row per year, the items as columns): its total is the total
        column of the row for the disclosure's own year ('2024年预算数'), or of its only row."""
        facts = [f for f in self._safe(table=table, all_columns=True) if fold(f.column) == fold(total)]
        by_doc: dict[str, list[Fact]] = {}
        for f in facts:
            by_doc.setdefault(f.doc_id, []).append(f)
        out = []
        for rows in by_doc.values():
            own = [f for f in rows if f.year in f.row_label] or (rows if len(rows) == 1 else [])
            out += own[:1]
        return out

    def _table_ids(self, table: str) -> list[str]:
        """'doc/table' ids of the tables a hint names (a kind or a printed number); none when unknown."""
        from .lookup import resolve_tables

        try:
            return resolve_tables(self.store, table)
        except LookupNotFound:
            return []

    def _safe(self, **kw) -> list[Fact]:
        """Lookup within the question's scope; an unknown label is simply no figure."""
        return self._matched(**kw)[0]

    def _values(self, items: list[Item], p: Plan, q: str) -> list[Fact]:
        """One figure per item, all in the same unit (counts are never added to amounts)."""
        want_count = has(r"多少人|几个人|人数|几辆|多少辆|how\s+many|headcount|number\s+of", q)
        want_value = has(r"价值|worth|value", q)
        chosen = []
        for item in items[:4]:
            facts = [f for f in self._candidates(item, Plan("lookup", "figure", table_hint=p.table_hint)) if f.value]
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
        units = {f.unit for f in chosen}
        return chosen if len(units) <= 1 else [f for f in chosen if f.unit == chosen[0].unit]

    def _average(self, p: Plan, q: str) -> Calc | None:
        """'退休人员人均退休费' → 退休费 ÷ 退休人数; 'average value of the vehicles' → 价值 ÷ 辆."""
        exact_amounts, loose_amounts, counts = [], [], []
        for item in p.items[:3]:
            facts = [f for f in self._candidates(item, Plan("lookup", "figure", table_hint=p.table_hint)) if f.value]
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
                    counts = [f for f in self._safe(row=label, narrative=True)
                              if f.kind == "narrative" and f.column == "数额" and f.value and f.value != "0"]
                    if counts:
                        break
        if amounts and counts and Decimal(counts[0].value or "0") > 0:
            return average(amounts[0], counts[0])
        return None

    def _grand_total(self) -> Fact | None:
        facts = [f for f in self._safe(table="summary", row="支出总计") if f.value]
        return facts[0] if facts else None

    def _answer_compute(self, ans, p: Plan, q, lang, cites, want_yuan) -> None:
        calc: Calc | None = None
        smallest = has(r"最小|最少|最低|smallest|lowest|least", q)
        if p.intent == "rank":
            children = self._children(p, q)
            if children:
                calc = rank(children, smallest)
        elif p.intent == "previous":
            calc = self._previous(p)
        elif p.intent == "average":
            calc = self._average(p, q)
        else:
            vals = self._values(p.items, p, q)
            if p.intent == "share" and len(vals) == 1 and vals[0].unit == "万元":
                total_fact = self._grand_total()  # 'what share of the total budget …'
                if total_fact is not None and total_fact.value != vals[0].value:
                    vals.append(total_fact)
            if p.intent == "share" and len(vals) >= 2:
                calc = share(vals[0], vals[1])
            elif p.intent == "difference" and len(vals) >= 2:
                calc = difference(vals[0], vals[1])
            elif p.intent == "sum" and len(vals) >= 2:
                calc = total(vals)
            elif p.intent == "exclude" and len(vals) >= 2:
                whole = max(vals, key=lambda f: Decimal(f.value or "0"))
                calc = exclude(whole, [f for f in vals if f is not whole])
        if calc is None:
            ans.route = "lookup" if p.items else "retrieval"
            fallback = Plan(ans.route, "figure", p.items, table_hint=p.table_hint, terms=p.terms)
            return (self._answer_lookup if p.items else self._answer_retrieval)(ans, fallback, q, lang, cites, want_yuan)
        ans.answer = self.composer.calc(calc, cites, lang, smallest)
        ans.figures.append(Figure(calc.value, calc.unit, cites.fact(calc.inputs[0]), calc.kind))

    def _children(self, p: Plan, q: str) -> list[Fact]:
        for item in p.items:
            for parent in self._safe(row=item.text, table=p.table_hint or None) if p.table_hint else self._safe(row=item.text):
                if parent.row_code and parent.kind == "cell":
                    kids = self.store.query(
                        "doc_id = ? AND table_id = ? AND row_code LIKE ? AND length(row_code) = ? AND col_order = 0",
                        (parent.doc_id, parent.table_id, parent.row_code + "%", len(parent.row_code) + 2))
                    if len(kids) >= 2:
                        return kids
        if has(r"项目|project", q):
            rows = self.store.query("table_kind = 'project' AND col_order = 0 AND length(row_code) = 7")
            if rows:
                return rows
        if p.table_hint:
            ids = self._table_ids(p.table_hint)
            rows = self.store.query(f"(doc_id || '/' || table_id) IN ({','.join('?' * len(ids))}) AND col_order = 0 "
                                    "AND row_label NOT IN ('合计','总计') AND row_label NOT LIKE '%小计%' "
                                    "AND row_label NOT LIKE '其中%'", tuple(ids)) if ids else []
            return [r for r in rows if r.value is not None] or rows
        return []

    def _previous(self, p: Plan) -> Calc | None:
        for item in p.items:
            facts = [f for f in self._safe(row=item.text, narrative=True, all_columns=True) if f.kind == "narrative"]
            for f in facts:
                if f.column != "数额" or f.unit != "万元":
                    continue
                change = next((g for g in facts if g.column in ("比上年增加", "比上年减少") and g.unit == "万元"
                               and g.section == f.section and _same_subject(g.row_label, f.row_label)), None)
                if change:
                    return previous_year(f, change)
        return None

    def _search(self, query: str, k: int, filters: dict | None) -> list:
        """Hybrid search in the question's scope; passages of final accounts only when asked for."""
        assert self.retriever is not None
        doc_kind = getattr(self._local, "doc_kind", "")
        hits = self.retriever.search(query, k=k * 2 if doc_kind else k, filters=filters)
        if doc_kind:
            hits = [h for h in hits if self.doc_kinds.get(h.chunk.doc_id, "预算") == doc_kind][:k]
        return hits

    def _answer_retrieval(self, ans, p: Plan, q, lang, cites, want_yuan) -> None:
        r = self.retriever
        query = " ".join([q, *[i.text for i in p.items], *p.terms])
        if r is None:
            ans.notes.append(self._retriever_error or "retrieval unavailable")
            return self._answer_abstain(ans, Plan("abstain", reason="none", items=p.items), q, lang, cites, want_yuan)
        k = int(self.settings.get("top_k", 5))
        scope = dict(getattr(self._local, "scope", {}))
        about = [i.text for i in p.items] + p.terms
        best = []
        if has(DEFINE_CUE, q):
            # definitions live in 第四部分 名词解释: look there first
            hits = self._search(query, k, {**scope, "part": 4})
            best = [h for h in hits if _coverage(q, about, h.chunk.text) >= 0.5]
        if not best:
            cue = _passage_cue(q, p)
            hits = self._search(query, k * 2 if cue else k, scope or None)
            best = [h for h in hits if _coverage(q, about, h.chunk.text) >= 0.5]
            if cue:
                best.sort(key=lambda h: cue not in h.chunk.text)  # e.g. a reason is stated as '主要原因是…'

        if not best:
            return self._answer_abstain(ans, Plan("abstain", reason="none", items=p.items), q, lang, cites, want_yuan,
                                        hits=hits)
        ans.route = "retrieval"
        if has(LIST_CUE, q) and self._answer_list(ans, best[0], lang, cites):
            return
        chosen = []
        for h in best[:2]:
            sent = _best_sentences(h.chunk.metadata.get("quote") or h.chunk.text, q, p)
            if not sent:
                continue
            chosen.append((sent, h))
            if p.intent != "describe" or len(sent) > 120 or has(DEFINE_CUE, q):
                break
        if len(chosen) == 2 and (chosen[0][1].chunk.metadata.get("locator") != chosen[1][1].chunk.metadata.get("locator")
                                 or chosen[0][1].chunk.doc_id != chosen[1][1].chunk.doc_id):
            chosen = chosen[:1]  # a second passage only when it continues the same section of the same document
        quotes = []
        for sent, h in chosen:
            meta = h.chunk.metadata
            n = cites.passage(self.file_names.get(h.chunk.doc_id, h.chunk.doc_id), meta.get("locator", ""),
                              meta.get("quote") or h.chunk.text, int(meta.get("line", 0)), table=str(meta.get("table", "")))
            loc = meta.get("locator", "")
            if len(self.doc_meta) > 1:  # say whose disclosure this is
                loc = f"{meta.get('department', '')} {meta.get('year', '')} / {loc}"
            quotes.append((sent, n, loc))
        if lang == "zh":
            ans.answer = "\n".join(f"根据{loc}：“{s}” [{n}]" for s, n, loc in quotes)
        else:
            lead = {"reason": "The disclosure gives this reason", "describe": "The disclosure says"}.get(p.intent, "The disclosure says")
            ans.answer = "\n".join(f"{lead} ({_en_locator(loc)}): “{s}” [{n}]" for s, n, loc in quotes)

    def _answer_list(self, ans, hit, lang, cites) -> bool:
        """'下设哪几个科室？': the head of each paragraph of the section ('（一）党政办公室。' …), each cited."""
        doc = self.document(hit.chunk.doc_id)
        sec = doc.section(str(hit.chunk.metadata.get("section_id", ""))) if doc else None
        if sec is None:
            return False
        heads = [m.group(1) for para in sec.paragraphs for m in re.finditer(r"[（(][一二三四五六七八九十]+[)）]([^。；;（(]{2,30})", para.text)]
        if len(heads) < 2:
            return False
        n = cites.passage(self.file_names.get(doc.id, doc.id), hit.chunk.metadata.get("locator", ""),
                          " ".join(p.text for p in sec.paragraphs)[:600], sec.line)
        sep = "、" if lang == "zh" else ", "
        listing = sep.join(h.strip() for h in heads)
        ans.answer = (f"共 {len(heads)} 项：{listing} [{n}]" if lang == "zh"
                      else f"The disclosure lists {len(heads)}: {listing} [{n}]")
        return True

    def _answer_abstain(self, ans, p: Plan, q, lang, cites, want_yuan, hits=None) -> None:
        ans.route, ans.answerable = "abstain", False
        related = []
        if hits is None and self.retriever is not None:
            hits = self._search(" ".join([q, *[i.text for i in p.items]]), 3, None)
        for h in (hits or [])[:3]:
            related.append(h.chunk.metadata.get("locator", h.chunk.id))
        deps = list(dict.fromkeys(self.departments))
        if len(deps) > 3:
            deps_text = (f"{len(deps)} 个部门（如{'、'.join(deps[:3])}等）" if lang == "zh"
                         else f"{len(deps)} departments (e.g. {', '.join(deps[:3])})")
        else:
            deps_text = "、".join(deps) if lang == "zh" else ", ".join(deps)
        years = "、".join(sorted(self.years)[:3]) + ("…" if len(self.years) > 3 else "")
        ans.answer = self.composer.abstain(p.reason or "none", lang, years, deps_text, related)

    # ---------- rendering ----------
    def render_text(self, ans: Answer) -> str:
        lines = [ans.answer]
        if ans.citations:
            lines.append("")
            lines.append("来源：" if ans.language == "zh" else "Sources:")
            for c in ans.citations:
                quote = c.quote if len(c.quote) <= 160 else c.quote[:157] + "…"
                lines.append(f"[{c.id}] {c.document} · {c.locator}\n    “{quote}”")
        for n in ans.notes:
            lines.append(f"({n})")
        return "\n".join(lines)


COLUMN_CUES = (
    (r"(去年|上年).{0,20}(完成|实际)|last\s+year'?s?\s+(result|actual|achiev|outcome|value)|"
     r"(achieved|completed|made|did|attended|held)\b.{0,40}\blast\s+year|previous\s+year'?s?\s+(result|value)", "上年完成值"),
    (r"权重|分值|\bweight|\bscore\b|\bpoints\b", "指标分值权重"),
    (r"财政拨款结转|carried\s+over|carry-?over\s+funds", "财政拨款结转"),
)


def _column_cue(q: str) -> str | None:
    """Words that name a column without naming it ('去年完成' → 上年完成值, 'weight' → 指标分值权重)."""
    for pattern, column in COLUMN_CUES:
        if re.search(pattern, q, re.I):
            return column
    return None


class _DocumentText:
    """All narrative text of the corpus, built on first use (`org in known_text`)."""

    def __init__(self, qa: BudgetQA) -> None:
        self._qa, self._text = qa, None

    def __contains__(self, needle: str) -> bool:
        if self._text is None:
            self._text = "".join(p.text for d in self._qa.documents for s in d.sections for p in s.paragraphs)
        return needle in self._text


def _alias(label: str) -> tuple[str, str] | None:
    return TOTAL_ALIASES.get(fold(label).replace('"', ""))


def _same_subject(a: str, b: str) -> bool:
    strip = lambda s: re.sub(r"(预算|拨款)$", "", s)  # noqa: E731
    return strip(a) == strip(b)


def _fact_order(f: Fact) -> tuple:
    kind = {"cell": 0, "indicator": 1, "narrative": 2}[f.kind]
    num = KIND_ORDER.index(f.table_kind) if f.table_kind in KIND_ORDER else 50
    return (f.value is None, kind, num, f.order)


def _prefer_exact(facts: list[Fact], label: str) -> list[Fact]:
    """The facts whose row is the label itself (same match key), if any; else all of them."""
    key = row_keys(label)[1]
    exact = [f for f in facts if row_keys(f.row_label)[1] == key]
    return exact or facts


def _group_by_value(facts: list[Fact]) -> list[list[Fact]]:
    groups: dict[str | None, list[Fact]] = {}
    for f in facts:
        groups.setdefault(f.value, []).append(f)
    out = sorted(groups.values(), key=lambda g: g[0].value is None)  # blanks last, but kept: blank ≠ 0.00
    return out[:5]


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[^\u3400-\u9fff]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _coverage(q: str, terms: list[str], text: str) -> float:
    """How much of what the question is about a passage contains (share of Chinese bigrams found).

    When the question names items or glossary terms, those carry its meaning ('分别是哪几笔' does not);
    otherwise the question's own content words are used.
    """
    grams = {g for t in terms for g in _bigrams(t)}
    if not grams:
        grams = _bigrams(_STOP.sub(" ", q))
    if not grams:
        words = {w for w in re.findall(r"[a-z]{4,}", q.lower())}
        return 1.0 if words and sum(w in text.lower() for w in words) / len(words) >= 0.5 else 0.0
    return sum(g in text for g in grams) / len(grams)


def _passage_cue(q: str, p: Plan) -> str:
    """The word a passage must contain to answer this kind of question."""
    if p.intent == "reason":
        return "原因"
    if has(r"依据|根据什么|为什么设立|\bbasis\b|\bjustif", q):
        return "政策依据"
    if has(r"用于|用来|用途|\bused\s+for|\bspent\s+on", q):
        return "用于"
    return ""


def _best_sentences(text: str, q: str, p: Plan) -> str:
    sents = [s for s in re.split(r"(?<=[。；！？])", text) if s.strip()]
    if not sents:
        return text.strip()
    item_grams = {g for i in p.items for g in _bigrams(i.text)}
    grams = _bigrams(_STOP.sub(" ", q)) | item_grams

    def score(s: str) -> float:
        base = sum(g in s for g in grams) + 2 * sum(g in s for g in item_grams)
        if p.intent == "reason" and "原因" in s:
            base += 8
        return base

    if p.intent == "reason" and item_grams:
        # the sentence about the item, then the first '原因' sentence from there on (often the next one)
        anchor = max(range(len(sents)), key=lambda k: (sum(g in sents[k] for g in item_grams), "原因" in sents[k]))
        why = next((k for k in range(anchor, len(sents)) if "原因" in sents[k]), None)
        if why is not None:
            # a reason often runs over several sentences: keep going to the end of its paragraph (bounded)
            reason = sents[why]
            for nxt in sents[why + 1 :]:
                if "\n" in reason or len(reason) + len(nxt) > 320:
                    break
                reason += nxt
            return (sents[anchor] + (reason if why != anchor else reason[len(sents[anchor]):])).strip()
    if p.intent == "describe" and len("".join(sents)) <= 400:
        return "".join(sents).strip()
    return max(sents, key=score).strip()


def _en_locator(loc: str) -> str:
    from .answer.citations import parse_section_locator
    from .ingest.parser import numeral_value

    prefix = ""
    if loc and not loc.startswith("第") and " / 第" in loc:
        prefix, loc = loc.split(" / ", 1)
        prefix += ", "
    part, section, sub = parse_section_locator(loc)
    if part:
        sec = f", section {numeral_value(section)}" if section else ""
        return prefix + f"Part {part}{sec}" + (f"({numeral_value(sub.strip('()'))})" if sub else "")
    return prefix + loc
