"""Drawing a disclosure at random from a seed, consistent by construction.

The basic expenditure of the general budget is first drawn by economic line (经济分类) and then
distributed over functional items (社保缴费 → 2080505, 医疗缴费 → 21011xx, 住房公积金 → 2210201,
退休费 → 20805xx, the rest → the department's 行政运行 and its units' items), so both
classifications have the same total; project items are summed from the projects; last year's
figures are drawn so that they too add up.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

from .catalog import ECONOMIC, ECONOMIC_REQUIRED, INDICATORS, TEMPLATES, Template
from .model import ZERO, Disclosure, Item, Plant, Project, ThreePublic, money, q, share

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何罗"
_GIVEN = ("建国", "海燕", "志强", "丽娟", "文斌", "晓明", "秀英", "国华", "红梅", "振华")


def _pick_template(rng: random.Random, department: str | None) -> Template:
    keywords = {"水利": "water", "文化": "culture", "体育": "culture", "旅游": "culture", "教育": "education",
                "统计": "statistics", "林业": "forestry", "人大": "congress", "招商": "commerce", "投资": "commerce"}
    for word, key in keywords.items():
        if department and word in department:
            return next(t for t in TEMPLATES if t.key == key)
    return rng.choice(TEMPLATES)


def _place(department: str) -> str:
    m = re.match(r"^(.+?[省市县区])", department)
    return m.group(1) if m and not department.startswith("国家") else department


def _economic(rng: random.Random, staff: int, retirees: int) -> dict[str, Decimal]:
    """Basic expenditure by economic line, scaled to the headcount."""
    def pick(code: str, p: float) -> bool:
        return code in ECONOMIC_REQUIRED or rng.random() < p

    e: dict[str, Decimal] = {"30101": money(rng, 3.2, 5.2) * staff, "30102": money(rng, 2.4, 4.4) * staff}
    for code in ("30103", "30107"):
        if pick(code, 0.6):
            e[code] = money(rng, 0.4, 1.6) * staff
    base = sum(e.values(), ZERO)
    rates = {"30108": 0.16, "30109": 0.08, "30110": 0.075, "30111": 0.02, "30112": 0.005, "30113": 0.12}
    for code, rate in rates.items():
        if pick(code, 0.6):
            e[code] = q(base * Decimal(str(rate)))
    if pick("30199", 0.3):
        e["30199"] = money(rng, 0.5, 5)
    for code in sorted(c for c in ECONOMIC if c.startswith("302") and len(c) == 5):
        if pick(code, 0.45) and code not in ("30212", "30231"):
            e[code] = money(rng, 0.1, 0.6) * max(1, staff // 4)
    for code, p in (("30231", 0.8), ("30212", 0.25)):
        if rng.random() < p:
            e[code] = money(rng, 1, 12)
    e["30302"] = money(rng, 0.3, 1.2) * max(1, retirees)
    for code in ("30305", "30309"):
        if pick(code, 0.3):
            e[code] = money(rng, 0.2, 4)
    return {c: q(v) for c, v in sorted(e.items())}


def _items_from_basic(rng: random.Random, t: Template, e: dict[str, Decimal], units: list[str]) -> dict[str, Item]:
    """Distribute the general-budget basic expenditure over functional items."""
    fraction = rng.uniform(0.55, 0.8) if units else 1.0
    items: dict[str, Item] = {}

    def add(code: str, amount: Decimal, personnel: bool = True, public: Decimal = ZERO) -> None:
        if amount + public <= 0:
            return
        item = items.setdefault(code, Item(code))
        item.basic["general"] = item.basic.get("general", ZERO) + amount + public
        item.personnel += amount if personnel else ZERO

    add("2080505", e.get("30108", ZERO))
    add("2080506", e.get("30109", ZERO))
    add("2101103", e.get("30111", ZERO))
    add("2210201", e.get("30113", ZERO))
    med_admin, med_unit = share(e.get("30110", ZERO), fraction)
    add("2101101", med_admin)
    add("2101102", med_unit)
    retire_admin, retire_unit = share(sum((v for c, v in e.items() if c.startswith("303")), ZERO), fraction)
    add("2080501", retire_admin)
    add("2080502", retire_unit)
    mapped = ("30108", "30109", "30110", "30111", "30113")
    salaries = sum((v for c, v in e.items() if c.startswith("301") and c not in mapped), ZERO)
    public = sum((v for c, v in e.items() if c.startswith("302")), ZERO)
    sal_admin, sal_units = share(salaries, fraction)
    pub_admin, pub_units = share(public, fraction)
    add(t.admin_item, sal_admin, public=pub_admin)
    for k in range(len(units)):
        last = k == len(units) - 1
        sal, pub = (sal_units, pub_units) if last else (q(sal_units / 2), q(pub_units / 2))
        sal_units, pub_units = sal_units - sal, pub_units - pub
        code = t.unit_items[k % len(t.unit_items)]
        add(code, sal, public=pub)
        if rng.random() < 0.7:
            item = items.setdefault(code, Item(code))
            item.basic["shiye"] = item.basic.get("shiye", ZERO) + money(rng, 5, 60)
    return items


def _projects(rng: random.Random, t: Template, department: str, units: list[str], scale: int) -> list[Project]:
    with_fund = t.fund_project is not None and rng.random() < 0.6
    count = rng.randint(3, min(6 - with_fund, len(t.projects)))
    chosen = rng.sample(t.projects, count)
    projects = []
    for k, (name, code) in enumerate(chosen):
        unit = units[k % len(units)] if units and k % 3 == 2 else department
        p = Project(name, code, unit, general=money(rng, 4, 60) * scale)
        if rng.random() < 0.3:
            p.capital = q(p.general * Decimal(str(rng.uniform(0.2, 0.6))))
        if unit != department and rng.random() < 0.5:
            p.other = money(rng, 1, 20)
        projects.append(p)
    if rng.random() < 0.85:
        for p in rng.sample(projects, rng.randint(1, 2)):
            p.carry = money(rng, 2, 30)
        if rng.random() < 0.3 and projects[-1].carry:
            projects[-1].general = projects[-1].capital = ZERO
    if with_fund:
        projects.append(Project(*t.fund_project, department, fund=money(rng, 20, 200) * scale))
    for p in projects:
        p.leader = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        picks = sorted(rng.sample(range(len(INDICATORS)), rng.randint(4, 6)))
        p.indicators = tuple((*INDICATORS[i][:3], INDICATORS[i][3].format(n=rng.randint(2, 60))) for i in picks)
    return projects


def _vary(rng: random.Random, value: Decimal, lo: float = 0.82, hi: float = 1.2) -> Decimal:
    return q(value * Decimal(str(rng.uniform(lo, hi))))


def _previous(rng: random.Random, d: Disclosure) -> None:
    """Last year's figures, consistent with each other (only changes are ever printed)."""
    basic, project = d.amount(part="basic"), d.amount(part="project")
    prev = {"basic": _vary(rng, basic, 0.88, 1.1), "project": _vary(rng, project, 0.7, 1.3)}
    prev["total"] = prev["basic"] + prev["project"]
    for s in ("fund", "shiye", "other", "carry"):
        prev[s] = _vary(rng, d.amount(source=s)) if d.amount(source=s) else ZERO
    prev["general"] = prev["total"] - prev["fund"] - prev["shiye"] - prev["other"] - prev["carry"]
    prev["general_basic"] = _vary(rng, d.amount(part="basic", source="general"), 0.88, 1.1)
    prev["general_project"] = _vary(rng, d.amount(part="project", source="general"), 0.7, 1.3)
    prev["public"] = _vary(rng, d.econ_amount(column="public"), 0.85, 1.15)
    d.prev = prev
    for item in d.items:
        current = item.basic.get("general", ZERO) + item.project.get("general", ZERO)
        item.prev_general = _vary(rng, current) if current and rng.random() < 0.9 else ZERO
    d.three_prev = ThreePublic(*(_vary(rng, d.three.get(k), 0.8, 1.3) if d.three.get(k) else
                                 (money(rng, 1, 5) if rng.random() < 0.3 else ZERO)
                                 for k in ("abroad", "reception", "purchase", "operation")))


