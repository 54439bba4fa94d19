"""Extractive answer texts in Chinese or English; every figure with its unit and a citation [n]."""

from __future__ import annotations

from ..glossary import Glossary
from ..model import Fact
from .calculator import Calc
from .citations import CitationList
from .money import fmt_amount, yuan

# What each standard table covers: explains why the same item can show different figures.
SCOPE = {
    "summary": ("部门全部收支", "all of the department's income and expenditure"),
    "income": ("全部收入来源（含上年结转）", "all income sources, including carry-over from the previous year"),
    "expenditure": ("全部支出（含上年结转资金安排的支出）", "all expenditure, including spending funded by carry-over"),
    "fiscal_summary": ("财政拨款收支", "fiscal appropriations only"),
    "general_budget": ("一般公共预算当年拨款", "this year's general public budget appropriation only"),
    "basic": ("一般公共预算基本支出（不含项目支出）", "basic expenditure from the general public budget only (project spending excluded)"),
    "project": ("一般公共预算项目支出", "project expenditure from the general public budget"),
    "three_public": ("财政拨款“三公”经费（基本支出和项目支出合计）", "all fiscally funded 'three public expenses', basic and project spending together"),
    "carryover": ("上年结转结余", "balances carried over from the previous year"),
}
_PERF = ("performance_dept", "performance_project")


