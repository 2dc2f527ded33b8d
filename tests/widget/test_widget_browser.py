"""The chat widget in a real browser (Debian chromium through Playwright)
against the real bot (harness.servers.Bot) and widget/serve.py.

The browser reaches Rasa through a small TCP proxy (tests/widget/support.py),
so a test can take the bot away and bring it back in milliseconds instead of
restarting Rasa (~40 s).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path
from typing import Dict, List
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, expect, sync_playwright

from clinicbot.content import load_content
from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import Bot, http
from tests.widget.support import TcpProxy, WidgetServer

pytestmark = pytest.mark.servers

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "results" / "screenshots"
WEBHOOK = "/webhooks/rest/webhook"
STRINGS = json.loads((ROOT / "widget" / "strings.en.json").read_text(encoding="utf-8"))
CONTENT = load_content()
PHONE = CONTENT.clinic.phone
PHONE_TEL = "tel:" + re.sub(r"[^\d+]", "", PHONE)

expect.set_options(timeout=30_000)


def browser_timezone() -> str:
    """A browser timezone whose date today differs from the clinic's, so a
    widget that forgot metadata.timezone would get the recovery day wrong."""
    clinic_today = dt.datetime.now(CONTENT.tz).date()
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):   # UTC+14, UTC-11
        if dt.datetime.now(ZoneInfo(name)).date() != clinic_today:
            return name
    raise AssertionError("unreachable: the two zones are 25 hours apart")


TIMEZONE = browser_timezone()


class Stack:
    def __init__(self, bot: Bot, proxy: TcpProxy, widget: WidgetServer) -> None:
        self.bot, self.proxy, self.widget = bot, proxy, widget


@pytest.fixture(scope="module")
def stack(tmp_path_factory, bot, widget_port):
    work = tmp_path_factory.mktemp("widget-stack")
    proxy = TcpProxy(bot.rasa_port).start()
    widget = WidgetServer(work, {"WEBCHAT_BOT_URL": proxy.url}, port=widget_port).start()
    try:
        yield Stack(bot, proxy, widget)
    finally:
        widget.stop()
        proxy.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def webhook_body(request: Request) -> dict:
    body = request.post_data_json
    assert isinstance(body, dict), request.post_data
    return body


class Chat:
    """The demo page with the widget, seen the way a patient uses it."""

    def __init__(self, page: Page, stack: Stack) -> None:
        self.page, self.stack = page, stack
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.launcher = page.locator(".cc-launcher")
        self.panel = page.locator(".cc-panel")
        self.log = page.locator(".cc-log")
        self.input = page.get_by_label(STRINGS["inputLabel"])
        self.typing = page.locator(".cc-typing")
        self.notice = page.locator(".cc-notice")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self) -> "Chat":
        self.page.goto(self.stack.widget.url + "/")
        expect(self.launcher).to_be_visible()
        return self

    def open(self) -> "Chat":
        self.launcher.click()
        expect(self.panel).to_be_visible()
        return self

    def bot_messages(self):
        return self.page.locator(".cc-msg--bot")

    def user_messages(self):
        return self.page.locator(".cc-msg--user")

    def is_webhook(self, request) -> bool:
        return request.url.endswith(WEBHOOK) and request.method == "POST"

    def say(self, text: str) -> dict:
        """Types a message, sends it with Enter, waits for the bot's answer; returns the request body."""
        before = self.bot_messages().count()
        self.input.fill(text)
        with self.page.expect_request(self.is_webhook) as request:
            self.input.press("Enter")
        self.wait_for_answer(before)
        return webhook_body(request.value)

    def wait_for_answer(self, before: int) -> None:
        expect(self.bot_messages()).not_to_have_count(before)
        expect(self.typing).to_be_hidden()

    def saved_state(self) -> dict:
        return self.page.evaluate("""() => {
            const key = Object.keys(localStorage).find(k => k.startsWith('clinicChat:v1:'));
            return key ? JSON.parse(localStorage.getItem(key)) : null;
        }""")

    def active_element_id(self) -> str:
        return self.page.evaluate("""() => {
            const host = document.querySelector('#clinic-chat');
            const active = host && host.shadowRoot.activeElement;
            return active ? (active.id || active.className) : '';
        }""")


