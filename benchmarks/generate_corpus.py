"""Generate synthetic 部门预算公开 disclosures from the real one: other departments, years and numbers.

    python benchmarks/generate_corpus.py OUT_DIR [-n 100] [--seed 0] [--source corpus/….txt]

Each file keeps the source's text format exactly (tabs, the page-break continuation of 表2, the
empty 表8/表9) and changes three things:

* the department (a distinct ``<city><bureau>`` name per file) and the city it is in;
* the year (2019–2026; the source's previous year becomes year − 1);
* every amount, consistently. The leaf amounts — 表5 基本/项目 and 表2 财政拨款结转 per 功能分类
  项 code, the 表6 经济分类 items, the 表7 projects, the 表11 items, 表10 公务接待费, and the
  narrative's own leaves (year-on-year changes, procurement, assets) — are scaled by a per-document
  factor with a per-leaf jitter; every subtotal and total is recomputed along the 类/款/项 hierarchy,
  across columns and across tables (表1 = 表2 = 表3, 表4 = 表5, 表7 = 表5 项目支出, 表6 人员 +
  公用, 表10, 表11, the performance tables' 年度预算总额), and the narrative figures that restate
  them, the year-on-year changes that are sums of other changes, the growth rates
  (change ÷ previous year) and the shares are recomputed from the new amounts.

Figures that are not budget amounts are left as printed: head counts, performance indicator values
and targets, the investment targets in 亿元, thresholds ('单位价值 50 万元以上'), the contact person
and phone number. The source's department-specific prose (an investment-promotion bureau's
functions and projects) is kept for every department, and so is the source's own inconsistency
between '在职 38 人，增加 0 人' and '新调入 5 名工作人员' (the audit's narrative-headcount rule reports it
in the source and in every generated file). The one-decimal restatement of the 基本支出 growth rate
('增长 23.4%') stays exact: the largest 基本支出 leaf's change is moved by a few cents until the
two-decimal rate ends in 0. ``render`` raises if the source contains an amount it cannot place, so a
changed source fails loudly rather than producing inconsistent text.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from budget_qa.ingest.parser import parse_file  # noqa: E402
from budget_qa.model import Document, Row, Table  # noqa: E402

DEFAULT_SOURCE = ROOT / "corpus" / "urumqi-investment-promotion-bureau-2024-budget.txt"
YEARS = tuple(range(2019, 2027))
CENT = Decimal("0.01")
ZERO = Decimal(0)

# (name, slug, one-character abbreviation used in '驻乌', '来乌', '乌财建')
CITIES = [
    ("乌鲁木齐市", "urumqi", "乌"), ("克拉玛依市", "karamay", "克"), ("吐鲁番市", "turpan", "吐"),
    ("哈密市", "hami", "哈"), ("昌吉市", "changji", "昌"), ("伊宁市", "yining", "伊"), ("库尔勒市", "korla", "库"),
    ("阿克苏市", "aksu", "阿"), ("喀什市", "kashgar", "喀"), ("和田市", "hotan", "和"), ("石河子市", "shihezi", "石"),
    ("五家渠市", "wujiaqu", "五"), ("阿勒泰市", "altay", "勒"), ("塔城市", "tacheng", "塔"), ("博乐市", "bole", "博"),
    ("阿图什市", "artux", "图"), ("奎屯市", "kuytun", "奎"), ("乌苏市", "wusu", "苏"), ("阜康市", "fukang", "阜"),
    ("北屯市", "beitun", "北"), ("铁门关市", "tiemenguan", "铁"), ("图木舒克市", "tumxuk", "舒"),
    ("阿拉尔市", "aral", "拉"), ("可克达拉市", "kokdala", "可"), ("昆玉市", "kunyu", "昆"), ("双河市", "shuanghe", "双"),
    ("胡杨河市", "huyanghe", "胡"), ("新星市", "xinxing", "新"), ("霍尔果斯市", "khorgos", "霍"), ("沙湾市", "shawan", "沙"),
]
BUREAUS = [
    ("招商服务局", "investment-promotion-bureau"), ("发展和改革委员会", "development-and-reform-commission"),
    ("教育局", "education-bureau"), ("科学技术局", "science-and-technology-bureau"),
    ("工业和信息化局", "industry-and-information-technology-bureau"), ("民政局", "civil-affairs-bureau"),
    ("司法局", "justice-bureau"), ("财政局", "finance-bureau"),
    ("人力资源和社会保障局", "human-resources-and-social-security-bureau"),
    ("自然资源局", "natural-resources-bureau"), ("生态环境局", "ecology-and-environment-bureau"),
    ("住房和城乡建设局", "housing-and-urban-rural-development-bureau"), ("交通运输局", "transport-bureau"),
    ("水利局", "water-resources-bureau"), ("农业农村局", "agriculture-and-rural-affairs-bureau"),
    ("商务局", "commerce-bureau"), ("文化体育广电和旅游局", "culture-sports-radio-tv-and-tourism-bureau"),
    ("卫生健康委员会", "health-commission"), ("退役军人事务局", "veterans-affairs-bureau"),
    ("应急管理局", "emergency-management-bureau"), ("审计局", "audit-bureau"), ("统计局", "statistics-bureau"),
    ("市场监督管理局", "market-regulation-bureau"), ("林业和草原局", "forestry-and-grassland-bureau"),
    ("医疗保障局", "healthcare-security-bureau"), ("城市管理局", "urban-management-bureau"),
    ("国有资产监督管理委员会", "state-owned-assets-commission"), ("体育局", "sports-bureau"),
    ("档案局", "archives-bureau"), ("信访局", "petitions-bureau"),
    ("机关事务管理局", "government-offices-administration"), ("粮食和物资储备局", "grain-and-reserves-bureau"),
    ("民族宗教事务委员会", "ethnic-and-religious-affairs-commission"), ("行政审批局", "administrative-approval-bureau"),
    ("数据局", "data-bureau"), ("乡村振兴局", "rural-revitalization-bureau"),
]

AMOUNT_RE = re.compile(r"(?<![\d.])(\d+\.\d{2})(?![\d.]|\s*%)")
PCT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d{1,2})?)(\s*%)")
# an integer or one-decimal restatement of an amount: '预计使用 8 万元', '约 73.1 万左右', '减少4.9万元'
COMPACT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d)?)(?![\d.])(?=\s*万(?!元以上|元以下))")
CHANGE_RE = re.compile(r"(增加|减少)\s*(\d+\.\d{2})\s*万元")


@dataclass(frozen=True)
class Department:
    name: str
    city: str
    slug: str
    abbr: str


@dataclass
class GeneratedDoc:
    path: Path
    department: str
    year: int
    factor: float


def D(v: str | None) -> Decimal:
    return Decimal(v) if v else ZERO


def q2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def compact(x: Decimal) -> str:
    """'8.00' → '8', '73.10' → '73.1' (how the source restates some amounts in prose)."""
    s = f"{q2(x):f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def pct(part: Decimal, whole: Decimal, places: int) -> str:
    if whole == 0:
        return f"{ZERO:.{places}f}"
    return f"{(abs(part) / whole * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


# ---------------------------------------------------------------- department names


def departments(n: int, seed: int = 0, exclude: Iterable[str] = ()) -> list[Department]:
    """n distinct ``<city><bureau>`` departments in a seeded order; a numeric suffix only past all combinations."""
    skip = set(exclude)
    combos = [Department(c + b, c, f"{cs}-{bs}", ab) for (c, cs, ab), (b, bs) in itertools.product(CITIES, BUREAUS)
              if c + b not in skip]
    random.Random(f"departments:{seed}").shuffle(combos)
    out: list[Department] = []
    for k in itertools.count(1):
        for d in combos:
            if len(out) == n:
                return out
            out.append(d if k == 1 else Department(f"{d.name}（{k}）", d.city, f"{d.slug}-{k}", d.abbr))
    return out


def years(n: int, seed: int = 0) -> list[int]:
    """Every block of 8 documents covers each year 2019–2026 once, in a seeded order."""
    rng = random.Random(f"years:{seed}")
    out: list[int] = []
    while len(out) < n:
        block = list(YEARS)
        rng.shuffle(block)
        out += block
    return out[:n]


# ---------------------------------------------------------------- the source as a model


def _leaf(col: str) -> str:
    return col.rsplit("/", 1)[-1]


def _v(row: Row | None, col: str) -> Decimal:
    if row is None:
        return ZERO
    c = next((c for c in row.cells if _leaf(c.column) == col), None)
    return D(c.value if c else None)


def _table(doc: Document, n: int) -> Table:
    t = next((t for t in doc.tables if t.number == f"表{n}"), None)
    if t is None:
        raise ValueError(f"source has no 表{n}")
    return t


def _by_code(t: Table) -> dict[str, Row]:
    return {r.code: r for r in t.rows if r.code}


class UnsupportedSource(ValueError):
    """The source does not have the shape this generator understands."""


@dataclass
class Template:
    """The source disclosure's leaf amounts and the relations between its figures."""

    text: str
    department: str
    city: str
    year: int
    basic: dict[str, Decimal]  # 功能分类 项 code → 一般公共预算 基本支出
    project: dict[str, Decimal]  # → 一般公共预算 项目支出
    carry: dict[str, Decimal]  # → 财政拨款结转
    econ: dict[str, Decimal]  # 经济分类 款 code (表6) → amount
    econ_kind: dict[str, str]  # → '人员经费' | '公用经费'
    econ_tie: dict[str, list[str]]  # 表6 code → the 功能分类 leaves whose 基本支出 it equals (by definition)
    projects: list[tuple[str, str, Decimal]]  # (code, name, amount) of 表7
    carry_items: list[tuple[str, str, Decimal]]  # (code, name, amount) of 表11
    sangong: dict[str, Decimal]  # 表10 leaf items
    sangong_tie: dict[str, str]  # 表10 item → 表6 code it equals
    leaf_change: dict[str, Decimal]  # 项 code → signed change on the previous year (narrative)
    project_change: dict[str, Decimal]  # project name → signed change (narrative, compact format)
    adjust: str = ""  # the basic leaf that absorbs rounding so that 表6 total = 表5 基本支出
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_SOURCE) -> Template:
        path = Path(path)
        doc = parse_file(path)
        text = path.read_text(encoding="utf-8")
        t2, t3, t5, t6, t7, t10, t11 = (_table(doc, n) for n in (2, 3, 5, 6, 7, 10, 11))
        r2, r3, r5 = _by_code(t2), _by_code(t3), _by_code(t5)
        leaves = [c for c in r3 if len(c) == 7]
        basic = {c: _v(r5.get(c), "基本支出") for c in leaves}
        project = {c: _v(r5.get(c), "项目支出") for c in leaves}
        carry = {c: _v(r2.get(c), "财政拨款结转") for c in leaves}
        for c in leaves:
            if _v(r3[c], "合计") != basic[c] + project[c] + carry[c] or _v(r3[c], "基本支出") != basic[c]:
                raise UnsupportedSource(f"表3 {c}: 合计 ≠ 表5 基本 + 项目 + 表2 结转, or carry-over is not 项目支出")
            if basic[c] and (project[c] or carry[c]):
                raise UnsupportedSource(f"{c} mixes 基本支出 and 项目支出")
        econ, kind = {}, {}
        for r in t6.rows:
            if len(r.code) == 5:
                econ[r.code] = _v(r, "合计")
                kind[r.code] = "人员经费" if _v(r, "人员经费") else "公用经费"
        if sum(econ.values()) != sum(basic.values()):
            raise UnsupportedSource("表6 总计 ≠ 表5 基本支出")
        # 表6 items that are the same money as a 功能分类 leaf (养老保险缴费 = 2080505; 退休费 = 离退休 leaves)
        tie: dict[str, list[str]] = {}
        bleaves = [c for c in leaves if basic[c]]
        for e, v in econ.items():
            for size in (1, 2):
                hit = next((list(cs) for cs in itertools.combinations(bleaves, size) if sum(basic[c] for c in cs) == v), None)
                if hit:
                    tie[e] = hit
                    break
        tied_leaves = {c for cs in tie.values() for c in cs}
        free = [c for c in bleaves if c not in tied_leaves]
        if not free:
            raise UnsupportedSource("every 基本支出 leaf is tied to a 表6 item: nothing can absorb rounding")
        projects = [(r.code, r.label, _v(r, "项目支出合计")) for r in t7.rows if len(r.code) == 7]
        for c in leaves:
            if sum(a for code, _, a in projects if code == c) != project[c]:
                raise UnsupportedSource(f"表7 projects of {c} do not add up to 表5 项目支出")
        items = [r for r in t11.rows if r.label not in ("总计", "合计") and r.label != doc.department]
        carry_items = []
        for r in items:
            v = _v(r, "总计")
            code = next((c for c in leaves if carry[c] == v), None)
            if code is None:
                raise UnsupportedSource(f"表11 item {r.label} matches no 财政拨款结转 of 表2")
            carry_items.append((code, r.label, v))
        sangong, sangong_tie = {}, {}
        for r in t10.rows:
            if r.label in ("合计",) or "小计" in r.label:
                continue
            label = re.sub(r"^其中[：:]", "", r.label)
            sangong[label] = _v(r, "合计")
            same = [e for e, v in econ.items() if v == sangong[label] and v and label[:4] in _label(t6, e)]
            if same:
                sangong_tie[label] = same[0]
        leaf_change, project_change = _changes(text, t5, projects)
        self = cls(text, doc.department, re.match(r"^(.{2,5}?市)", doc.department).group(1) if "市" in doc.department
                   else doc.department, int(doc.year), basic, project, carry, econ, kind, tie, projects,
                   carry_items, sangong, sangong_tie, leaf_change, project_change)
        self.adjust = max(free, key=lambda c: basic[c])
        return self


