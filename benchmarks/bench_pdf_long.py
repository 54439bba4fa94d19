"""Time the ingest of a long (34-page) ruled PDF disclosure: narrative pages and 11 wide tables,
each continued over a page break with its header repeated.

    python benchmarks/bench_pdf_long.py [--pages-of-narrative 12] [--repeat 3]

Needs reportlab and the wqy-microhei font (both installed by scripts/test.sh). Prints the page
count, the median read time (pdfplumber) and the median full parse (read + layout), in pages/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from budget_qa.ingest.parser import parse_file  # noqa: E402
from budget_qa.readers.pdf import read_pdf  # noqa: E402

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PARA = ("某市水利局2024年收支总预算842.79万元，比上年增加1,234.56万元，主要原因是水利工程建设经费增加，"
        "人员经费按照标准调整，公用经费保持不变，其他科学技术支出7.00万元用于项目库建设。") * 3


def build(path: Path, narrative_pages: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Table,
        TableStyle,
    )

    pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    body = ParagraphStyle("b", fontName="WQY", fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24)
    head = ParagraphStyle("h", fontName="WQY", fontSize=15, leading=24)

    def running(c, doc):
        w, h = c._pagesize
        c.setFont("WQY", 9)
        c.drawString(72, h - 40, "某市水利局2024年部门预算公开")
        c.drawCentredString(w / 2, 30, f"— {doc.page} —")

    portrait = PageTemplate("p", [Frame(72, 72, A4[0] - 144, A4[1] - 144)], onPage=running, pagesize=A4)
    wide = PageTemplate("l", [Frame(50, 60, landscape(A4)[0] - 100, landscape(A4)[1] - 120)], onPage=running,
                        pagesize=landscape(A4))
    story = []
    for k in range(narrative_pages):
        story += [Paragraph(f"{'一二三四五六七八九十'[k % 10]}、关于收支预算情况的说明", head)]
        story += [Paragraph(PARA, body) for _ in range(3)]
        story.append(PageBreak())
    story.insert(len(story) - 1, NextPageTemplate("l"))
    header = [["功能分类科目编码", "", "", "功能分类科目名称", "总计", "财政拨款（补助）", "", "", "", "", "", "财政专户",
               "单位资金", "财政拨款结转", "非财政拨款结转结余", "其他"],
              ["类", "款", "项", "", "", "小计", "一般公共预算", "上级转移支付", "政府性基金预算", "上级转移",
               "国有资本经营预算", "", "", "", "", ""]]
    spans = [("SPAN", (0, 0), (2, 0)), ("SPAN", (3, 0), (3, 1)), ("SPAN", (4, 0), (4, 1)), ("SPAN", (5, 0), (10, 0))]
    for t in range(11):
        story += [Paragraph(f"表 {t + 1}", head), Paragraph("部门收入总体情况表", head)]
        rows = [["201", "13", f"{i:02d}", f"行政运行{i}", "870.59", "842.79", "842.79", "", "", "", "", "", "",
                 "27.80", "", ""] for i in range(40)]
        table = Table(header + rows, repeatRows=2)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"), ("FONTSIZE", (0, 0), (-1, -1), 7),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.black), *spans]))
        story += [table, PageBreak()]
    BaseDocTemplate(str(path), pageTemplates=[portrait, wide]).build(story[:-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages-of-narrative", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.pdf"
        build(path, args.pages_of_narrative)
        reads, parses = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            raw = read_pdf(path)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            doc = parse_file(path)
            parses.append(time.perf_counter() - t0)
        r, p = statistics.median(reads), statistics.median(parses)
        cells = sum(len(row.cells) for t in doc.tables for row in t.rows)
        print(f"{raw.pages} pages: read {r:.2f} s ({raw.pages / r:.1f} pages/s); full parse {p:.2f} s "
              f"({raw.pages / p:.1f} pages/s); {len(doc.tables)} tables, {cells} cells")


if __name__ == "__main__":
    main()
