"""The narrative of a disclosure: overview, explanation of each table and glossary.

Every figure is taken from the model, so it restates the tables exactly (except a planted
narrative mismatch). Each sentence records its figures for the golden file.
"""

from __future__ import annotations

import random
from decimal import Decimal

from .catalog import CLASSES, ECONOMIC, FUNCTIONS, GLOSSARY
from .model import ZERO, Disclosure, q
from .printed import Figure, Para, Sentence

CN_NUMERALS = "一二三四五六七八九十"
_UP = ("业务量增加，新增在职人员，人员经费相应增加", "社保缴费基数调增及职级晋升工资调整", "新增重点工作任务，项目经费相应增加")
_DOWN = ("严格落实过紧日子要求，压减一般性支出", "部分项目已完成，项目经费相应减少", "优化支出结构，压缩非刚性、非重点项目支出")


def cn_number(n: int) -> str:
    """1 → 一, 11 → 十一, 20 → 二十."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


class Writer:
    """Formats figures and builds sentences for one printed style."""

    def __init__(self, m: Disclosure, thousands: bool, spaced: bool):
        self.m, self.thousands, self.spaced = m, thousands, spaced
        self.rng = random.Random(f"narrative-{m.seed}")
        self.k = m.doc_kind
        self.sp = " " if spaced else ""
        self.y = f"{m.year}{self.sp}年"
        self.cmp = "比上年预算" if not m.final else "比上年"

    def number(self, v: Decimal) -> str:
        return f"{v:,.2f}" if self.thousands else f"{v:.2f}"

    def wan(self, v: Decimal) -> Figure:
        return Figure(v, "万元", f"{self.number(v)}{self.sp}万元")

    def pct(self, v: Decimal) -> Figure:
        return Figure(v, "%", f"{v:.2f}%")

    def count(self, n: int, unit: str = "人") -> Figure:
        return Figure(Decimal(n), unit, f"{n}{self.sp}{unit}")

    def s(self, *parts: str | Figure) -> Sentence:
        text, figures = "", []
        for part in parts:
            if isinstance(part, Figure):
                if self.spaced and text and text[-1] not in "，。；：、（ ":
                    text += " "
                text += part.printed
                figures.append(part)
            else:
                text += part
        return Sentence(text, figures)

    def p(self, *parts: str | Figure) -> Para:
        return Para([self.s(*parts)])

    def change(self, cur: Decimal, prev: Decimal) -> list[str | Figure]:
        """``比上年预算增加 X 万元，增长 P%``, or a phrase without figures."""
        if prev == 0:
            return ["上年未安排此项" + self.k]
        diff = cur - prev
        if diff == 0:
            return ["与上年持平"]
        word, rate = ("增加", "增长") if diff > 0 else ("减少", "下降")
        return [f"{self.cmp}{word}", self.wan(abs(diff)), f"，{rate}", self.pct(q(abs(diff) * 100 / prev))]

    def reason(self, cur: Decimal, prev: Decimal) -> str:
        return "，主要原因是" + self.rng.choice(_UP if cur >= prev else _DOWN)

    def share(self, part: Decimal, whole: Decimal) -> Figure:
        return self.pct(q(part * 100 / whole) if whole else ZERO)


def overview(w: Writer) -> dict[str, list[Para]]:
    """主要职能, 机构设置 and 人员情况."""
    m, t = w.m, w.m.template
    duties = [w.p(f"（{cn_number(i + 1)}）{d}；负责本系统相关政策的宣传贯彻、监督检查和统计分析，"
                  f"承办上级机关和本级党委、政府交办的其他事项。") for i, d in enumerate(t.duties)]
    offices = ["办公室", *t.offices]
    parts = [f"（{cn_number(i + 1)}）{o}。负责{o.rstrip('科室')}方面工作的组织实施、协调指导和监督检查，"
             f"承担相关政策的调查研究、文件起草和督办落实，负责有关数据的收集、整理、分析和报送工作，"
             f"完成领导交办的其他工作。" for i, o in enumerate(offices)]
    units = (f"下属预算单位{len(m.units)}个，分别是：{'、'.join(m.units)}。" if m.units else "无下属预算单位。")
    org = w.p(f"{m.department}{units}机关内设{len(offices)}个科室，分别是：", *parts)
    st = m.staff
    staff = w.p(f"{m.department}编制数{w.sp}{st['authorized']}，实有人数", w.count(st["active"] + st["retired"]),
                "，其中：在职", w.count(st["active"]), "，增加", w.count(st["added"]), "；退休", w.count(st["retired"]),
                "，增加", w.count(0), "。")
    return {"duties": duties, "org": [org, staff]}


def _sources(m: Disclosure) -> list[tuple[str, Decimal, Decimal]]:
    names = {"general": "一般公共预算拨款", "fund": "政府性基金预算拨款", "shiye": "事业收入",
             "other": "其他收入", "carry": "上年结转"}
    return [(names[s], m.amount(source=s), m.prev[s]) for s in names if m.amount(source=s)]


def _class_list(m: Disclosure, source: str = "all") -> str:
    return "、".join(CLASSES[c] for c in m.codes(3) if m.amount(c, source=source))


def explanations(w: Writer) -> dict[str, list[Para]]:
    """One entry per topic: overall, income, expenditure, fiscal, general, basic, project, fund,
    state, three, carry, other."""
    m, d, y, k = w.m, w.m.department, w.y, w.k
    total = m.amount()
    shown = total + m.narrative_delta("overall_total")
    out: dict[str, list[Para]] = {}
    out["overall"] = [
        w.p(f"按照全口径{k}的原则，{d}{w.sp}{y}所有收入和支出均纳入部门{k}管理。"),
        Para([w.s(f"收支总{k}", w.wan(shown), "，", *w.change(shown, m.prev["total"]), "。")]),
        w.p(f"收入{k}包括：{'、'.join(n for n, _, _ in _sources(m))}；支出{k}包括：{_class_list(m)}。")]
    out["income"] = [w.p(f"{d}部门收入{k}", w.wan(total), "，其中：")] + [
        w.p(name, w.wan(v), "，占", w.share(v, total), "，", *w.change(v, prev), w.reason(v, prev), "。")
        for name, v, prev in _sources(m)]
    basic, project = m.amount(part="basic"), m.amount(part="project")
    out["expenditure"] = [w.p(f"{d}{w.sp}{y}支出{k}", w.wan(total), "，其中：")] + [
        w.p(name, w.wan(v), "，占", w.share(v, total), "，", *w.change(v, m.prev[key]), w.reason(v, m.prev[key]), "。")
        for name, v, key in (("基本支出", basic, "basic"), ("项目支出", project, "project"))]
    fiscal = m.amount(source="fiscal")
    incomes = [[n, w.wan(v)] for n, v, _ in _sources(m)[:2] if n.endswith("拨款")]
    spending = [[f"{CLASSES[c]}", w.wan(m.amount(c, source="fiscal"))] for c in m.codes(3) if m.amount(c, source="fiscal")]
    out["fiscal"] = [w.p(f"{d}{w.sp}{y}财政拨款收支总{k}", w.wan(fiscal), "。"),
                     w.p(f"收入{k}包括：", *_join(incomes), "。"),
                     w.p(f"支出{k}包括：", *_join(spending), "。")]
    out["general"] = _general(w)
    out["basic"] = [_basic(w)]
    out["project"] = _project(w)
    fund = m.amount(source="fund")
    out["fund"] = [w.p(f"{d}{w.sp}{y}政府性基金预算拨款支出", w.wan(fund), f"，主要用于{_class_list(m, 'fund')}。")
                   if fund else w.p(f"{d}{w.sp}{y}没有使用政府性基金预算拨款安排的支出，政府性基金预算支出表为空表。")]
    out["state"] = [w.p(f"{d}{w.sp}{y}没有使用国有资本经营预算拨款安排的支出，国有资本经营预算支出表为空表。")]
    out["three"] = _three(w)
    out["carry"] = _carry(w)
    out["other"] = _other(w)
    return out


def _join(pairs: list[list[str | Figure]]) -> list[str | Figure]:
    out: list[str | Figure] = []
    for i, pair in enumerate(pairs):
        out += (["；"] if i else []) + pair
    return out


def _general(w: Writer) -> list[Para]:
    m, k = w.m, w.k
    g, gb, gp = m.amount(source="general"), m.amount(part="basic", source="general"), m.amount(part="project", source="general")
    paras = [w.p(f"（一）一般公共预算当年拨款规模变化情况：{m.department}{w.sp}{w.y}一般公共预算拨款合计", w.wan(g),
                 "，其中：基本支出", w.wan(gb), "，", *w.change(gb, m.prev["general_basic"]), "；项目支出", w.wan(gp),
                 "，", *w.change(gp, m.prev["general_project"]), w.reason(gp, m.prev["general_project"]), "。"),
             w.p("（二）一般公共预算当年拨款结构情况：")]
    classes = [c for c in m.codes(3) if m.amount(c, source="general")]
    for i, c in enumerate(classes, 1):
        v = m.amount(c, source="general")
        paras.append(w.p(f"{i}、{CLASSES[c]}（类）", w.wan(v), "，占", w.share(v, g), "。"))
    paras.append(w.p("（三）一般公共预算当年拨款具体使用情况："))
    n = 0
    for item in m.items:
        v = item.basic.get("general", ZERO) + item.project.get("general", ZERO)
        if v:
            n += 1
            c, kuan = item.code[:3], item.code[:5]
            paras.append(w.p(f"{n}、{CLASSES[c]}（类）{FUNCTIONS[kuan]}（款）{item.name}（项）：{m.year}年{k}数为",
                             w.wan(v), "，", *w.change(v, item.prev_general), w.reason(v, item.prev_general), "。"))
    return paras


def _basic(w: Writer) -> Para:
    m = w.m
    names = {col: "、".join(ECONOMIC[c] for c in m.econ if (col == "public") == c.startswith("302"))
             for col in ("personnel", "public")}
    return w.p(f"{m.department}{w.sp}{w.y}一般公共预算基本支出", w.wan(m.econ_amount()),
               "，其中：人员经费", w.wan(m.econ_amount(column="personnel")), f"，主要包括：{names['personnel']}；公用经费",
               w.wan(m.econ_amount(column="public")), f"，主要包括：{names['public']}。")


def _project(w: Writer) -> list[Para]:
    paras = []
    for i, p in enumerate([p for p in w.m.projects if p.general], 1):
        paras += [w.p(f"（{cn_number(i)}）项目名称：{p.name}"),
                  w.p(f"设立的政策依据：根据{p.unit}职能职责和年度重点工作安排设立，用于保障{p.name}相关工作顺利开展，"
                      "确保完成年度目标任务。"),
                  w.p("预算安排规模：", w.wan(p.general)), w.p(f"项目承担单位：{p.unit}"),
                  w.p(f"资金执行时间：{w.y}1{w.sp}月{w.sp}1{w.sp}日至{w.y}12{w.sp}月{w.sp}31{w.sp}日")]
    return paras


def _three(w: Writer) -> list[Para]:
    m, t, prev = w.m, w.m.three, w.m.three_prev
    head = w.s(f"{m.department}{w.sp}{w.y}财政拨款“三公”经费{w.k}数为", w.wan(t.total), "，其中：因公出国（境）费",
               w.wan(t.abroad), "，公务接待费", w.wan(t.reception), "，公务用车购置及运行费", w.wan(t.vehicle),
               "，其中：公务用车购置费", w.wan(t.purchase), "，公务用车运行费", w.wan(t.operation), "。")
    changes: list[str | Figure] = [f"{w.y}财政拨款“三公”经费{w.k}", *w.change(t.total, prev.total), "，其中："]
    for i, (name, key) in enumerate((("因公出国（境）费", "abroad"), ("公务接待费", "reception"),
                                     ("公务用车购置费", "purchase"), ("公务用车运行费", "operation"))):
        changes += (["；"] if i else []) + [name, *w.change(t.get(key), prev.get(key))]
    return [Para([head]), Para([w.s(*changes, "。")])]


def _carry(w: Writer) -> list[Para]:
    m = w.m
    carry = m.amount(source="carry")
    paras = [w.p(f"{m.department}{w.sp}{w.y}上年结转结余", w.wan(carry), "，包括：财政拨款结转", w.wan(carry),
                 "，非财政拨款结转结余", w.wan(ZERO), "。")]
    for i, p in enumerate([p for p in m.projects if p.carry], 1):
        paras.append(w.p(f"{i}. {p.name}", w.wan(p.carry), "，主要用于上年未完成项目的继续实施。"))
    return paras


def _other(w: Writer) -> list[Para]:
    m, k, y = w.m, w.k, w.y
    public = m.econ_amount(column="public")
    pr = m.procurement
    projects = [p for p in m.projects if p.general + p.fund]
    purchase = f"；{m.year}年安排购置车辆经费。" if m.three.purchase else f"；{m.year}年{k}未安排购置车辆经费。"
    return [
        w.p(f"（一）机关运行经费情况：{m.department}{w.sp}{y}机关运行经费财政拨款{k}", w.wan(public), "，",
            *w.change(public, m.prev["public"]), w.reason(public, m.prev["public"]), "。"),
        w.p(f"（二）政府采购情况：{y}{m.department}政府采购{k}", w.wan(sum(pr.values(), ZERO)), "，其中：政府采购货物",
            w.wan(pr["goods"]), "，政府采购工程", w.wan(pr["works"]), "，政府采购服务", w.wan(pr["services"]), "。"),
        w.p(f"（三）国有资产占用使用情况：截至{m.prev_year}年底，{m.department}共有车辆",
            w.count(m.vehicles, "辆"), purchase),
        w.p(f"（四）预算绩效情况：{y}{m.department}实行绩效目标管理的项目", w.count(len(projects), "个"), "，涉及财政拨款",
            w.wan(sum((p.general + p.fund for p in projects), ZERO)), "。")]


def glossary(w: Writer) -> list[Para]:
    return [w.p(f"{cn_number(i)}、{term}：{text}") for i, (term, text) in enumerate(GLOSSARY, 1)]