class Composer:
    def __init__(self, glossary: Glossary) -> None:
        self.g = glossary

    # ---- names ----
    def name(self, label: str, lang: str) -> str:
        if lang == "zh":
            return label
        en = self.g.english(label)
        return f"{en} ({label})" if en else label

    def table_name(self, f: Fact, lang: str) -> str:
        if f.kind == "narrative":
            return "预算情况说明" if lang == "zh" else "the narrative explanation"
        perf = f.table_kind in _PERF
        if lang == "zh":
            return f"{f.table_no}《{f.table_title}》" if f.table_no and not perf else f"《{f.table_title}》"
        en = self.g.english(f.table_title.split(":")[0])
        if perf:
            head = "the performance-target table"
        elif f.table_no.startswith("表") and f.table_no[1:].isdigit():
            head = f"Table {f.table_no[1:]}"
        else:
            head = f"table {f.table_no}".strip()
        return f"{head} ({en or f.table_title})"

    def column_name(self, f: Fact, lang: str) -> str:
        leaf = f.column.rsplit("/", 1)[-1]
        return leaf if lang == "zh" else (self.g.english(leaf) or leaf)

    def value(self, f: Fact, lang: str) -> str:
        if f.value is None:
            return "空白（未列金额）" if lang == "zh" else "left blank (no amount printed)"
        return fmt_amount(f.value, f.unit, lang, f.op)

    # ---- figures ----
    def figure_line(self, f: Fact, cites: CitationList, lang: str, with_doc: bool = False) -> str:
        if with_doc:  # several departments or years in the corpus: say whose figure this is
            head = f"{f.department}（{f.year} 年）：" if lang == "zh" else f"{f.department} ({f.year}): "
            return head + self.figure_line(f, cites, lang)
        n = cites.fact(f)
        if f.kind == "narrative":
            what = self._measure(f, lang)
            if lang == "zh":
                return f"{f.row_label}{what} {self.value(f, lang)} [{n}]"
            return f"{self.name(f.row_label, lang)}: {what} {self.value(f, lang)} [{n}]"
        if lang == "zh":
            code = f"（{f.row_code}）" if f.row_code else ""
            col = self.column_name(f, lang)
            what = col if f.row_label in ("合计", "总计", col) else f"{f.row_label}{code}“{col}”"
            return f"{self.table_name(f, lang)}中，{what}为 {self.value(f, lang)} [{n}]"
        if f.row_label in ("合计", "总计"):
            return (f"{self.name(f.column.rsplit('/', 1)[-1], lang)}: {self.value(f, lang)} [{n}] — "
                    f"{self.table_name(f, lang)}, row “{self.name(f.row_label, lang)}”")
        return (f"{self.name(f.row_label, lang)}: {self.value(f, lang)} [{n}] — {self.table_name(f, lang)}, "
                f"column “{self.column_name(f, lang)}”")

    def _measure(self, f: Fact, lang: str) -> str:
        zh = {"比上年增加": "比上年增加", "比上年减少": "比上年减少", "增长率": "增长", "下降率": "下降", "占比": "占",
              "价值": "价值", "数额": "为"}
        en = {"比上年增加": "up on the previous year by", "比上年减少": "down on the previous year by",
              "增长率": "growth of", "下降率": "decrease of", "占比": "a share of", "价值": "valued at", "数额": ""}
        return zh.get(f.column, f.column) if lang == "zh" else en.get(f.column, f.column)

    def figures(self, groups: list[list[Fact]], cites: CitationList, lang: str, yuan_too: bool = False) -> str:
        facts = [f for g in groups for f in g]
        many = len({f.doc_id for f in facts}) > 1
        if facts and all(f.kind == "narrative" for f in facts):
            return self._narrative(facts, cites, lang)
        if len(groups) == 1:
            lines = [self.figure_line(f, cites, lang, many) for f in groups[0][:3]]
            text = ("；".join(lines) + "。") if lang == "zh" else ("; ".join(lines) + ".")
            if len(groups[0]) > 1 and groups[0][0].value is not None:
                text += "（各处数字一致。）" if lang == "zh" else " (The figure is the same in each place.)"
            if yuan_too and lang == "zh" and groups[0][0].unit == "万元" and groups[0][0].value:
                text += f" 折合 {yuan(groups[0][0].value)} 元。"
            return text
        if lang == "zh":
            head = (f"该项目在披露中有 {len(groups)} 个不同数字，口径不同：\n" if not many else
                    "语料中有多个部门或年度的数字；请在问题中写明部门和年度。部分结果：\n")
            body = "\n".join(f"- {self.figure_line(g[0], cites, lang, many)}；口径：{self.scope(g[0], lang)}" for g in groups)
        else:
            head = (f"The disclosure gives {len(groups)} different figures for this, on different bases:\n" if not many else
                    "The corpus has figures from several departments or years; name one in the question. Some of them:\n")
            body = "\n".join(f"- {self.figure_line(g[0], cites, lang, many)}; basis: {self.scope(g[0], lang)}" for g in groups)
        return head + body

    def _narrative(self, facts: list[Fact], cites: CitationList, lang: str) -> str:
        """Figures quoted from sentences: one line per sentence, its measures together, cited once."""
        by_sentence: dict[tuple, list[Fact]] = {}
        for f in facts:
            by_sentence.setdefault((f.quote, f.row_label), []).append(f)
        lines = []
        for (_, subject), fs in list(by_sentence.items())[:3]:
            n = cites.fact(fs[0])
            seen, parts = set(), []
            for f in fs:
                if (f.column, f.value) in seen:
                    continue
                seen.add((f.column, f.value))
                parts.append(f"{self._measure(f, lang)} {self.value(f, lang)}".strip())
            if lang == "zh":
                lines.append(f"{subject}" + "，".join(parts).replace("为 ", "为 ", 1) + f" [{n}]")
            else:
                lines.append(f"{self.name(subject, lang)}: " + ", ".join(parts) + f" [{n}]")
        return ("；".join(lines) + "。") if lang == "zh" else ("; ".join(lines) + ".")

    def scope(self, f: Fact, lang: str) -> str:
        s = SCOPE.get(f.table_kind)
        if s:
            return s[0] if lang == "zh" else s[1]
        if f.kind == "narrative":
            return f"{f.section}" if lang == "zh" else f"stated in the narrative ({f.section})"
        return f.table_title

    def _whole(self, f: Fact) -> str:
        """A row's name; a table's total by what the table totals ('一般公共预算基本支出'), not '合计'."""
        if f.row_label not in ("总计", "合计"):
            return f.row_label
        leaf = self.column_name(f, "zh")
        if leaf not in ("合计", "总计", "小计"):
            return leaf
        import re

        return re.sub(r"(?:情况)?(?:明细)?表$", "", f.table_title) or leaf

    # ---- calculations ----
    def calc(self, c: Calc, cites: CitationList, lang: str, smallest: bool = False) -> str:
        refs = [cites.fact(f) for f in c.inputs]
        if c.kind == "share":
            a, b = c.inputs
            if lang == "zh":
                return (f"{self._whole(a)}占{self._whole(b)}的 {c.value}%。"
                        f"计算：{c.formula}（{fmt_amount(a.value, a.unit, lang)} [{refs[0]}]，"
                        f"{fmt_amount(b.value, b.unit, lang)} [{refs[1]}]）。")
            return (f"{self._label(a, lang)} is {c.value}% of {self._label(b, lang)}. "
                    f"Calculation: {c.formula} ({fmt_amount(a.value, a.unit, lang)} [{refs[0]}]; "
                    f"{fmt_amount(b.value, b.unit, lang)} [{refs[1]}]).")
        if c.kind in ("sum", "difference"):
            parts = self._inputs(c.inputs, refs, lang)
            if c.kind == "sum":
                return (f"合计 {fmt_amount(c.value, c.unit, lang)}。计算：{c.formula}（{parts}）。" if lang == "zh"
                        else f"Together {fmt_amount(c.value, c.unit, lang)}. Calculation: {c.formula} ({parts}).")
            hi = c.larger
            return (f"{self._label(hi, lang)}较高，两者相差 {fmt_amount(c.value, c.unit, lang)}。计算：{c.formula}（{parts}）。"
                    if lang == "zh" else
                    f"{self._label(hi, lang)} is higher, by {fmt_amount(c.value, c.unit, lang)}. Calculation: {c.formula} ({parts}).")
        if c.kind == "rank":
            listing = []
            for f in c.ranking[:6]:
                listing.append(f"{self._label(f, lang)} {fmt_amount(f.value or '0', f.unit, lang)} [{cites.fact(f)}]")
            top = c.ranking[0]
            if lang == "zh":
                word = "最小" if smallest else "最大"
                return f"{word}的是{self._label(top, lang)}，{fmt_amount(top.value or '0', top.unit, lang)}。排序：" + "；".join(listing) + "。"
            word = "smallest" if smallest else "largest"
            return f"The {word} is {self._label(top, lang)}, at {fmt_amount(top.value or '0', top.unit, lang)}. Ranking: " + "; ".join(listing) + "."
        if c.kind == "average":
            amount, count = c.inputs
            unit = count.unit or ""
            if lang == "zh":
                return (f"平均每{unit}约 {fmt_amount(c.value, c.unit, lang)}。计算：{c.formula}"
                        f"（{self._label(amount, lang)} {fmt_amount(amount.value, amount.unit, lang)} [{refs[0]}]，"
                        f"{self._label(count, lang)} {count.value}{unit} [{refs[1]}]）。")
            per = {"人": "person", "名": "person", "辆": "vehicle", "个": "unit", "台": "unit"}.get(unit, unit)
            return (f"About {fmt_amount(c.value, c.unit, lang)} per {per}. Calculation: {c.formula} "
                    f"({self._label(amount, lang)} {fmt_amount(amount.value, amount.unit, lang)} [{refs[0]}]; "
                    f"{self._label(count, lang)} {count.value} {unit} [{refs[1]}]).")
        if c.kind == "exclude":
            listing = self._inputs(c.inputs, refs, lang)
            if lang == "zh":
                return f"扣除后为 {fmt_amount(c.value, c.unit, lang)}。计算：{c.formula}（{listing}）。"
            return f"Without them, {fmt_amount(c.value, c.unit, lang)}. Calculation: {c.formula} ({listing})."
        if c.kind == "previous":
            amount, change = c.inputs
            if lang == "zh":
                return (f"披露未直接列出上年数，但可由本年数和增减额推算：{self._label(amount, lang)}上年预算约为 "
                        f"{fmt_amount(c.value, c.unit, lang)}。计算：{c.formula}（本年 {amount.value} 万元 [{refs[0]}]，"
                        f"{change.column} {change.value} 万元 [{refs[1]}]）。")
            return (f"The disclosure does not print the previous year's figure, but it follows from this year's and the "
                    f"stated change: {self._label(amount, lang)} was budgeted at {fmt_amount(c.value, c.unit, lang)} the year "
                    f"before. Calculation: {c.formula} (this year {fmt_amount(amount.value, amount.unit, lang)} [{refs[0]}]; "
                    f"change {change.value} 万元 [{refs[1]}]).")
        return ""

    def _inputs(self, facts: list[Fact], refs: list[int], lang: str) -> str:
        """'差旅费 1.60 万元 [1]，培训费 4.20 万元 [2]': the cited inputs of a calculation."""
        sep = "，" if lang == "zh" else "; "
        return sep.join(f"{self._label(f, lang)} {fmt_amount(f.value or '0', f.unit, lang)} [{r}]"
                        for f, r in zip(facts, refs, strict=True))

    def _label(self, f: Fact, lang: str) -> str:
        label = f.row_label if f.row_label not in ("总计", "合计") else f.column.rsplit("/", 1)[-1]
        return self.name(label, lang)

    # ---- abstentions ----
    def abstain(self, reason: str, lang: str, years: str, department: str, related: list[str]) -> str:
        zh = {
            "year": f"披露只包含 {years} 年的部门预算，不包含所问年份的数据。",
            "actual": "部门预算公开只列预算数，不含实际支出（决算）数据。",
            "department": f"语料只包含{department}的部门预算，不包含其他部门的数据。",
            "personal": "部门预算公开不包含个人层面的信息（如个人工资、联系方式等）。",
            "forecast": "部门预算公开只列本年度的预算安排，不对以后年度作预测。",
            "opinion": "部门预算公开只陈述预算安排，不对其是否合理作评价。",
            "none": "披露中没有找到能回答这个问题的内容。",
            "scope": f"部门预算公开只包含{department}本部门的预算，不包含全市（全区、全国）范围的数据。",
        }
        en = {
            "year": f"The disclosure covers the {years} budget only; it has no figures for the year you asked about.",
            "actual": "A departmental budget disclosure gives budgeted amounts only, not actual spending (final accounts).",
            "department": f"The corpus holds only the budget of {department}; it has nothing on other departments.",
            "personal": "The budget disclosure does not contain individual-level information (personal salaries, contacts, etc.).",
            "forecast": "The disclosure sets out this year's budget only; it makes no forecast for later years.",
            "opinion": "The disclosure states the budget; it does not judge whether it is reasonable.",
            "none": "The disclosure does not contain an answer to this question.",
            "scope": f"This disclosure covers only the budget of {department}, not city-wide or national figures.",
        }
        text = (zh if lang == "zh" else en).get(reason, (zh if lang == "zh" else en)["none"])
        if related:
            text += ("\n最接近的相关内容：" if lang == "zh" else "\nClosest related sources: ") + "；".join(related)
        return text