def _label(t: Table, code: str) -> str:
    return next((r.label for r in t.rows if r.code == code), "")


def _changes(text: str, t5: Table, projects: list[tuple[str, str, Decimal]]) -> tuple[dict, dict]:
    """Year-on-year changes the narrative gives per 项 ('…（项）：2024年预算数为X万元，比上年预算增加Y万元')
    and per project inside those paragraphs ('招商引资专项预算减少4.9万元')."""
    labels = {r.label: r.code for r in t5.rows if len(r.code) == 7}
    leaf, proj = {}, {}
    for line in text.splitlines():
        m = re.search(r"（款）([^（）]+)（项）[：:]\s*\d{4}\s*年预算数为\s*[\d.]+\s*万元，比上年预算(增加|减少)\s*(\d+\.\d{2})", line)
        if not m or m.group(1) not in labels:
            continue
        sign = 1 if m.group(2) == "增加" else -1
        leaf[labels[m.group(1)]] = sign * Decimal(m.group(3))
        for _, name, _ in projects:
            pm = re.search(re.escape(name) + r"预算(增加|减少)\s*(\d+(?:\.\d+)?)\s*万元", line)
            if pm:
                proj[name] = (1 if pm.group(1) == "增加" else -1) * Decimal(pm.group(2))
    return leaf, proj