@pytest.fixture
def new_chat(browser, stack):
    contexts = []
    chats: List[Chat] = []

    def make(width: int = 1280, height: int = 800, **options) -> Chat:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB",
                                      timezone_id=TIMEZONE, accept_downloads=True, **options)
        contexts.append(context)
        chat = Chat(context.new_page(), stack)
        chats.append(chat)
        return chat

    yield make
    errors = [error for chat in chats for error in chat.errors]
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def browser_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def patient_date(day: dt.date) -> str:
    """How the widget writes a date (en-GB): 'Monday 23 November' (+ year if not this year)."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == browser_today().year else f"{text} {day.year}"


def send_treatment_date(chat: Chat, day: dt.date) -> dict:
    page = chat.page
    page.get_by_role("button", name=STRINGS["dateButton"]).click()
    date_input = page.locator("input[type=date]")
    expect(date_input).to_be_visible()
    date_input.fill(day.isoformat())
    before = chat.bot_messages().count()
    with page.expect_request(chat.is_webhook) as request:
        page.get_by_role("button", name=STRINGS["dateSend"]).click()
    chat.wait_for_answer(before)
    return webhook_body(request.value)


def unfold(ics: str) -> List[str]:
    return ics.replace("\r\n ", "").split("\r\n")


# ---------------------------------------------------------------- the tests

def test_question_gets_an_answer_with_typing_indicator(new_chat, stack):
    chat = new_chat().goto().open()
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.log).to_have_attribute("role", "log")
    expect(chat.bot_messages().first).to_contain_text(CONTENT.clinic.name)   # greeting
    stack.proxy.delay = 0.6          # a slow bot, so the typing indicator can be seen
    try:
        chat.input.fill("what is fractional co2 laser?")
        with chat.page.expect_request(chat.is_webhook) as request:
            chat.input.press("Enter")
        expect(chat.typing).to_be_visible()
        expect(chat.user_messages().last).to_have_text(re.compile("what is fractional co2 laser"))
        chat.wait_for_answer(1)
    finally:
        stack.proxy.delay = 0
    sender = chat.saved_state()["senderId"]
    assert request.value.post_data_json == {
        "sender": sender, "message": "what is fractional co2 laser?",
        "metadata": {"timezone": TIMEZONE}}
    expect(chat.bot_messages().nth(1)).to_contain_text("resurfacing")
    expect(chat.input).to_have_value("")


def test_quick_reply_sends_its_message_and_phone_becomes_a_link(new_chat, stack):
    chat = new_chat().goto().open()
    config = json.loads(http("GET", stack.widget.url + "/widget-config.json")[1])
    replies = config["widget"].get("quick_replies") or STRINGS["defaultQuickReplies"]
    cost = next(r for r in replies if "cost" in r["message"].lower())
    group = chat.page.get_by_role("group", name=STRINGS["quickRepliesAria"])
    for reply in replies:
        expect(group.get_by_role("button", name=reply["title"], exact=True)).to_be_visible()
    with chat.page.expect_request(chat.is_webhook) as request:
        group.get_by_role("button", name=cost["title"], exact=True).click()
    chat.wait_for_answer(1)
    assert request.value.post_data_json["message"] == cost["message"]
    expect(chat.user_messages().last).to_have_text(re.compile(re.escape(cost["message"])))
    answer = chat.bot_messages().nth(1)
    expect(answer).to_contain_text("consultation")
    expect(answer.locator(f'a[href="{PHONE_TEL}"]')).to_have_text(PHONE)


def test_date_picker_gives_recovery_card_and_calendar_file(new_chat, stack, tmp_path):
    chat = new_chat().goto().open()
    treated = browser_today() - dt.timedelta(days=3)
    body = send_treatment_date(chat, treated)
    assert body["message"] == treated.isoformat()          # the ISO string, nothing else
    assert body["metadata"] == {"timezone": TIMEZONE}
    expect(chat.user_messages().last).to_contain_text(patient_date(treated))

    card = chat.page.locator(".cc-recovery")
    expect(card).to_be_visible()
    expect(card.locator(".cc-day")).to_have_text("Day 3")   # only right with the browser's timezone
    expect(card).to_contain_text(patient_date(treated))
    makeup_day = CONTENT.milestones["makeup_allowed"].day
    not_yet = card.locator("li", has_text=CONTENT.topics["makeup"].title)
    expect(not_yet).to_contain_text(patient_date(treated + dt.timedelta(days=makeup_day)))
    upcoming = sorted((m for m in CONTENT.milestones.values() if m.day > 3),
                      key=lambda m: (m.day, m.key))[0]
    expect(card).to_contain_text(upcoming.label)

    with chat.page.expect_download() as download_info:
        card.get_by_role("button", name=STRINGS["addToCalendarAria"]).click()
    download = download_info.value
    assert download.suggested_filename == STRINGS["calendarFileName"]
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n"), "every line must end with CRLF"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines folded at 75 octets"
    lines = unfold(raw.decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""]
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    events = raw.decode("utf-8").replace("\r\n ", "").split("BEGIN:VEVENT\r\n")[1:]
    milestones = sorted(CONTENT.milestones.values(), key=lambda m: (m.day, m.key))
    assert len(events) == len(milestones)
    uids = set()
    for event, milestone in zip(events, milestones):
        fields: Dict[str, str] = dict(line.split(":", 1) for line in event.split("\r\n")
                                      if ":" in line)
        start = treated + dt.timedelta(days=milestone.day)
        assert fields["DTSTART;VALUE=DATE"] == f"{start:%Y%m%d}"
        assert fields["DTEND;VALUE=DATE"] == f"{start + dt.timedelta(days=1):%Y%m%d}"
        assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"])
        escaped_label = milestone.label.replace(",", "\\,").replace(";", "\\;")
        assert escaped_label in fields["SUMMARY"]
        assert "END:VEVENT" in event
        uids.add(fields["UID"])
    assert len(uids) == len(milestones)


def test_history_survives_reload_and_closed_tab_start_over_clears_it(new_chat, stack):
    chat = new_chat().goto().open()
    chat.say("how much does it cost?")
    sender = chat.saved_state()["senderId"]
    answer = chat.bot_messages().nth(1).inner_text()

    chat.page.reload()
    expect(chat.panel).to_be_visible()                      # still open after a reload
    expect(chat.user_messages()).to_have_count(1)
    expect(chat.user_messages().first).to_contain_text("how much does it cost?")
    expect(chat.bot_messages().nth(1)).to_have_text(answer)
    assert chat.saved_state()["senderId"] == sender

    # Close the tab, open the site again in a new one.
    context = chat.page.context
    chat.page.close()
    again = Chat(context.new_page(), stack).goto()
    expect(again.panel).to_be_hidden()
    again.open()
    expect(again.user_messages().first).to_contain_text("how much does it cost?")
    again.say("what is fractional co2 laser?")
    events = stack.bot.tracker(sender)["events"]
    said = [event.get("text") for event in events if event.get("event") == "user"]
    assert said == ["how much does it cost?", "what is fractional co2 laser?"], said

    again.page.get_by_role("button", name=STRINGS["startOverAria"]).click()
    again.page.get_by_role("button", name=STRINGS["startOverConfirm"]).click()
    expect(again.user_messages()).to_have_count(0)
    expect(again.bot_messages()).to_have_count(1)           # the greeting only
    state = again.saved_state()
    assert state["senderId"] != sender and state["messages"] == [] and state["queue"] == []
    assert again.errors == []


def test_html_from_patient_or_bot_is_only_text(new_chat, stack):
    chat = new_chat().goto().open()
    attack = "<img src=x onerror=alert(1)>"
    body = chat.say(attack)
    assert body["message"] == attack
    expect(chat.user_messages().last.locator(".cc-bubble")).to_have_text(attack)

    # A hostile answer, as if the bot's content had been tampered with.
    hostile = [
        {"recipient_id": "x", "text": "<script>alert(2)</script><img src=x onerror=alert(3)> see "
                                      "javascript:alert(4) or https://example.com/a?b=<i>"},
        {"recipient_id": "x", "text": "pick", "buttons": [{"title": "<img src=x onerror=alert(5)>",
                                                          "payload": "/greet"}]},
        {"recipient_id": "x", "custom": {
            "type": "recovery", "treatment_date": "2026-01-01", "day": 3, "topic": "makeup",
            "ok_now": ["<img src=x onerror=alert(6)>"],
            "not_yet": [{"topic": "makeup", "title": "<svg onload=alert(7)>", "from": "2026-01-06"}],
            "next_milestones": [{"key": "k", "label": "<iframe src=javascript:alert(8)>", "day": 5,
                                 "date": "2026-01-06"}],
            "milestones": []}},
        {"recipient_id": "x", "custom": {"type": "red_flag", "phone": "<b>1</b>",
                                         "emergency_number": "999"}},
    ]

    def fake_bot(route):
        headers = {"Access-Control-Allow-Origin": stack.widget.url,
                   "Access-Control-Allow-Headers": "Content-Type",
                   "Access-Control-Allow-Methods": "POST, OPTIONS"}
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=headers)
        else:
            route.fulfill(status=200, headers=headers, content_type="application/json",
                          body=json.dumps(hostile))

    chat.page.route(re.compile(re.escape(WEBHOOK) + "$"), fake_bot)
    chat.say("hello")
    widget = chat.page.locator("#clinic-chat")
    expect(chat.page.locator(".cc-log")).to_contain_text("<script>alert(2)</script>")
    expect(chat.page.locator(".cc-botbuttons button")).to_have_text("<img src=x onerror=alert(5)>")
    expect(chat.page.locator(".cc-recovery")).to_contain_text("<svg onload=alert(7)>")
    expect(chat.page.locator(".cc-urgent")).to_contain_text("<b>1</b>")
    for tag in ("img", "script", "svg[onload]", "iframe", "b", "i"):
        assert widget.locator(f".cc-log {tag}").count() == 0, tag
    hrefs = chat.page.locator(".cc-log a").evaluate_all("links => links.map(a => a.href)")
    assert not [h for h in hrefs if h.lower().startswith("javascript:")], hrefs
    chat.page.wait_for_timeout(500)
    assert chat.dialogs == []


def test_an_empty_answer_still_gives_the_patient_a_way_forward(new_chat, stack):
    chat = new_chat().goto().open()

    def silent_bot(route):
        headers = {"Access-Control-Allow-Origin": stack.widget.url,
                   "Access-Control-Allow-Headers": "Content-Type"}
        route.fulfill(status=204 if route.request.method == "OPTIONS" else 200, headers=headers,
                      content_type="application/json", body="[]")

    chat.page.route(re.compile(re.escape(WEBHOOK) + "$"), silent_bot)
    chat.say("hello?")
    expect(chat.bot_messages().last.locator(f'a[href="{PHONE_TEL}"]')).to_have_text(PHONE)
    expect(chat.notice).to_be_hidden()


def test_phone_opens_full_screen(new_chat, stack):
    chat = new_chat(375, 740, is_mobile=True, has_touch=True).goto()
    chat.launcher.click()
    expect(chat.panel).to_be_visible()
    assert chat.panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(chat.launcher).to_be_hidden()
    expect(chat.panel).to_have_attribute("aria-modal", "true")
    assert chat.page.evaluate("document.documentElement.style.overflow") == "hidden"
    # Focus stays inside the full-screen chat: Tab from the last control comes back to the first.
    chat.page.locator(".cc-send").focus()
    chat.page.keyboard.press("Tab")
    assert "cc-headbutton" in chat.active_element_id()
    no_sideways = "el => el.scrollWidth <= el.clientWidth"
    assert chat.panel.evaluate(no_sideways)

    chat.say("when can I wear makeup?")
    send_treatment_date(chat, browser_today() - dt.timedelta(days=3))
    card = chat.page.locator(".cc-recovery")
    expect(card.locator(".cc-day")).to_have_text("Day 3")
    assert chat.panel.evaluate(no_sideways)
    card.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(SCREENSHOTS / "phone.png"))

    chat.page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_visible()
    assert chat.active_element_id() == "cc-launcher"
    assert chat.page.evaluate("document.documentElement.style.overflow") == ""


def test_desktop_keyboard_red_flag_and_screenshot(new_chat, stack):
    chat = new_chat().goto()
    chat.launcher.focus()
    chat.page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.launcher).to_have_attribute("aria-label", STRINGS["closeAria"])
    expect(chat.panel).to_have_attribute("aria-modal", "false")
    assert chat.active_element_id() == "cc-input"
    box = chat.panel.bounding_box()
    assert box["width"] <= 420 and box["x"] > 800 and box["height"] < 800   # a floating panel
    chat.page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    assert chat.active_element_id() == "cc-launcher"
    outline = chat.launcher.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
    chat.page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    chat.page.keyboard.press("Tab")
    assert chat.active_element_id() == "cc-send"

    chat.say("I have a fever and there's pus coming out")
    urgent = chat.page.locator(".cc-urgent")
    expect(urgent).to_have_attribute("role", "alert")
    call = urgent.locator(f'a.cc-urgent-call[href="{PHONE_TEL}"]')
    expect(call).to_contain_text(PHONE)
    assert call.bounding_box()["height"] >= 44
    emergency = CONTENT.clinic.emergency_number
    expect(urgent.locator(f'a[href="tel:{emergency}"]').first).to_be_visible()
    colour = urgent.evaluate("el => getComputedStyle(el).borderTopColor")
    assert colour == "rgb(179, 38, 30)", colour
    # Outside opening hours the card also offers the out-of-hours line.
    out_of_hours = urgent.locator(f'a[href="tel:{CONTENT.clinic.out_of_hours_number}"]')
    if CONTENT.clinic.weekly_hours.is_open(dt.datetime.now(dt.timezone.utc)):
        expect(out_of_hours).to_have_count(0)
        expect(call).to_contain_text(STRINGS["urgentCall"])
    else:
        expect(out_of_hours).to_contain_text(CONTENT.clinic.out_of_hours_service)
        # A closed line is not offered as "call now".
        expect(call).to_contain_text(STRINGS["urgentCallClosed"])
    # The card offers a call back, as a button under it.
    callback = chat.page.locator(".cc-msg--bot:has(.cc-urgent) .cc-botbuttons .cc-chip")
    expect(callback).to_have_text(["Request a call back"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    urgent.screenshot(path=str(SCREENSHOTS / "urgent.png"))

    send_treatment_date(chat, browser_today() - dt.timedelta(days=3))
    expect(chat.page.locator(".cc-recovery .cc-day")).to_have_text("Day 3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(SCREENSHOTS / "desktop.png"))


def test_text_contrast_meets_wcag_aa(new_chat, stack):
    chat = new_chat().goto().open()
    chat.say("how much does it cost?")
    ratios = chat.page.evaluate("""() => {
        const root = document.querySelector('#clinic-chat').shadowRoot;
        const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
        const lum = c => { const v = c.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                           return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
        const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                           if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c); } return [255, 255, 255]; };
        const out = {};
        for (const sel of ['.cc-title', '.cc-subtitle', '.cc-msg--user .cc-bubble', '.cc-msg--bot .cc-bubble',
                           '.cc-chip', '.cc-chip--date', '.cc-launcher', '.cc-msg--bot a', '.cc-input']) {
          const el = root.querySelector(sel);
          const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
          out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        return out;
    }""")
    low = {sel: round(ratio, 2) for sel, ratio in ratios.items() if ratio < 4.5}
    assert low == {}, low


@pytest.mark.parametrize("width, height", [(320, 568), (640, 400)])   # 320 px phone; 1280x800 at 200 % zoom
def test_usable_at_320px_and_200_percent_zoom(new_chat, stack, width, height):
    chat = new_chat(width, height).goto().open()
    box = chat.panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": width, "height": height}
    chat.say("how much does it cost?")
    for name in ("cc-send", "cc-input"):
        element = chat.page.locator("." + name)
        expect(element).to_be_in_viewport()
    assert chat.panel.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert chat.page.locator(".cc-log").evaluate("el => el.scrollWidth <= el.clientWidth")


def test_bot_down_message_is_kept_and_delivered_when_back(new_chat, stack):
    chat = new_chat().goto().open()
    failed: List[float] = []
    chat.page.on("requestfailed", lambda r: failed.append(time.monotonic()) if chat.is_webhook(r) else None)
    question = "how much does it cost?"
    stack.proxy.stop()
    try:
        chat.input.fill(question)
        chat.input.press("Enter")
        expect(chat.notice).to_be_visible()
        expect(chat.notice).to_have_attribute("role", "alert")
        expect(chat.notice).to_contain_text(STRINGS["offlineTitle"])
        expect(chat.notice.locator(f'a[href="{PHONE_TEL}"]')).to_have_text(PHONE)
        queued = chat.user_messages().last
        expect(queued).to_contain_text(question)
        expect(queued).to_contain_text(STRINGS["queued"])
        assert [item["message"] for item in chat.saved_state()["queue"]] == [question]

        # It keeps trying by itself, waiting longer each time.
        deadline = time.monotonic() + 20
        while len(failed) < 3 and time.monotonic() < deadline:
            chat.page.wait_for_timeout(200)
        assert len(failed) >= 3, failed
        assert failed[2] - failed[1] > failed[1] - failed[0], failed

        # Nothing is lost on a reload either: the queue and an unsent draft come back.
        chat.input.fill("a draft I have not sent")
        chat.page.wait_for_timeout(600)
        chat.page.reload()
        expect(chat.panel).to_be_visible()
        expect(chat.user_messages().last).to_contain_text(question)
        expect(chat.user_messages().last).to_contain_text(STRINGS["queued"])
        expect(chat.input).to_have_value("a draft I have not sent")
        expect(chat.notice).to_be_visible()
    finally:
        stack.proxy.start()

    expect(chat.notice).to_be_hidden()
    expect(chat.user_messages().last).not_to_contain_text(STRINGS["queued"])
    answer = chat.bot_messages().nth(1)
    expect(answer).to_contain_text("consultation")
    state = chat.saved_state()
    assert state["queue"] == []
    said = [event.get("text") for event in stack.bot.tracker(state["senderId"])["events"]
            if event.get("event") == "user"]
    assert said == [question], said                      # delivered exactly once
