"""Debian's Chromium, headless, for the browser tests, and a staff member's sign-in
to the console there (tests/console/test_console_browser.py,
tests/handoff/test_handoff_browser.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

from tests.console.conftest import REVIEWER_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> Iterator[Browser]:
    """Chromium for a module's `browser` fixture (`yield from chromium()`); fails the
    tests at once if it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def sign_in(page: Page, username: str = "reviewer", password: str = REVIEWER_PASSWORD) -> None:
    """On the console's sign-in page: signs in and waits for the conversation list."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/conversations")
