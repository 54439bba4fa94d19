"""The exact-figure lookup as a LangChain tool, for an optional LLM agent layer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .errors import BudgetQAError
from .facts import FactStore
from .lookup import lookup
from .textsafe import LABEL_CHARS

if TYPE_CHECKING:  # langchain_core is imported only when the tool is made
    from langchain_core.tools import StructuredTool

DESCRIPTION = (
    "Look up exact figures in Chinese departmental budget disclosures (部门预算公开). Give a row label or "
    "code (e.g. 差旅费, 30211, 公务接待费), optionally a table (表6, 6, 三公), a column (合计, 公用经费) and a "
    "document (id, department or year). Returns JSON with every matching cell, its value as printed (万元 "
    "unless a unit is given), and a locator (table / row / column) to cite. A blank cell has value null. "
    "If a label does not exist, returns the error text with the nearest labels. Labels are matched literally "
    f"(% and _ are not wildcards) and may have at most {LABEL_CHARS} characters."
)


def make_lookup_tool(store: FactStore) -> StructuredTool:
    """A StructuredTool named ``budget_lookup`` over ``store``; unknown or unusable labels come back as text,
    not raised."""
    from langchain_core.tools import StructuredTool
    from pydantic import BaseModel, Field

    class LookupArgs(BaseModel):
        table: str | None = Field(default=None, description="table kind (basic, three_public, …), printed number (表6, 表六) or title, e.g. 三公")
        row: str | None = Field(default=None, description="row label or code, e.g. 差旅费, 30211, '302 11'")
        column: str | None = Field(default=None, description="column, e.g. 合计, 公用经费")
        document: str | None = Field(default=None, description="document id, department or year")

    def budget_lookup(table: str | None = None, row: str | None = None, column: str | None = None,
                      document: str | None = None) -> str:
        if not (table or row):
            return "Give at least a table or a row (e.g. row='差旅费')."
        try:
            result = lookup(store, table=table, row=row, column=column, document=document)
        except BudgetQAError as err:  # unknown, too long or empty labels: the message, with the nearest labels
            return str(err)
        return json.dumps(result.to_dict(), ensure_ascii=False)

    return StructuredTool.from_function(
        func=budget_lookup, name="budget_lookup", description=DESCRIPTION, args_schema=LookupArgs,
    )