def _plant(rng: random.Random, d: Disclosure) -> None:
    """Break four consistency rules on purpose (see :class:`Plant`)."""
    def delta() -> Decimal:
        return money(rng, 1, 9.99)

    item = rng.choice([i for i in d.items if len(d.codes(7, i.code[:5])) > 1] or d.items)
    part = "basic:all" if item.basic else "project:all"
    d.plants.append(Plant("hierarchy_sum", "expenditure", item.code, ("all:all", part), delta(),
                          f"项 {item.code} no longer adds up with its siblings to 款 {item.code[:5]}"))
    d.plants.append(Plant("column_total", "three_public", "total", ("cur",), delta(),
                          "“三公”经费合计 differs from the sum of its parts"))
    k = next(i for i, p in enumerate(d.projects) if p.general > 0)
    d.plants.append(Plant("cross_table", "project", str(k), ("general",), delta(),
                          f"project table total differs from the general-budget 项目支出 ({d.projects[k].name})"))
    d.plants.append(Plant("narrative_mismatch", "narrative", "overall_total", ("total",), delta(),
                          "narrative 收支总预算 differs from the summary table"))


def draw(seed: int = 0, department: str | None = None, year: str | int | None = None,
         final: bool = False, plant_errors: bool = False) -> Disclosure:
    """Draw a consistent disclosure from ``seed`` (same arguments, same disclosure)."""
    rng = random.Random(f"disclosure-{seed}")
    t = _pick_template(rng, department)
    department = department or rng.choice(t.names)
    year = str(year or rng.choice((2022, 2023, 2024, 2025)))
    central = department.startswith("国家")
    units = [_place(department) + u for u in rng.sample(t.units, min(len(t.units), rng.choice((0, 0, 1, 1, 2))))]
    staff = rng.randint(120, 600) if central else rng.randint(12, 110)
    retirees = rng.randint(staff // 8, staff // 2)
    econ = _economic(rng, staff, retirees)
    items = _items_from_basic(rng, t, econ, units)
    projects = _projects(rng, t, department, units, 6 if central else 1)
    for p in projects:
        item = items.setdefault(p.code, Item(p.code))
        for s in ("general", "fund", "other", "carry"):
            if getattr(p, s):
                item.project[s] = item.project.get(s, ZERO) + getattr(p, s)
    three = ThreePublic(econ.get("30212", ZERO), econ["30217"],
                        money(rng, 15, 30) if rng.random() < 0.2 else ZERO, econ.get("30231", ZERO))
    public = sum((v for c, v in econ.items() if c.startswith("302")), ZERO)
    goods, services = share(public * Decimal("0.4"), rng.uniform(0.3, 0.7))
    d = Disclosure(seed, department, year, final, t, units,
                   {"authorized": staff - rng.randint(0, 5), "active": staff, "retired": retirees,
                    "added": rng.randint(0, 5)},
                   econ, sorted(items.values(), key=lambda i: i.code), projects, three, ThreePublic(), {},
                   {"goods": goods, "works": ZERO, "services": services}, rng.randint(0, 8))
    _previous(rng, d)
    if plant_errors:
        _plant(rng, d)
    return d
