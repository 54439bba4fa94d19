"""End to end in real headless Chromium: `python app.py` in a subprocess, the chat, escaping, the desk.

Screenshots (desktop 1280 px, phone 390 px) are written to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from web_support import CORPUS, ROOT, free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "e2e-desk-password"
URUMQI = "乌鲁木齐市招商服务局"
WATER = "湖南省水利厅"
CJK = re.compile(r"[\u4e00-\u9fff]")
XSS = "<script>window.__pwned=1</script><b>x</b>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from disclosure_gen import generate

    tmp = tmp_path_factory.mktemp("e2e")
    corpus = tmp / "corpus"  # two departments: the real disclosure and a generated one
    shutil.copytree(CORPUS, corpus)
    generate(corpus, "provincial", "txt", seed=3, department=WATER, year=2024)
    port = free_port()
    env = os.environ | {
        "BUDGET_QA_INDEX_DIR": str(tmp / "index"),
        "BUDGET_QA_CORPUS": str(corpus),
        "BUDGET_QA_DATA_DIR": str(tmp / "data"),
        "BUDGET_QA_PORT": str(port),
        "BUDGET_QA_HOST": "127.0.0.1",
        "BUDGET_QA_STAFF_PASSWORD": PASSWORD,
        "BUDGET_QA_STAFF_USER": "staff",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url, out = None, []
    deadline = time.time() + 180
    while time.time() < deadline and url is None:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(line)
        if "running at" in line:
            url = line.split("running at", 1)[1].strip()
    if url is None:
        proc.kill()
        pytest.fail("app.py did not start:\n" + "".join(out))
    ARTIFACTS.mkdir(exist_ok=True)
    yield url.rstrip("/")
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def ask(page, question: str, expect: str) -> None:
    page.fill("#bqa-question textarea", question)
    page.keyboard.press("Enter")
    page.locator("#bqa-chat .bot").filter(has_text=expect).last.wait_for(timeout=60_000)
    page.wait_for_timeout(400)  # let the final streamed chunk land


def pick_department(page, name: str) -> None:
    """Set the picker's department (the tabs it scopes are redrawn)."""
    page.click("#bqa-dept input")
    page.locator("ul li.item").filter(has_text=name).first.click()
    page.wait_for_function(
        "n => document.querySelector('#bqa-dept input').value === n", arg=name, timeout=10_000
    )
    page.wait_for_timeout(1500)  # the scoped tables, audit and charts are redrawn


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_public_chat_desktop(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url + "/")
    page.wait_for_selector("#bqa-question textarea")
    assert "乌鲁木齐市招商服务局 2024 年部门预算" in page.inner_text("#bqa-about")
    pick_department(page, URUMQI)

    ask(page, "2024年三公经费是多少？", "17.81")
    sources = page.locator("#bqa-chat").get_by_text("来源（2）").last
    sources.click()
    page.locator("#bqa-chat summary").filter(has_text="[1] 表10 / 合计 / 合计").last.click()
    assert page.locator("#bqa-chat blockquote").filter(has_text="合计 | 合计: 17.81").last.is_visible()
    assert page.locator("#bqa-chat table").filter(has_text="17.81").count() >= 1  # cited row

    ask(page, "How much is budgeted for official receptions?", "8.90")
    last = page.locator("#bqa-chat .bot").filter(has_text="8.90").last.inner_text()
    assert "0.90" in last and "official reception" in last

    page.fill("#bqa-question textarea", XSS)
    page.keyboard.press("Enter")
    page.locator("#bqa-chat .user").filter(has_text="<b>x</b>").last.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#bqa-chat .user").filter(has_text=XSS).count() == 1  # shown literally
    assert page.locator("#bqa-chat .user b, #bqa-chat .user script").count() == 0

    ask(page, "差旅费预算是多少？", "1.60")
    ask(page, "那培训费呢？", "4.20")
    page.screenshot(path=str(ARTIFACTS / "web-desktop-chat.png"), full_page=True)

    page.get_by_text("有帮助", exact=True).click()
    page.locator("#bqa-status").filter(has_text="已记录").wait_for(timeout=10_000)

    page.locator("button[role=tab][data-tab-id=glance]").click()
    page.locator("#bqa-chart-three_public").wait_for()
    page.wait_for_timeout(1500)
    assert "公务接待费：8.90（上年 10.90）" in page.inner_text("#bqa-chart-three_public")
    assert page.locator("#bqa-chart-function .bqa-tm-box").count() >= 7
    page.screenshot(path=str(ARTIFACTS / "web-desktop-glance.png"), full_page=True)
    page.locator("button[role=tab][data-tab-id=tables]").click()
    page.locator("#bqa-table").filter(has_text="表1 部门收支总体情况表").wait_for()
    page.locator("button[role=tab][data-tab-id=audit]").click()
    assert "项核对" in page.locator("#bqa-audit").inner_text()
    page.close()


