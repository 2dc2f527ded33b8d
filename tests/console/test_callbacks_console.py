"""The callback queue in the staff console, on callback requests made through
the real bot (closed all week) and a console started as `python -m console serve`."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from clinicbot.content import load_content
from tests.console.conftest import ConsoleServer, run_cli

pytestmark = pytest.mark.servers

CLINIC_PHONE = load_content().clinic.phone

# sender -> (messages, full number as the console shows it); talked in this order.
REQUESTS = {
    "cbq-handoff": (["can I talk to a person", "/request_callback", "Ben", "07400 333444",
                     "/affirm"], "+44 7400 333444"),
    "cbq-red-flag": (["I have a fever and pus coming out", "/request_callback", "Amal",
                      "07911 111222", "/affirm"], "+44 7911 111222"),
    "cbq-refused": (["/request_callback", "Cara", "07400 555666", "/deny"], None),
    "cbq-purged": (["/request_callback", "Dev", "07911 777888", "/affirm"], "+44 7911 777888"),
}


@pytest.fixture(scope="module")
def queue_console(closed_clinic_bot, tmp_path_factory):
    bot = closed_clinic_bot
    for sender, (messages, _number) in REQUESTS.items():
        for message in messages:
            bot.send(sender, message)
        if _number:
            assert bot.tracker(sender)["slots"]["callback_reason"], sender
    work = tmp_path_factory.mktemp("callback-console")
    server = ConsoleServer("callbacks", f"sqlite:///{bot.db_path}",
                           f"sqlite:///{work / 'staff.db'}", work).start()
    yield server
    server.stop()


def staff_rows(console, query, *args):
    with sqlite3.connect(console.staff_url.replace("sqlite:///", "")) as conn:
        return conn.execute(query, args).fetchall()


def queue_ids(html: str):
    return [int(x) for x in re.findall(r'data-callback-id="(\d+)"', html)]


def request_id(console, sender: str) -> int:
    with sqlite3.connect(console.tracker_url.replace("sqlite:///", "")) as conn:
        return conn.execute("select max(id) from events where sender_id = ? and type_name = 'slot' "
                            "and action_name = 'callback_reason' and data not like '%\"value\": null%'",
                            (sender,)).fetchone()[0]


def test_the_queue_lists_red_flags_first_with_masked_numbers(queue_console):
    page = queue_console.client("reviewer").get("/callbacks")
    assert page.status_code == 200
    ids = queue_ids(page.text)
    red, handoff = request_id(queue_console, "cbq-red-flag"), request_id(queue_console, "cbq-handoff")
    # the handoff request is older, but the red flag comes first
    assert ids.index(red) < ids.index(handoff)
    assert "Amal" in page.text and "Ben" in page.text and "Red flag" in page.text
    assert "Cara" not in page.text  # refused: no request
    for _messages, number in REQUESTS.values():
        if number:
            assert number not in page.text and number.replace(" ", "") not in page.text
    assert "+44 **** ***222" in page.text
    assert staff_rows(queue_console, "select count(*) from audit_log where action = "
                                     "'view_callback_list'")[0][0] >= 1


def test_the_request_page_shows_the_full_number_and_records_the_view(queue_console):
    reviewer = queue_console.client("reviewer")
    red = request_id(queue_console, "cbq-red-flag")
    page = reviewer.get(f"/callbacks/{red}")
    assert page.status_code == 200
    assert "+44 7911 111222" in page.text and 'href="tel:+447911111222"' in page.text
    assert "Amal" in page.text and "/conversations/" in page.text
    views = staff_rows(queue_console, "select username, target, detail from audit_log where "
                                      "action = 'view_callback_number'")
    assert ("reviewer", "cbq-red-flag") in [(u, t) for u, t, _ in views]
    assert json.loads(views[-1][2])["request"] == red
    assert reviewer.get("/callbacks/999999999").status_code == 404
    # the transcript the page links to masks the callback number, not the clinic's
    link = re.search(r'href="(/conversations/\d+)"', page.text).group(1)
    transcript = reviewer.get(link).text
    assert "Amal" in transcript and "+44 **** ***222" in transcript
    assert "7911 111222" not in transcript and "07911111222" not in transcript
    assert CLINIC_PHONE in transcript


def test_status_changes_are_saved_with_who_and_when_and_audited(queue_console):
    reviewer = queue_console.client("reviewer")
    handoff = request_id(queue_console, "cbq-handoff")
    red = request_id(queue_console, "cbq-red-flag")
    assert "New" in reviewer.get(f"/callbacks/{handoff}").text
    page = reviewer.post(f"/callbacks/{handoff}/status", {"status": "no_answer"})
    assert page.status_code == 200 and "No answer, by reviewer" in page.text
    refused = reviewer.post(f"/callbacks/{handoff}/status", {"status": "<script>"})
    assert refused.status_code == 200 and "Choose a status" in refused.text
    assert "<script>" not in refused.text
    assert staff_rows(queue_console, "select status, changed_by from callback_status "
                                     "where request_event_id = ?", handoff) == [("no_answer", "reviewer")]
    changes = staff_rows(queue_console, "select username, target, detail from audit_log "
                                        "where action = 'callback_status_changed'")
    assert changes[-1][:2] == ("reviewer", "cbq-handoff")
    assert json.loads(changes[-1][2]) == {"request": handoff, "previous": "new",
                                          "status": "no_answer"}
    # a done red flag goes below the open requests
    reviewer.post(f"/callbacks/{red}/status", {"status": "done"})
    ids = queue_ids(reviewer.get("/callbacks").text)
    assert ids.index(handoff) < ids.index(red)
    reviewer.post(f"/callbacks/{red}/status", {"status": "called"})
    ids = queue_ids(reviewer.get("/callbacks").text)
    assert ids.index(red) < ids.index(handoff)
    signed_out = queue_console.client().http.post(
        f"{queue_console.url}/callbacks/{red}/status", data={"status": "done"}, timeout=30)
    assert signed_out.status_code == 401


def test_erase_and_purge_remove_the_number_and_the_status(queue_console):
    admin = queue_console.client("admin")
    tracker_db = Path(queue_console.tracker_url.replace("sqlite:///", ""))
    handoff = request_id(queue_console, "cbq-handoff")
    admin.post(f"/callbacks/{handoff}/status", {"status": "called"})
    with sqlite3.connect(tracker_db) as conn:
        conversation = conn.execute("select min(id) from events where sender_id = 'cbq-handoff'"
                                    ).fetchone()[0]
    assert admin.post(f"/conversations/{conversation}/erase", {"confirm": "ERASE"}).status_code == 200
    assert admin.get(f"/callbacks/{handoff}").status_code == 404
    assert handoff not in queue_ids(admin.get("/callbacks").text)
    assert staff_rows(queue_console, "select count(*) from callback_status where sender_id = ?",
                      "cbq-handoff") == [(0,)]
    assert b"7400 333444" not in tracker_db.read_bytes()

    purged = request_id(queue_console, "cbq-purged")
    admin.post(f"/callbacks/{purged}/status", {"status": "called"})
    with sqlite3.connect(tracker_db) as conn:
        conn.execute("update events set timestamp = timestamp - 100 * 86400 "
                     "where sender_id = 'cbq-purged'")
    result = run_cli(queue_console.env, "purge", "--older-than-days", "30")
    assert result.returncode == 0, result.stdout + result.stderr
    assert staff_rows(queue_console, "select count(*) from callback_status where sender_id = ?",
                      "cbq-purged") == [(0,)]
    assert b"7911 777888" not in tracker_db.read_bytes()


def test_the_red_flag_queue_shows_each_flag_s_callback_status_without_the_number(queue_console):
    page = queue_console.client("reviewer").get("/red-flags")
    assert page.status_code == 200
    row = next(r for r in re.findall(r"<tr.*?</tr>", page.text, re.S) if "cbq-red-flag" in r)
    cell = re.search(r'class="slot-callback">([^<]*)<', row).group(1)
    assert cell.split(" (")[0] in ("New", "Called", "No answer", "Done") and "red flag" in cell
    assert "7911" not in row