# ---------------------------------------------------------------- one generated document


class _Values:
    """old → new for every amount, with a check that one printed value never means two things."""

    def __init__(self) -> None:
        self.map: dict[str, str] = {}
        self.why: dict[str, str] = {}

    def add(self, what: str, old: Decimal, new: Decimal) -> None:
        o, n = f"{q2(old):f}", f"{q2(new):f}"
        if old == 0:
            if new != 0:
                raise UnsupportedSource(f"{what}: a zero amount would become {n}")
            return
        if o in self.map and self.map[o] != n:
            raise UnsupportedSource(f"{o} is both {self.why[o]} (→ {self.map[o]}) and {what} (→ {n})")
        self.why.setdefault(o, what)
        self.map[o] = n

    def get(self, old: str) -> str | None:
        return "0.00" if Decimal(old) == 0 else self.map.get(old)


def _scale(rng: random.Random, v: Decimal, factor: float, jitter: float) -> Decimal:
    if v == 0:
        return ZERO
    return max(CENT, q2(v * Decimal(str(factor * rng.uniform(1 - jitter, 1 + jitter)))))


def _ratio_scale(change: Decimal, old: Decimal, new: Decimal) -> Decimal:
    """A change keeps its proportion to the amount it belongs to (so rates stay plausible)."""
    if change == 0 or old == 0:
        return ZERO
    return q2(change * new / old)


