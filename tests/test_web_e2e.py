"""End to end in real headless Chromium: `python app.py` in a subprocess, the chat, escaping, the desk.

Screenshots (desktop 1280 px, phone 390 px) are written to test-artifacts/.
"""

from __future__ import annotations

import os
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
XSS = "<script>window.__pwned=1</script><b>x</b>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    env = os.environ | {
        "BUDGET_QA_INDEX_DIR": str(tmp / "index"),
        "BUDGET_QA_CORPUS": str(CORPUS),
        "BUDGET_QA_DATA_DIR": str(tmp / "data"),
        "BUDGET_QA_PORT": str(port),
        "BUDGET_QA_HOST": "127.0.0.1",
        "BUDGET_QA_STAFF_PASSWORD": PASSWORD,
        "BUDGET_QA_STAFF_USER": "staff",
        "GRADIO_ANALYTICS_ENABLED": "False",
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
    page.locator("#bqa-chat .bot").filter(has_text=expect).last.wait_for(timeout=30_000)
    page.wait_for_timeout(400)  # let the final streamed chunk land


def test_public_chat_desktop(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url + "/")
    page.wait_for_selector("#bqa-question textarea")
    assert "乌鲁木齐市招商服务局 2024 年部门预算" in page.inner_text("#bqa-about")

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
    assert "公务接待费：8.90" in page.inner_text("body")
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
    ask(page, "2024年三公经费是多少？", "17.81")
    page.locator("#bqa-chat").get_by_text("来源（2）").last.click()
    page.locator("#bqa-chat summary").filter(has_text="[1] 表10 / 合计 / 合计").last.click()
    quote = page.locator("#bqa-chat blockquote").filter(has_text="合计 | 合计: 17.81").last
    quote.wait_for()
    quote.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.screenshot(path=str(ARTIFACTS / "web-phone-chat.png"), full_page=True)
    page.locator("button[role=tab][data-tab-id=glance]").click()
    page.wait_for_timeout(1500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "web-phone-glance.png"), full_page=True)
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
