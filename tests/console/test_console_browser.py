"""A reviewer's round trip in headless Chromium: sign in, red flags, transcript, correct, export."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.browser import chromium, sign_in

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def shot(page, tmp_path: Path, name: str) -> None:
    """Screenshots go to the test's temp dir, and to CONSOLE_SCREENSHOTS if set."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("CONSOLE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_reviewer_filters_red_flags_corrects_an_intent_and_exports(browser, console, conversations,
                                                                   tmp_path):
    cid = conversations["browser-patient"]
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)

    page.goto(console.url + "/conversations")
    assert "/login" in page.url
    sign_in(page)
    shot(page, tmp_path, "conversations")

    page.check("input[name=red_flag]")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**red_flag=1**")
    rows = page.locator("#conversation-list tbody tr[data-conversation-id]")
    ids = {int(rows.nth(i).get_attribute("data-conversation-id")) for i in range(rows.count())}
    assert cid in ids and conversations["redflag-patient"] in ids
    assert conversations["faq-patient"] not in ids
    assert "red flag" in page.locator(f"#conversation-list tr[data-conversation-id='{cid}']").inner_text()

    page.click(f"#conversation-list tr[data-conversation-id='{cid}'] td:nth-child(3) a")
    page.wait_for_url(f"**/conversations/{cid}")
    message = page.locator("li.msg-user").first
    assert "fever and yellow pus" in message.locator(".bubble").inner_text()
    assert message.locator(".intent").inner_text() == "red_flag"
    message.locator("select[name=intent]").select_option("recovery/scabs")
    message.locator("button:has-text('Save correction')").click()
    page.wait_for_url(f"**/conversations/{cid}#event-*")
    assert "corrected to recovery/scabs by reviewer" in page.locator("li.msg-user").first.inner_text()
    shot(page, tmp_path, "transcript")

    page.click("nav >> text=Corrections")
    page.wait_for_url("**/annotations")
    with page.expect_download() as download:
        page.click("#export-link")
    exported = Path(download.value.path()).read_text()
    data = yaml.safe_load(exported)
    assert data["version"] == "3.1"
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert "- I've got a fever and yellow pus on my cheek" in examples["recovery/scabs"].splitlines()

    page.click("nav >> text=Analytics")
    page.wait_for_url("**/analytics")
    assert page.locator("svg.chart").count() == 4
    shot(page, tmp_path, "analytics")
    context.close()