def test_public_chat_phone(app_url, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(app_url + "/")
    page.wait_for_selector("#bqa-question textarea")
    page.get_by_text("English", exact=True).click()
    page.locator("button[role=tab][data-tab-id=chat]").filter(has_text="Ask").wait_for()
    pick_department(page, URUMQI)
    ask(page, "2024年三公经费是多少？", "17.81")
    page.locator("#bqa-chat").get_by_text("来源（2）").last.click()
    page.locator("#bqa-chat summary").filter(has_text="[1] 表10 / 合计 / 合计").last.click()
    quote = page.locator("#bqa-chat blockquote").filter(has_text="合计 | 合计: 17.81").last
    quote.wait_for()
    quote.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    # the cited-rows table scrolls inside the answer, and the bubble's buttons sit below the text
    table = page.locator("#bqa-chat .bot table").last
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    bubble = page.locator("#bqa-chat .bot").last
    text_box = bubble.locator(".message-content, .prose").last.bounding_box()
    assert text_box is not None
    for b in page.locator("#bqa-chat button").all():
        box = b.bounding_box()
        if not box or not box["width"]:
            continue
        overlap_x = min(box["x"] + box["width"], text_box["x"] + text_box["width"]) - max(box["x"], text_box["x"])
        overlap_y = min(box["y"] + box["height"], text_box["y"] + text_box["height"]) - max(box["y"], text_box["y"])
        inside = b.evaluate("(e, t) => t.contains(e)", bubble.locator(".message-content, .prose").last.element_handle())
        assert inside or overlap_x <= 2 or overlap_y <= 2, "an icon sits on the answer text"
    page.screenshot(path=str(ARTIFACTS / "web-phone-chat.png"), full_page=True)
    page.locator("button[role=tab][data-tab-id=glance]").click()
    page.wait_for_timeout(1500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "web-phone-glance.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_tab_in_both_languages(app_url, browser, lang, device):
    """Screenshots of every tab with the picker on one department; the English UI carries no Chinese of its
    own; on a phone nothing scrolls the page sideways and wide tables say they scroll."""
    phone = device == "phone"
    page = browser.new_page(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
        is_mobile=phone, has_touch=phone,
    )
    page.goto(app_url + "/")
    page.wait_for_selector("#bqa-question textarea", timeout=60_000)
    if lang == "en":
        page.get_by_text("English", exact=True).click()
        page.locator("button[role=tab][data-tab-id=chat]").filter(has_text="Ask").wait_for()
    pick_department(page, WATER)
    shot = lambda tab: page.screenshot(  # noqa: E731
        path=str(ARTIFACTS / f"web-{device}-{lang}-{tab}.png"), full_page=True
    )
    if lang == "en":
        about = page.inner_text("#bqa-about")
        assert not CJK.search(about.replace(URUMQI, "").replace(WATER, "")), about
        examples = page.inner_text("#bqa-examples-en")
        assert not CJK.search(examples) and page.locator("#bqa-examples-zh").is_hidden()
    else:
        assert page.locator("#bqa-examples-en").is_hidden()
    ask(page, "公务接待费是多少？" if lang == "zh" else "How much is budgeted for official receptions?",
        "公务接待费" if lang == "zh" else "reception")
    assert no_sideways_scroll(page)
    shot("chat")

    page.locator("button[role=tab][data-tab-id=glance]").click()
    page.locator("#bqa-chart-function .bqa-tm-box").first.wait_for()
    for key in ("function", "basic_project", "personnel_public", "three_public"):
        text = page.inner_text(f"#bqa-chart-{key}")
        assert ("数据来源：表" if lang == "zh" else "Source: Table ") in text, (key, text)
        if lang == "en":  # the chart's own words are English; the document's labels may stay as printed
            title = text.split("\n")[0]
            assert not CJK.search(title) and "(unit: 10,000 yuan)" in text, (key, text)
    assert no_sideways_scroll(page)
    shot("glance")

    page.locator("button[role=tab][data-tab-id=tables]").click()
    page.click("#bqa-pick input")
    expenditure = re.compile(r"表(3|三) ")  # the expenditure table, numbered either way
    page.locator("ul li.item").filter(has_text=expenditure).first.click()
    page.locator("#bqa-table .bqa-table-title").filter(has_text=expenditure).wait_for()
    page.wait_for_timeout(600)  # the option list has faded out
    scroller = page.locator("#bqa-table .bqa-scroll").first
    wide = scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    assert no_sideways_scroll(page)
    if phone:
        assert wide and page.locator("#bqa-table .bqa-scroll-hint").is_visible()
    shot("tables")

    page.locator("button[role=tab][data-tab-id=audit]").click()
    audit = page.inner_text("#bqa-audit")
    if lang == "zh":
        assert "合计与明细相符" in audit and "code-hierarchy" not in audit and " vs " not in audit
    else:
        assert "totals add up" in audit and "code-hierarchy" not in audit and "表" not in audit.split("\n")[0]
    assert no_sideways_scroll(page)
    shot("audit")
    page.close()


def test_desk_needs_login_then_exports_a_reply(app_url, browser, tmp_path):
    import docx

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    assert page.request.get(app_url + "/desk/config").status == 401
    page.goto(app_url + "/desk")
    page.wait_for_selector("input[type=password]")
    assert page.locator("#desk-log").count() == 0 and "三公" not in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "web-desk-login.png"))

    page.fill("input[type=text]", "staff")
    page.fill("input[type=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#desk-log")
    page.fill("#desk-search input, #desk-search textarea", "三公经费")
    page.click("#desk-go")
    cell = page.locator("#desk-log [data-testid=cell-0-6]")
    cell.filter(has_text="2024年三公经费是多少？").wait_for(timeout=10_000)
    cell.click()
    page.wait_for_function(
        "document.querySelector('#desk-detail textarea').value.includes('17.81')", timeout=10_000
    )
    page.click("#desk-draft")
    link = page.locator("#desk-md a").first
    link.wait_for(timeout=15_000)
    with page.expect_download() as md_dl:
        link.click()
    md_path = tmp_path / "reply.md"
    md_dl.value.save_as(md_path)
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith("# 关于“2024年三公经费是多少？”的答复") and "17.81 万元 [1]" in md and "\n[2] " in md
    with page.expect_download() as docx_dl:
        page.locator("#desk-docx a").first.click()
    docx_path = tmp_path / "reply.docx"
    docx_dl.value.save_as(docx_path)
    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert "17.81" in text and "[1] " in text
    page.screenshot(path=str(ARTIFACTS / "web-desk.png"), full_page=True)
    # the same file is not reachable through the public app, nor without the login
    href = link.get_attribute("href") or ""
    path = href.split("file=", 1)[1]
    assert context.request.get(f"{app_url}/gradio_api/file={path}").status == 403
    assert browser.new_context().request.get(f"{app_url}/desk/gradio_api/file={path}").status == 401
    context.close()
