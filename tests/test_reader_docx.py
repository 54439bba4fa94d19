"""The Word reader: paragraphs and tables in body order, merged cells, numbering and clear errors."""

from __future__ import annotations

import docx
import pytest
import xlsxwriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from budget_qa.errors import IngestError
from budget_qa.readers.base import Grid, TextLine
from budget_qa.readers.docx import read_docx


def _blocks(doc):
    out = []
    for b in doc.blocks:
        if isinstance(b, TextLine):
            out.append(("text", b.line, b.text))
        else:
            assert isinstance(b, Grid) and b.sheet == "" and b.page == 0
            out.append(("grid", b.line, b.row_lines, b.rows))
    return out


def test_paragraphs_and_tables_in_body_order_with_merged_cells(tmp_path):
    path = tmp_path / "budget.docx"
    d = docx.Document()
    d.add_paragraph("乌鲁木齐市招商服务局")
    d.add_paragraph("2024 年部门预算公开")
    d.add_paragraph("")  # empty paragraphs are skipped and not counted
    d.add_paragraph("　　一、部门收支总体情况表  ")
    d.add_paragraph("部门：XX厅\n金额单位：万元")  # a line break inside a paragraph: two printed lines
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "项目"  # vertical span
    t.cell(0, 1).merge(t.cell(0, 2)).text = "本年收入"  # horizontal span
    t.cell(0, 3).merge(t.cell(1, 3)).text = "合计"
    t.cell(1, 1).text = "财政拨款"
    t.cell(1, 2).text = "其他收入"
    for col, text in enumerate(["一般公共服务支出", "814.90", "", "814.90"]):
        t.cell(3, col).text = text
    d.add_paragraph("注：本表无其他收入。")
    t2 = d.add_table(rows=2, cols=3)  # the last column stays empty and is trimmed
    t2.cell(0, 0).text, t2.cell(0, 1).text = "科目", "金额"
    t2.cell(1, 0).merge(t2.cell(1, 1)).text = "合计"
    d.save(path)

    doc = read_docx(path)

    assert doc.format == "docx" and doc.files == [str(path)] and doc.warnings == []
    assert _blocks(doc) == [
        ("text", 1, "乌鲁木齐市招商服务局"),
        ("text", 2, "2024 年部门预算公开"),
        ("text", 3, "一、部门收支总体情况表"),
        ("text", 4, "部门：XX厅"),
        ("text", 5, "金额单位：万元"),
        # the empty third table row carries nothing and is dropped
        ("grid", 6, [6, 7, 8], [["项目", "本年收入", "", "合计"], ["", "财政拨款", "其他收入", ""],
                                ["一般公共服务支出", "814.90", "", "814.90"]]),
        ("text", 9, "注：本表无其他收入。"),
        ("grid", 10, [10, 11], [["科目", "金额"], ["合计", ""]]),
    ]


def test_multi_paragraph_cells_join_and_one_column_tables_are_text(tmp_path):
    path = tmp_path / "cells.docx"
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "本年"
    t.cell(0, 0).add_paragraph("收入")
    t.cell(0, 1).text = "Total"
    t.cell(0, 1).add_paragraph("amount")
    t.cell(1, 0).text, t.cell(1, 1).text = "合计", "1,234.56"
    frame = d.add_table(rows=2, cols=1)
    frame.cell(0, 0).text = "一、主要职能"
    frame.cell(1, 0).text = "负责招商引资工作。"
    d.save(path)

    assert _blocks(read_docx(path)) == [
        ("grid", 1, [1, 2], [["本年收入", "Total amount"], ["合计", "1,234.56"]]),
        ("text", 3, "一、主要职能"),
        ("text", 4, "负责招商引资工作。"),
    ]


def test_automatic_numbering_is_printed(tmp_path):
    path = tmp_path / "numbered.docx"
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    numbered("主要职能", 0)
    numbered("贯彻执行方针政策", 1)
    numbered("负责产业招商工作", 1)
    for _ in range(10):
        numbered("机构设置", 0)
    numbered("人员情况", 1)
    d.add_paragraph("• bullets and plain paragraphs keep their text")
    d.save(path)

    texts = [b.text for b in read_docx(path).blocks]
    assert texts[:4] == ["一、主要职能", "（一）贯彻执行方针政策", "（二）负责产业招商工作", "二、机构设置"]
    assert texts[-3:] == ["十一、机构设置", "（一）人员情况", "• bullets and plain paragraphs keep their text"]


def _error(path) -> str:
    with pytest.raises(IngestError) as info:
        read_docx(path)
    return str(info.value)


def test_bad_files_are_errors_with_advice(tmp_path):
    locked = tmp_path / "locked.docx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "WordDocument".encode("utf-16-le"))
    garbage = tmp_path / "junk.docx"
    garbage.write_bytes(b"not a document at all\n" * 10)
    workbook = tmp_path / "tables.docx"
    wb = xlsxwriter.Workbook(workbook)
    wb.add_worksheet().write(0, 0, "x")
    wb.close()
    blank = tmp_path / "blank.docx"
    docx.Document().save(blank)

    assert _error(locked) == (f"{locked}: is password-protected — save an unprotected copy "
                              "(File › Info › Protect Document › remove the password) and ingest that")
    assert _error(old) == f"{old}: is an old Word .doc file, not .docx — open it in Word or WPS and save it again as .docx"
    assert _error(garbage) == (f"{garbage}: is damaged or not a Word document (not a .docx zip package)"
                               " — open it in Word or WPS and save it again as .docx")
    assert _error(workbook) == f"{workbook}: is an Excel workbook, not a Word document — give it an .xlsx name"
    assert _error(blank) == (f"{blank}: has no text — the document body is empty"
                             " — check it is the right file (a scanned page needs OCR first)")