def _sums(values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Totals along the 类/款/项 hierarchy: every prefix of 3 and 5 digits, and '' for the grand total."""
    out: dict[str, Decimal] = {}
    for code, v in values.items():
        for prefix in {"", code[:3], code[:5], code}:
            out[prefix] = out.get(prefix, ZERO) + v
    return out


@dataclass
class Variant:
    department: Department
    year: int
    factor: float
    seed: str


def render(tpl: Template, var: Variant) -> str:
    """The source text for another department, year and consistent amounts."""
    rng = random.Random(var.seed)
    f, jit = var.factor, 0.2
    new_basic = {c: _scale(rng, v, f, jit) for c, v in tpl.basic.items()}
    new_econ = {e: _scale(rng, v, f, jit) for e, v in tpl.econ.items()}
    for e, leaves in tpl.econ_tie.items():
        new_econ[e] = sum((new_basic[c] for c in leaves), ZERO)
    # the adjusting leaf absorbs the difference so that 表6 总计 = 表5 基本支出
    others = sum((v for c, v in new_basic.items() if c != tpl.adjust), ZERO)
    new_basic[tpl.adjust] = sum(new_econ.values(), ZERO) - others
    if new_basic[tpl.adjust] <= 0:
        raise UnsupportedSource("the adjusting 基本支出 leaf became negative; use a smaller jitter")
    new_projects = [(c, name, _scale(rng, v, f, jit)) for c, name, v in tpl.projects]
    new_project = {c: sum((a for code, _, a in new_projects if code == c), ZERO) for c in tpl.project}
    new_items = [(c, name, _scale(rng, v, f, jit)) for c, name, v in tpl.carry_items]
    new_carry = {c: sum((a for code, _, a in new_items if code == c), ZERO) for c in tpl.carry}
    new_sangong = {k: (new_econ[tpl.sangong_tie[k]] if k in tpl.sangong_tie else _scale(rng, v, f, jit))
                   for k, v in tpl.sangong.items()}

    vals = _Values()
    # 功能分类 tables: 表1 支出, 表2, 表3, 表4, 表5 (every level), and their totals
    old_sum = {k: _sums(d) for k, d in (("B", tpl.basic), ("P", tpl.project), ("K", tpl.carry))}
    new_sum = {k: _sums(d) for k, d in (("B", new_basic), ("P", new_project), ("K", new_carry))}
    for prefix in old_sum["B"]:
        ob, op_, ok = (old_sum[k][prefix] for k in "BPK")
        nb, np_, nk = (new_sum[k][prefix] for k in "BPK")
        where = f"功能分类 {prefix or '总计'}"
        vals.add(f"{where} 合计", ob + op_ + ok, nb + np_ + nk)
        vals.add(f"{where} 一般公共预算", ob + op_, nb + np_)
        vals.add(f"{where} 基本支出", ob, nb)
        vals.add(f"{where} 项目支出（一般公共预算）", op_, np_)
        vals.add(f"{where} 项目支出", op_ + ok, np_ + nk)
        vals.add(f"{where} 财政拨款结转", ok, nk)
    # 表6 经济分类
    oe, ne = _sums(tpl.econ), _sums(new_econ)
    for prefix in oe:
        vals.add(f"经济分类 {prefix or '总计'}", oe[prefix], ne[prefix])
    for kind in ("人员经费", "公用经费"):
        vals.add(f"表6 {kind}", sum((v for e, v in tpl.econ.items() if tpl.econ_kind[e] == kind), ZERO),
                 sum((v for e, v in new_econ.items() if tpl.econ_kind[e] == kind), ZERO))
    # 表7 projects, 表11 items, 表10
    for (_, name, o), (_, _, n) in zip(tpl.projects, new_projects, strict=True):
        vals.add(f"项目 {name}", o, n)
    for (_, name, o), (_, _, n) in zip(tpl.carry_items, new_items, strict=True):
        vals.add(f"结转 {name}", o, n)
    for k in tpl.sangong:
        vals.add(f"三公 {k}", tpl.sangong[k], new_sangong[k])
    car = [k for k in tpl.sangong if "公务用车" in k]
    vals.add("三公 公务用车购置及运行费", sum((tpl.sangong[k] for k in car), ZERO), sum((new_sangong[k] for k in car), ZERO))
    vals.add("三公 合计", sum(tpl.sangong.values(), ZERO), sum(new_sangong.values(), ZERO))

    compacts: dict[str, str] = {}
    for (_, _, o), (_, _, n) in zip(tpl.projects, new_projects, strict=True):
        compacts[compact(o)] = compact(n)
    # year-on-year changes: per 项 leaf (scaled with its amount), per project, and the sums the narrative restates
    old_gp = {c: tpl.basic[c] + tpl.project[c] for c in tpl.basic}
    new_gp = {c: new_basic[c] + new_project[c] for c in new_basic}
    new_leaf_change: dict[str, Decimal] = {}
    new_project_change: dict[str, Decimal] = {}
    for c, ch in tpl.leaf_change.items():
        names = [name for code, name, _ in tpl.projects if code == c and name in tpl.project_change]
        if names and sum(tpl.project_change[n] for n in names) == ch:
            for _code, name, amount in tpl.projects:
                if name in names:
                    new_amount = next(a for _, nm, a in new_projects if nm == name)
                    new_project_change[name] = _ratio_scale(tpl.project_change[name], amount, new_amount)
                    compacts[compact(abs(tpl.project_change[name]))] = compact(abs(new_project_change[name]))
            new_leaf_change[c] = sum((new_project_change[n] for n in names), ZERO)
        else:
            new_leaf_change[c] = _ratio_scale(ch, old_gp[c], new_gp[c])
    if tpl.adjust in new_leaf_change:
        _round_restated_rate(tpl, new_basic, new_leaf_change)
    for c, ch in tpl.leaf_change.items():
        _keep_sign(f"change of {c}", ch, new_leaf_change[c])
        vals.add(f"change of {c}", abs(ch), abs(new_leaf_change[c]))
    if set(tpl.leaf_change) >= {c for c, v in old_gp.items() if v}:
        groups = {"基本支出": [c for c in tpl.basic if tpl.basic[c]], "项目支出（一般公共预算）": [c for c in tpl.basic if tpl.project[c]]}
        old_ch = {g: sum((tpl.leaf_change[c] for c in cs), ZERO) for g, cs in groups.items()}
        new_ch = {g: sum((new_leaf_change[c] for c in cs), ZERO) for g, cs in groups.items()}
        old_ch["一般公共预算"] = sum(old_ch.values(), ZERO)
        new_ch["一般公共预算"] = sum(new_ch.values(), ZERO)
        # the carry-over's change is stated beside the carry-over total; 项目支出's is 项目 + 结转
        k_old, k_new = old_sum["K"][""], new_sum["K"][""]
        kc = _change_after(tpl.text, k_old)
        if kc is not None:
            old_ch["财政拨款结转"], new_ch["财政拨款结转"] = kc, _ratio_scale(kc, k_old, k_new)
            old_ch["项目支出"] = old_ch["项目支出（一般公共预算）"] + kc
            new_ch["项目支出"] = new_ch["项目支出（一般公共预算）"] + new_ch["财政拨款结转"]
        for g in old_ch:
            if abs(old_ch[g]) and f"{q2(abs(old_ch[g])):f}" in tpl.text:
                _keep_sign(f"change of {g}", old_ch[g], new_ch[g])
                vals.add(f"change of {g}", abs(old_ch[g]), abs(new_ch[g]))
    # 三公 changes: per item (scaled with the item), the total as their sum
    s_old, s_new = {}, {}
    for k, v in tpl.sangong.items():
        m = re.search(re.escape(k) + r"(增加|减少)\s*(\d+\.\d{2})\s*万元", tpl.text)
        if m:
            s_old[k] = (1 if m.group(1) == "增加" else -1) * Decimal(m.group(2))
            s_new[k] = _ratio_scale(s_old[k], v, new_sangong[k])
            _keep_sign(f"三公 change of {k}", s_old[k], s_new[k])
            vals.add(f"三公 change of {k}", abs(s_old[k]), abs(s_new[k]))
    if len(s_old) == len(tpl.sangong):
        vals.add("三公 change", abs(sum(s_old.values(), ZERO)), abs(sum(s_new.values(), ZERO)))

    out = _rename(tpl, var)
    out = _free_amounts(out, vals, rng, f, jit)
    return _substitute(out, vals, compacts)


def _round_restated_rate(tpl: Template, new_basic: dict[str, Decimal], change: dict[str, Decimal]) -> None:
    """The source restates the 基本支出 growth rate with one decimal ('增长 23.40%' … '增长 23.4%'). Nudge the
    adjusting leaf's change by a few cents so that the two-decimal rate ends in 0 and both printings are exact."""
    leaves = [c for c, v in tpl.basic.items() if v]
    if not all(c in tpl.leaf_change for c in leaves):
        return
    old_ch = sum((tpl.leaf_change[c] for c in leaves), ZERO)
    old_b = sum((tpl.basic[c] for c in leaves), ZERO)
    if old_b - old_ch <= 0 or not re.search(rf"(增长|下降)\s*{re.escape(pct(old_ch, old_b - old_ch, 1))}%", tpl.text):
        return
    new_ch = sum((change[c] for c in leaves), ZERO)
    new_b = sum((new_basic[c] for c in leaves), ZERO)
    for k in sorted(range(-500, 501), key=abs):
        d = new_ch + k * CENT
        if new_b - d > 0 and (d > 0) == (old_ch > 0) and pct(d, new_b - d, 2).endswith("0"):
            change[tpl.adjust] += k * CENT
            return


def _keep_sign(what: str, old: Decimal, new: Decimal) -> None:
    if (old > 0) != (new > 0) and old != 0:
        raise UnsupportedSource(f"{what} changed sign ({old} → {new}): its 增加/减少 would be wrong")


def _change_after(text: str, amount: Decimal) -> Decimal | None:
    m = re.search(rf"(?<![\d.]){re.escape(f'{amount:f}')}\s*万元[^。；]*?比上年(?:预算)?(增加|减少)\s*(\d+\.\d{{2}})\s*万元", text)
    return None if not m else (1 if m.group(1) == "增加" else -1) * Decimal(m.group(2))


def _rename(tpl: Template, var: Variant) -> str:
    """Department, city and years (the source year → var.year, the year before → var.year − 1)."""
    dep, city = var.department, var.department.city
    text = tpl.text.replace(tpl.department, dep.name)
    old_city = tpl.city
    old_abbr = old_city[0]
    text = text.replace(old_city[:-1] + "市", city).replace(old_city[:-1], city[:-1])
    for a, b in ((f"{old_abbr}市", city), (f"驻{old_abbr}", f"驻{dep.abbr}"), (f"来{old_abbr}", f"来{dep.abbr}"),
                 (f"{old_abbr}财建", f"{dep.abbr}财建")):
        text = text.replace(a, b)
    shift = {str(tpl.year): str(var.year), str(tpl.year - 1): str(var.year - 1)}
    return re.sub(rf"(?<![\d.])({tpl.year}|{tpl.year - 1})(?![\d.])", lambda m: shift[m.group(1)], text)


def _free_amounts(text: str, vals: _Values, rng: random.Random, f: float, jit: float) -> str:
    """Amounts of the narrative that no table holds (procurement, assets, other changes): scaled leaves;
    a total before '其中' that was the sum of the items after it stays their sum; two amounts that added
    up to a known total still do."""
    for para in text.splitlines():
        if "\t" in para:
            continue
        tokens = [(m.start(), m.group(1)) for m in AMOUNT_RE.finditer(para)]
        free = [(p, o) for p, o in tokens if vals.get(o) is None]
        if not free:
            continue
        changes = {m.start(2) for m in CHANGE_RE.finditer(para)}
        for p, o in free:
            if p in changes:
                ref = _referent(para, p, vals)
                old_ref, new_ref = ref if ref else (Decimal(1), Decimal(str(f)))
                vals.add(f"change in '{para[:20]}…'", Decimal(o), abs(_ratio_scale(Decimal(o), old_ref, new_ref)))
            elif vals.get(o) is None:
                vals.add(f"amount in '{para[:20]}…'", Decimal(o), _scale(rng, Decimal(o), f, jit))
        pos = para.find("其中")
        if pos > 0:
            before = [o for p, o in tokens if p < pos and p not in changes]
            after = [o for p, o in tokens if p > pos and p not in changes]
            if before and len(after) >= 2 and sum(map(Decimal, after)) == Decimal(before[-1]) \
                    and any(o == before[-1] for _, o in free):
                vals.map[before[-1]] = f"{sum((Decimal(vals.get(o)) for o in after), ZERO):f}"
        if len(free) == 2 and pos < 0:
            a, b = (Decimal(o) for _, o in free)
            whole = next((k for k in vals.map if Decimal(k) == a + b), None)
            if whole:
                vals.map[free[1][1]] = f"{Decimal(vals.map[whole]) - Decimal(vals.get(free[0][1])):f}"
    return text


def _referent(sentence: str, pos: int, vals: _Values) -> tuple[Decimal, Decimal] | None:
    """The amount a change at pos belongs to: the last amount before it in its sentence."""
    start = max(sentence.rfind(ch, 0, pos) for ch in "。；;") + 1
    before = [m.group(1) for m in AMOUNT_RE.finditer(sentence, start, pos) if vals.get(m.group(1))]
    before = [o for o in before if Decimal(o)]
    if not before:
        return None
    return Decimal(before[-1]), Decimal(vals.get(before[-1]))


def _substitute(text: str, vals: _Values, compacts: dict[str, str]) -> str:
    lines = []
    for line in text.split("\n"):
        if re.search(r"\d", line):
            line = "".join(_sentence(s, vals, compacts) for s in re.split(r"(?<=[。；;])", line))
        lines.append(line)
    return "\n".join(lines)


def _sentence(s: str, vals: _Values, compacts: dict[str, str]) -> str:
    """Amounts by the value map; rates and shares recomputed from the sentence's new amounts."""
    changes = {m.start(2): m.group(1) for m in CHANGE_RE.finditer(s)}
    figures: list[tuple[int, str, Decimal, Decimal]] = []  # (pos, 'amount'|'change', old signed, new signed)
    for m in AMOUNT_RE.finditer(s):
        new = vals.get(m.group(1))
        if new is None:
            raise UnsupportedSource(f"no new value for {m.group(1)} in '{s.strip()[:60]}'")
        sign = -1 if changes.get(m.start()) == "减少" else 1
        kind = "change" if m.start() in changes else "amount"
        figures.append((m.start(), kind, sign * Decimal(m.group(1)), sign * Decimal(new)))
    out, last = [], 0
    subs: list[tuple[int, int, str]] = []
    for m in AMOUNT_RE.finditer(s):
        subs.append((m.start(1), m.end(1), vals.get(m.group(1)) or m.group(1)))
    for m in PCT_RE.finditer(s):
        new = _percent(s, m, figures, vals)
        if new is not None:
            subs.append((m.start(1), m.end(1), new))
    for m in COMPACT_RE.finditer(s):
        if m.group(1) in compacts:
            subs.append((m.start(1), m.end(1), compacts[m.group(1)]))
    for a, b, rep in sorted(subs):
        out.append(s[last:a])
        out.append(rep)
        last = b
    out.append(s[last:])
    return "".join(out)


def _percent(s: str, m: re.Match, figures: list, vals: _Values) -> str | None:
    token = m.group(1)
    places = len(token.split(".")[1]) if "." in token else 0
    if places == 0:
        return None  # '0%', '=100%', '>=95%': indicator targets and round restatements stay
    head = s[: m.start()].rstrip()
    prior = [f for f in figures if f[0] < m.start()]
    if re.search(r"(增长|下降|增加|减少了?|降低)$", head):
        change = next((f for f in reversed(prior) if f[1] == "change"), None)
        if change is None:
            return None
        _, _, old_ch, new_ch = change
        if old_ch == 0:
            return token
        amounts = [(f[2], f[3]) for f in reversed(prior) if f[1] == "amount" and f[0] < change[0]]
        amounts += [(Decimal(o), Decimal(n)) for o, n in vals.map.items()]
        for old_a, new_a in amounts:
            if old_a - old_ch > 0 and pct(old_ch, old_a - old_ch, places) == token:
                return pct(new_ch, new_a - new_ch, places)
        return None
    if re.search(r"占$", head):
        amount = next((f for f in reversed(prior) if f[1] == "amount"), None)
        if amount is None or amount[2] == 0:
            return token if amount is not None else None
        old_a, new_a = amount[2], amount[3]
        wholes = sorted(((Decimal(o), Decimal(n)) for o, n in vals.map.items()), key=lambda t: -t[0])
        for old_w, new_w in wholes:
            if old_w >= old_a and pct(old_a, old_w, places) == token:
                return pct(new_a, new_w, places)
        return None
    return None


# ---------------------------------------------------------------- the corpus


def generate_corpus(out_dir: str | Path, n: int, seed: int = 0, source: str | Path = DEFAULT_SOURCE,
                    progress=None) -> list[GeneratedDoc]:
    """Write n disclosures <slug>-<year>-budget.txt into out_dir (deterministic for a seed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tpl = Template.load(source)
    deps = departments(n, seed, exclude=[tpl.department])
    yrs = years(n, seed)
    rng = random.Random(f"factors:{seed}")
    out = []
    for k, (dep, year) in enumerate(zip(deps, yrs, strict=True)):
        # a per-document scale well away from 1, so every amount differs from the source
        factor = round(rng.choice([rng.uniform(0.3, 0.8), rng.uniform(1.25, 4.0)]), 4)
        var = Variant(dep, year, factor, seed=f"{seed}:{k}")
        path = out_dir / f"{dep.slug}-{year}-budget.txt"
        path.write_text(render(tpl, var), encoding="utf-8")
        out.append(GeneratedDoc(path, dep.name, year, factor))
        if progress and ((k + 1) % max(1, n // 10) == 0 or k + 1 == n):
            progress(f"generated {k + 1}/{n}")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("-n", type=int, default=10, help="number of disclosures (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the real disclosure to vary")
    a = ap.parse_args(argv)
    docs = generate_corpus(a.out_dir, a.n, a.seed, a.source, progress=lambda m: print(m, file=sys.stderr))
    for d in docs[:5]:
        print(f"{d.path.name}\t{d.department}\t{d.year}\t×{d.factor}")
    if len(docs) > 5:
        print(f"… {len(docs)} files in {a.out_dir}")


if __name__ == "__main__":
    main()
