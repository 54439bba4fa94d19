"""A second, tiny disclosure built in code (another department and year) for the retrieval tests."""

from __future__ import annotations

from budget_qa.model import Cell, Document, Paragraph, Row, Section, Table

CORPUS_ID = "urumqi-investment-promotion-bureau-2024-budget"
DEMO_ID = "demo-testing-bureau-2023-budget"


def demo_document() -> Document:
    """示例市测试局 2023: one 三公 paragraph and one 差旅费 row, so every query has a rival in another doc."""
    sangong = Section(
        id="P3-S10", part=3, numeral="十", title="关于示例市测试局 2023 年财政拨款“三公”经费预算情况说明",
        level=1, line=10,
        paragraphs=[Paragraph(id="P3-S10-p1", line=12,
                              text="2023 年财政拨款“三公”经费预算比上年预算减少 1.00 万元，下降 5.00%，主要原因是压缩公务接待费。")],
    )
    t6 = Table(
        id="T6", number="表6", title="一般公共预算基本支出情况表", unit="万元", part=2, line=20,
        columns=["一般公共预算基本支出/合计", "一般公共预算基本支出/公用经费"],
        rows=[
            Row(label="商品和服务支出", code="302", level=1, line=22,
                cells=[Cell("一般公共预算基本支出/合计", "3.00"), Cell("一般公共预算基本支出/公用经费", "3.00", 1)]),
            Row(label="差旅费", code="30211", level=2, line=23,
                cells=[Cell("一般公共预算基本支出/合计", "3.00"), Cell("一般公共预算基本支出/公用经费", "3.00", 1)]),
        ],
    )
    return Document(
        id=DEMO_ID, path="(built in code)", department="示例市测试局", year="2023", date=None,
        title="示例市测试局 2023 年部门预算公开",
        parts={2: "2023 年部门预算公开表", 3: "2023 年部门预算情况说明"}, sections=[sangong], tables=[t6],
    )
