"""The PDF reader: tables, continued tables, paragraphs, headers/footers, page orientation, bad files."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from budget_qa.errors import IngestError
from budget_qa.readers.base import Grid, TextLine
from budget_qa.readers.pdf import read_pdf

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
HEADER = "乌鲁木齐市招商服务局2024年部门预算公开"
PARA = ("乌鲁木齐市招商服务局2024年收支总预算842.79万元，比上年增加1,234.56万元，主要原因是招商引资专项经费"
        "增加，人员经费按照标准调整，公用经费保持不变，其他科学技术支出7.00万元用于项目库建设和招商"
        "引资服务，一般行政管理事务6.00万元用于外地驻乌商会管理和服务。")
LONG = PARA * 2 + "以上为总体说明。"  # its last line is short
FULL_LINE = "招" * 36  # exactly one full line of the 12 pt body text in an A4 frame (432 of 439 pt)


@pytest.fixture(scope="module", autouse=True)
def cjk_font():
    for _ in range(120):  # the font package may still be installing
        if FONT.exists():
            break
        time.sleep(1)
    else:
        pytest.skip(f"{FONT} is missing: apt-get install fonts-wqy-microhei")
    pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))


def _style(indent: float = 24) -> ParagraphStyle:
    return ParagraphStyle("body", fontName="WQY", fontSize=12, leading=18, wordWrap="CJK", firstLineIndent=indent)


HEAD = ParagraphStyle("head", fontName="WQY", fontSize=14, leading=22)


def _table(rows, spans=(), repeat=0) -> Table:
    t = Table(rows, repeatRows=repeat)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"), ("FONTSIZE", (0, 0), (-1, -1), 9),
                           ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
                          + [("SPAN", a, b) for a, b in spans]))
    return t


def _build(path: Path, story, pagesize=A4, header: bool = True) -> Path:
    """Build with a '— N —' footer on every page and, unless told not to, a running header: a header
    is known by repeating, so a one-page document cannot have one."""
    def running(canvas, doc) -> None:
        canvas.setFont("WQY", 9)
        if header:
            canvas.drawString(72, pagesize[1] - 40, HEADER)
        canvas.drawCentredString(pagesize[0] / 2, 30, f"— {doc.page} —")

    SimpleDocTemplate(str(path), pagesize=pagesize).build(story, onFirstPage=running, onLaterPages=running)
    return path


def _texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, TextLine)]


def _grids(doc) -> list[Grid]:
    return [b for b in doc.blocks if isinstance(b, Grid)]


# 表3-style header: 科目编码 spans 类/款/项, 科目名称 spans two rows, 支出预算 spans three columns.
HEADER_ROWS = [["功能分类科目编码", "", "", "功能分类科目名称", "支出预算", "", ""],
               ["类", "款", "项", "", "合计", "基本支出", "项目\n支出"]]
SPANS = [((0, 0), (2, 0)), ((3, 0), (3, 1)), ((4, 0), (6, 0))]
BODY = [["", "", "", "Total\nexpenditure", "1,234.56", "842.79", "391.\n77"],
        ["201", "", "", "一般公共服务支出", "842.79", "842.79", ""],
        ["201", "13", "", "商贸事务", "842.79", "842.79", ""],
        ["201", "13", "01", "行政运行", "440.65", "440.65", ""]]


def test_table_with_merged_header_and_code_columns(tmp_path):
    story = [Paragraph("一、部门支出总体情况", HEAD), Paragraph(PARA, _style()),
             _table(HEADER_ROWS + BODY, SPANS), Paragraph("（二）表后说明。", HEAD), PageBreak(),
             Paragraph("第二页。", HEAD)]
    path = _build(tmp_path / "t.pdf", story)
    doc = read_pdf(path)
    assert (doc.format, doc.pages, doc.files, doc.path) == ("pdf", 2, [str(path)], str(path))
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [type(b).__name__ for b in doc.blocks] == ["TextLine", "TextLine", "Grid", "TextLine", "TextLine"]
    assert _texts(doc) == ["一、部门支出总体情况", PARA, "（二）表后说明。", "第二页。"]  # header, footer dropped
    (grid,) = _grids(doc)
    assert grid.rows == [["功能分类科目编码", "", "", "功能分类科目名称", "支出预算", "", ""],
                         ["类", "款", "项", "", "合计", "基本支出", "项目支出"],
                         ["", "", "", "Total expenditure", "1,234.56", "842.79", "391.77"]] + BODY[1:]
    assert (grid.line, grid.page, grid.row_lines, grid.row_pages, grid.breaks) == (3, 1, [3, 4, 5, 6, 7, 8], [1] * 6, [])
    assert [(b.line, b.page) for b in doc.blocks] == [(1, 1), (2, 1), (3, 1), (9, 1), (10, 2)]


def test_table_continued_over_a_page_break_with_repeated_header(tmp_path):
    body = [["201", "13", f"{i:02d}", f"行政运行{i}", f"{i}.00", "", f"{i}.50"] for i in range(60)]
    story = [Paragraph("表 3", HEAD), _table(HEADER_ROWS + body, SPANS, repeat=2), Paragraph("表后文字。", _style(0))]
    path = _build(tmp_path / "long.pdf", story)
    with pdfplumber.open(path) as pdf:  # the builder did repeat the header on page 2
        assert len(pdf.pages) == 2 and "功能分类科目编码" in pdf.pages[1].extract_text()
    doc = read_pdf(path)
    assert [type(b).__name__ for b in doc.blocks] == ["TextLine", "Grid", "TextLine"]
    (grid,) = _grids(doc)
    assert grid.rows[:2] == [HEADER_ROWS[0], ["类", "款", "项", "", "合计", "基本支出", "项目支出"]]
    assert grid.rows[2:] == body  # no repeated header inside, no row lost
    cut = grid.row_pages.index(2)
    assert grid.breaks == [cut] and 2 < cut < len(grid.rows)
    assert grid.row_pages == [1] * cut + [2] * (len(grid.rows) - cut)
    assert grid.row_lines == list(range(2, 2 + 62))
    assert doc.blocks[2] == TextLine("表后文字。", 64, 2)


def _page(c: Canvas, lines, table_rows, y_table: float, spans=()) -> None:
    c.setFont("WQY", 12)
    y = A4[1] - 80
    for text in lines:
        c.drawString(72, y, text)
        y -= 20
    t = _table(table_rows, spans)
    _, h = t.wrapOn(c, 450, 700)
    t.drawOn(c, 72, y_table - h)
    c.showPage()


def test_continuation_below_repeated_unit_lines_keeps_the_split_row(tmp_path):
    head = [["科目编码", "", "", "科目名称", "合计"], ["类", "款", "项", "", ""]]
    spans = [((0, 0), (2, 0)), ((3, 0), (3, 1)), ((4, 0), (4, 1))]
    first = [["208", "05", "02", "事业单位离退休", "1.70"], ["208", "05", "05", "机关事业单位基本养老保险缴", "69.56"]]
    path = tmp_path / "cont.pdf"
    c = Canvas(str(path), pagesize=A4)
    _page(c, ["表 2", "部门收入总体情况表", "编制部门：乌鲁木齐市招商服务局", "单位：万元"], head + first, A4[1] - 170, spans)
    _page(c, ["编制部门：乌鲁木齐市招商服务局", "单位：万元"], head + [["", "", "", "费支出", ""]], A4[1] - 130, spans)
    _page(c, [], [["项目", "预算数"], ["收入总计", "842.79"]], A4[1] - 80)  # other column count: a new table
    c.save()
    doc = read_pdf(path)
    assert _texts(doc) == ["表 2", "部门收入总体情况表", "编制部门：乌鲁木齐市招商服务局", "单位：万元"]
    grid, other = _grids(doc)
    assert grid.rows == head + first + [["", "", "", "费支出", ""]]  # the fragment stays a row of its own
    assert (grid.breaks, grid.row_pages, grid.row_lines) == ([4], [1, 1, 1, 1, 2], [5, 6, 7, 8, 9])
    assert (other.rows, other.page, other.line, other.breaks) == ([["项目", "预算数"], ["收入总计", "842.79"]], 3, 10, [])


def test_text_between_tables_stops_the_join(tmp_path):
    path = tmp_path / "two.pdf"
    c = Canvas(str(path), pagesize=A4)
    _page(c, [], [["项目", "预算数"], ["收入", "1.00"]], A4[1] - 80)
    _page(c, ["表 5"], [["项目", "预算数"], ["支出", "2.00"]], A4[1] - 110)
    c.save()
    doc = read_pdf(path)
    assert [(type(b).__name__, b.line, b.page) for b in doc.blocks] == [("Grid", 1, 1), ("TextLine", 3, 2), ("Grid", 4, 2)]


def test_paragraph_wrapped_over_lines_and_a_page_break_is_one_line(tmp_path):
    frame = A4[1] - 144 - 12  # SimpleDocTemplate's frame: 1 inch margins, 6 pt padding
    story = [Paragraph("一、关于收支预算的总体说明", HEAD), Spacer(1, frame - 22 - 18 * 2.5),
             Paragraph(LONG, _style()), Paragraph(FULL_LINE, _style(0)), Paragraph("1.部门收入", _style(0)),
             Paragraph(FULL_LINE, _style(0)), Paragraph("（一）一般公共预算拨款", _style(0)),
             Paragraph(FULL_LINE, _style(0)), Paragraph("全文完。", _style(24))]
    path = _build(tmp_path / "wrap.pdf", story)
    with pdfplumber.open(path) as pdf:  # the paragraph did break over the pages
        assert PARA[:10] in pdf.pages[0].extract_text() and "一般行政管理事务" in pdf.pages[1].extract_text()
    doc = read_pdf(path)
    assert doc.blocks == [TextLine("一、关于收支预算的总体说明", 1, 1), TextLine(LONG, 2, 1),
                          TextLine(FULL_LINE, 3, 2), TextLine("1.部门收入", 4, 2), TextLine(FULL_LINE, 5, 2),
                          TextLine("（一）一般公共预算拨款", 6, 2), TextLine(FULL_LINE, 7, 2), TextLine("全文完。", 8, 2)]


def test_full_line_followed_by_unindented_text_is_joined(tmp_path):
    story = [Paragraph(FULL_LINE, _style(0)), Paragraph("接续。", _style(0))]
    doc = read_pdf(_build(tmp_path / "j.pdf", story, header=False))
    assert _texts(doc) == [FULL_LINE + "接续。"]


def test_landscape_page_after_a_portrait_one(tmp_path):
    wide = [["项目", "合计", "一般公共预算", "政府性基金预算", "国有资本经营预算", "财政专户", "单位资金", "上年结转"],
            ["收入总计", "842.79", "814.99", "", "", "", "", "27.80"]]

    def template(name, size):
        def running(canvas, doc):
            canvas.setFont("WQY", 9)
            canvas.drawString(72, size[1] - 40, HEADER)
            canvas.drawCentredString(size[0] / 2, 30, f"- {doc.page} -")
        return PageTemplate(name, [Frame(72, 72, size[0] - 144, size[1] - 144)], onPage=running, pagesize=size)

    path = tmp_path / "wide.pdf"
    doc = BaseDocTemplate(str(path), pageTemplates=[template("portrait", A4), template("wide", landscape(A4))])
    doc.build([Paragraph(PARA, _style()), NextPageTemplate("wide"), PageBreak(),
               Paragraph("表 4 财政拨款收支预算总体情况表", HEAD), Paragraph(LONG, _style()), _table(wide)])
    with pdfplumber.open(path) as pdf:
        assert [(round(p.width), round(p.height)) for p in pdf.pages] == [(595, 842), (842, 595)]
    doc = read_pdf(path)
    # each orientation has its own right edge: wrapped lines are rejoined on both
    assert doc.blocks[:3] == [TextLine(PARA, 1, 1), TextLine("表 4 财政拨款收支预算总体情况表", 2, 2), TextLine(LONG, 3, 2)]
    assert _grids(doc)[0].rows == wide and len(doc.blocks) == 4


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_page(tmp_path, rotation):
    width, height = landscape(A4)
    path = tmp_path / f"rot{rotation}.pdf"
    c = Canvas(str(path), pagesize=(width, height))
    c.setPageRotation(rotation)  # portrait MediaBox, /Rotate: shown landscape
    if rotation == 90:
        c.translate(height, 0)
        c.rotate(90)
    else:
        c.translate(0, width)
        c.rotate(-90)
    c.setFont("WQY", 14)
    c.drawString(72, height - 72, "表 10 财政拨款“三公”经费支出情况表")
    p = Paragraph(PARA * 2, _style())
    _, h = p.wrapOn(c, width - 144, height)
    p.drawOn(c, 72, height - 90 - h)
    t = _table([["项目", "合计", "公务接待费"], ["三公经费", "9.81", "0.90"]])
    _, th = t.wrapOn(c, width - 144, height)
    t.drawOn(c, 72, height - 110 - h - th)
    c.showPage()
    c.save()
    with pdfplumber.open(path) as pdf:
        assert pdf.pages[0].page_obj.attrs["Rotate"] == rotation
    doc = read_pdf(path)
    assert _texts(doc) == ["表 10 财政拨款“三公”经费支出情况表", PARA * 2]
    assert _grids(doc)[0].rows == [["项目", "合计", "公务接待费"], ["三公经费", "9.81", "0.90"]]


PAGE_NUMBERS = ["— {n} —", "- {n} -", "–{n}–", "第 {n} 页", "第{n}页 共3页", "{n}", "{n}/3"]


@pytest.mark.parametrize("footer", PAGE_NUMBERS + ["乌鲁木齐市招商服务局 {n}"])
def test_page_numbers_and_running_lines_dropped(tmp_path, footer):
    path = tmp_path / "f.pdf"
    c = Canvas(str(path), pagesize=A4)
    for n in (1, 2, 3):
        c.setFont("WQY", 9)
        c.drawString(72, A4[1] - 36, f"2024年部门预算 第{n}部分")  # running header, number changing
        c.drawCentredString(A4[0] / 2, 30, footer.format(n=n))
        c.setFont("WQY", 12)
        c.drawString(72, A4[1] - 80, f"表 {n}")  # a numbered title at the top of each page stays
        c.drawString(72, A4[1] - 200, f"第{n}页的正文。")
        c.showPage()
    c.save()
    assert _texts(read_pdf(path)) == ["表 1", "第1页的正文。", "表 2", "第2页的正文。", "表 3", "第3页的正文。"]


@pytest.mark.parametrize("footer", PAGE_NUMBERS)
@pytest.mark.parametrize("at", [30, A4[1] - 40])
def test_page_number_of_a_single_page_dropped(tmp_path, footer, at):
    path = tmp_path / "one.pdf"
    c = Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 12)
    c.drawCentredString(A4[0] / 2, at, footer.format(n=7))
    c.drawString(72, A4[1] - 200, "正文。")
    c.drawString(72, A4[1] - 220, "12")  # a number in the body is content
    c.showPage()
    c.save()
    assert _texts(read_pdf(path)) == ["正文。", "12"]


def test_ruled_box_is_narrative_and_watermark_dropped(tmp_path):
    path = tmp_path / "box.pdf"
    c = Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 12)
    c.drawString(80, 700, "注：本表为空表。")
    c.rect(72, 690, 300, 30)
    c.saveState()
    c.translate(300, 400)
    c.rotate(45)
    c.setFont("WQY", 40)
    c.drawString(0, 0, "内部资料")  # a diagonal watermark is not narrative
    c.restoreState()
    c.showPage()
    c.save()
    assert read_pdf(path).blocks == [TextLine("注：本表为空表。", 1, 1)]


def test_segments_of_one_row_are_separate_lines(tmp_path):
    path = tmp_path / "seg.pdf"
    c = Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 12)
    c.drawString(72, 700, "编制部门：乌鲁木齐市招商服务局")
    c.drawRightString(A4[0] - 72, 700, "单位：万元")
    c.drawString(72, 680, "部 门 预 算")  # letter-spaced: the spaces go
    c.showPage()
    c.save()
    assert _texts(read_pdf(path)) == ["编制部门：乌鲁木齐市招商服务局", "单位：万元", "部门预算"]


def test_owner_password_only_is_read(tmp_path):
    path = tmp_path / "owner.pdf"
    c = Canvas(str(path), pagesize=A4, encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    c.setFont("WQY", 12)
    c.drawString(72, 700, "一、主要职能")
    c.showPage()
    c.save()
    assert _texts(read_pdf(path)) == ["一、主要职能"]


def _error(path: Path) -> str:
    with pytest.raises(IngestError) as info:
        read_pdf(path)
    assert info.value.path == str(path) and info.value.line is None
    return str(info.value)


def test_scan_without_text_layer(tmp_path):
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("L", (200, 280), 255).save(image)
    path = tmp_path / "scan.pdf"
    c = Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.drawImage(str(image), 0, 0, *A4)
        c.showPage()
    c.save()
    assert _error(path) == (f"{path}: has no text layer — it is a scanned image — run OCR first, e.g. "
                            "'ocrmypdf -l chi_sim in.pdf out.pdf', then ingest the OCR'd file")


def test_password_protected(tmp_path):
    path = tmp_path / "locked.pdf"
    c = Canvas(str(path), pagesize=A4, encrypt="secret")
    c.setFont("WQY", 12)
    c.drawString(72, 700, "一、主要职能")
    c.showPage()
    c.save()
    assert _error(path) == f"{path}: is password-protected — save an unprotected copy (print to PDF) and ingest that"


def _good_pdf(tmp_path: Path) -> bytes:
    return _build(tmp_path / "good.pdf", [Paragraph(PARA, _style()), _table(HEADER_ROWS + BODY, SPANS)]).read_bytes()


@pytest.mark.parametrize("content, why", [
    (lambda good: good[: len(good) // 2], "the file ends early: no %%EOF marker"),
    (lambda good: b"<html><body>404 Not Found</body></html>", "no %PDF header"),
    (lambda good: b"", "no %PDF header"),
])
def test_damaged_files(tmp_path, content, why):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content(_good_pdf(tmp_path)))
    assert _error(path) == f"{path}: is damaged or not a PDF ({why}) — download it again"


def test_damaged_body_with_intact_ends(tmp_path):
    good = _good_pdf(tmp_path)
    path = tmp_path / "bad.pdf"
    path.write_bytes(good[:20] + b"\x00garbage" * 400 + good[-40:])  # header and %%EOF, nothing in between
    message = _error(path)
    assert message.startswith(f"{path}: is damaged or not a PDF (") and message.endswith(") — download it again")
