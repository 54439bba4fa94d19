"""The abstract disclosure: one department's budget (or final accounts) for one year.

Every amount is a :class:`~decimal.Decimal` in 万元 with two decimals. Functional items (项)
are the only stored expenditure lines and every total is summed from them, so the tables
printed from a disclosure are consistent by construction (see :mod:`.draw` for how the
figures are drawn, and :class:`Plant` for deliberate inconsistencies).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from .catalog import FUNCTIONS, Template

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SOURCES = ("general", "fund", "shiye", "other", "carry")
#: Composite sources: the parts they add up.
COMPOSITE = {"all": SOURCES, "fiscal": ("general", "fund"), "unit": ("shiye", "other"),
             "current": ("general", "fund", "shiye", "other"), "none": ()}
_CELL_RULES = ("hierarchy_sum", "column_total")


def q(value: Decimal | float | int) -> Decimal:
    """Round to cents, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money(rng: random.Random, lo: float, hi: float) -> Decimal:
    """A random amount between ``lo`` and ``hi`` 万元, in whole cents."""
    return Decimal(rng.randint(int(lo * 100), int(hi * 100))).scaleb(-2)


def share(total: Decimal, fraction: float) -> tuple[Decimal, Decimal]:
    """Split ``total`` into a rounded fraction and the exact remainder."""
    part = q(total * Decimal(str(fraction)))
    return part, total - part


@dataclass
class Item:
    """A 项 of the functional classification with its amounts by part and source."""

    code: str
    basic: dict[str, Decimal] = field(default_factory=dict)
    project: dict[str, Decimal] = field(default_factory=dict)
    personnel: Decimal = ZERO       # personnel share of the general-budget basic amount
    prev_general: Decimal = ZERO    # last year's general-budget amount

    @property
    def name(self) -> str:
        return FUNCTIONS[self.code]


@dataclass
class Project:
    """A named project (项目) with its functional item and sources of funds."""

    name: str
    code: str
    unit: str
    general: Decimal = ZERO
    fund: Decimal = ZERO
    other: Decimal = ZERO
    carry: Decimal = ZERO
    capital: Decimal = ZERO          # part of ``general`` spent as 资本性支出
    leader: str = ""
    indicators: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def total(self) -> Decimal:
        return self.general + self.fund + self.other + self.carry


@dataclass
class ThreePublic:
    """The “三公” expenditure of the fiscal appropriation."""

    abroad: Decimal = ZERO
    reception: Decimal = ZERO
    purchase: Decimal = ZERO
    operation: Decimal = ZERO

    @property
    def vehicle(self) -> Decimal:
        return self.purchase + self.operation

    @property
    def total(self) -> Decimal:
        return self.abroad + self.reception + self.vehicle

    def get(self, key: str) -> Decimal:
        return self.total if key == "total" else getattr(self, key)


@dataclass
class Plant:
    """A deliberately planted inconsistency."""

    rule: str
    table: str
    row_key: str
    col_keys: tuple[str, ...]
    delta: Decimal
    note: str


@dataclass
class Disclosure:
    """A department's disclosure for one year, independent of any printed layout."""

    seed: int
    department: str
    year: str
    final: bool
    template: Template
    units: list[str]
    staff: dict[str, int]
    econ: dict[str, Decimal]
    items: list[Item]
    projects: list[Project]
    three: ThreePublic
    three_prev: ThreePublic
    prev: dict[str, Decimal]
    procurement: dict[str, Decimal]
    vehicles: int
    plants: list[Plant] = field(default_factory=list)

    @property
    def doc_kind(self) -> str:
        return "决算" if self.final else "预算"

    @property
    def prev_year(self) -> str:
        return str(int(self.year) - 1)

    def amount(self, prefix: str = "", part: str = "all", source: str = "all") -> Decimal:
        """Sum of items under ``prefix``; part: all/basic/project/personnel/public."""
        sources = COMPOSITE.get(source, (source,))
        total = ZERO
        for item in self.items:
            if item.code.startswith(prefix):
                total += self._item_amount(item, part, sources)
        return total

    @staticmethod
    def _item_amount(item: Item, part: str, sources: tuple[str, ...]) -> Decimal:
        basic = sum((item.basic.get(s, ZERO) for s in sources), ZERO)
        project = sum((item.project.get(s, ZERO) for s in sources), ZERO)
        if part == "personnel" or part == "public":
            personnel = (item.personnel if "general" in sources else ZERO) + (
                item.basic.get("shiye", ZERO) if "shiye" in sources else ZERO)
            return personnel if part == "personnel" else basic - personnel
        return {"all": basic + project, "basic": basic, "project": project}[part]

    def econ_amount(self, prefix: str = "", column: str = "all") -> Decimal:
        """Economic-classification sum; column: all/personnel (301, 303)/public (302)."""
        total = ZERO
        for code, value in self.econ.items():
            personnel = not code.startswith("302")
            if code.startswith(prefix) and (column == "all" or (column == "personnel") == personnel):
                total += value
        return total

    def codes(self, length: int, prefix: str = "") -> list[str]:
        """Distinct functional codes of ``length`` digits among the items."""
        return sorted({i.code[:length] for i in self.items if i.code.startswith(prefix)})

    def cell_delta(self, table: str, row_key: str, col_key: str) -> Decimal:
        """The planted change of one printed cell (zero when nothing is planted there)."""
        for p in self.plants:
            if p.rule in _CELL_RULES and p.table == table and p.row_key == row_key and col_key in p.col_keys:
                return p.delta
        return ZERO

    def table_projects(self) -> list[Project]:
        """The projects as printed in the project table (a planted change applies there only)."""
        out = list(self.projects)
        for p in self.plants:
            if p.rule == "cross_table":
                i = int(p.row_key)
                out[i] = replace(out[i], general=out[i].general + p.delta)
        return out

    def narrative_delta(self, key: str) -> Decimal:
        return sum((p.delta for p in self.plants if p.table == "narrative" and p.row_key == key), ZERO)


def build_disclosure(seed: int = 0, department: str | None = None, year: str | int | None = None,
                     final: bool = False, plant_errors: bool = False) -> Disclosure:
    """Draw a consistent disclosure from ``seed`` (same arguments, same disclosure); see :mod:`.draw`."""
    from .draw import draw

    return draw(seed, department, year, final, plant_errors)

