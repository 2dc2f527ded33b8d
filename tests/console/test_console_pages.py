"""The console's pages through Flask's test client, on a tracker store written by Rasa's
SQLTrackerStore (fast tier: no bot, no server). The same behaviour end to end, on
conversations with the real bot, is in test_console_http.py (marked `servers`)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from console import erasure, staff_db, tracker
from console.conversation_filters import Answered, Conversation, Said, SlotWasSet
from console.staff_tables import audit_log, conversation_status
from tests.console.conftest import result_count, result_ids
from tests.console.seeded import CLINIC_TZ, CSRF_TOKEN, SeededConsole

TODAY = dt.datetime.now(ZoneInfo(CLINIC_TZ)).date()
TREATED = (TODAY - dt.timedelta(days=3)).isoformat()
CONVERSATIONS = {
    "faq-patient": Conversation((Said("how much does it cost", "faq", 0.91, "faq/cost"),
                                 Answered("Full face treatment is from 900 pounds."))),
    "recovery-patient": Conversation((
        Said("when can i wear makeup again?", "recovery", 0.88, "recovery/makeup"),
        Answered("When were you treated?"),
        Said("3 days ago", "share_treatment_date", 0.97),
        SlotWasSet("treatment_date", TREATED),
        Answered("Day 3: not yet. Keep makeup off your face for now."))),
    "redflag-patient": Conversation((Said("I have a fever and pus", "red_flag", 0.99),
                                     SlotWasSet("red_flag_followup", True),
                                     Answered("This needs urgent care."))),
    "followup-patient": Conversation((Said("my cheek is red, hot and spreading", "red_flag"),
                                      Answered("This needs urgent care."))),
    "script-patient": Conversation((Said("<script>alert(1)</script>", "nlu_fallback", 0.2),)),
    "contact-patient": Conversation((Said("please call me on 07700 900123 or email "
                                          "jane.doe@example.com", "greet", 0.6),)),
    "erase-patient": Conversation((Said("does it hurt?", "faq", 0.9, "faq/pain"),)),
    "old-patient": Conversation((Said("how long is the downtime", "faq", 0.9, "faq/downtime"),),
                                days_ago=2),
    "queue-a": Conversation((Said("there is yellow pus on my cheek", "red_flag", 0.97),)),
    "queue-b": Conversation((Said("I've got a fever of 39", "red_flag", 0.98),)),
    # The clinic's own test traffic: by sender-id prefix (clinic file), or marked by staff.
    "test-monitor-7": Conversation((Said("I have a fever and pus", "red_flag", 0.99),)),
    "staff-tried-it": Conversation((Said("my face is bleeding", "red_flag", 0.99),)),
}
TEST_CONVERSATIONS = ("test-monitor-7", "staff-tried-it")


def page(client, path, **query) -> str:
    response = client.get(path, query_string=query)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def post(client, path, **form):
    return client.post(path, data={"csrf_token": CSRF_TOKEN, **form})


def audited(seeded, action):
    with seeded.staff.connect() as conn:
        return conn.execute(select(audit_log.c.username, audit_log.c.target, audit_log.c.detail)
                            .where(audit_log.c.action == action)
                            .order_by(audit_log.c.id)).all()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> SeededConsole:
    console = SeededConsole(tmp_path_factory.mktemp("pages"), CONVERSATIONS)
    client = console.client()
    response = post(client, f"/conversations/{console.ids['staff-tried-it']}/test", test="1")
    assert response.status_code == 302
    return console


def test_list_is_newest_first_with_unfollowed_red_flags_pinned(seeded):
    html = page(seeded.client(), "/conversations")
    ids = result_ids(html)
    assert ids.index(seeded.ids["erase-patient"]) < ids.index(seeded.ids["faq-patient"]) \
        < ids.index(seeded.ids["old-patient"])
    pinned = html.split('id="pinned-title"', 1)[1].split('id="conversation-list"', 1)[0]
    assert f'data-conversation-id="{seeded.ids["redflag-patient"]}"' in pinned
    assert f'data-conversation-id="{seeded.ids["faq-patient"]}"' not in pinned
    assert result_count(html) == len(ids) == len(CONVERSATIONS) - len(TEST_CONVERSATIONS)


def test_test_conversations_are_hidden_from_queues_and_analytics_unless_asked(seeded):
    client = seeded.client()
    tests = {seeded.ids[sender] for sender in TEST_CONVERSATIONS}
    html = page(client, "/conversations")
    assert tests.isdisjoint(result_ids(html))
    pinned = html.split('id="pinned-title"', 1)[1].split('id="conversation-list"', 1)[0]
    assert all(f'data-conversation-id="{cid}"' not in pinned for cid in tests)
    assert tests.isdisjoint(waiting_ids(page(client, "/red-flags")))
    assert tests <= set(waiting_ids(page(client, "/red-flags", tests="show")))
    assert tests <= set(result_ids(page(client, "/conversations", tests="show")))
    assert set(result_ids(page(client, "/conversations", tests="only"))) == tests
    assert set(result_ids(page(client, "/conversations", tests="only", red_flag="1"))) == tests

    def red_flags(**query):
        rows = csv.DictReader(io.StringIO(page(client, "/analytics/intents.csv", **query)))
        return {row["intent"]: int(row["patient_messages"]) for row in rows}["red_flag"]
    assert red_flags() == 4 and red_flags(tests="show") == 6
    assert 'name="tests" value="show" checked' in page(client, "/analytics", tests="show")


def test_staff_mark_and_unmark_a_test_conversation_with_who_and_when(seeded):
    client = seeded.client()
    html = page(client, f"/conversations/{seeded.ids['staff-tried-it']}")
    assert re.search(r'id="test-status">yes, marked by reviewer, \d\d \w{3} \d{4}', html)
    assert "Not a test conversation" in html
    prefixed = page(client, f"/conversations/{seeded.ids['test-monitor-7']}")
    assert 'starts with <span class="mono">test-</span>' in prefixed
    assert "Mark as test conversation" not in prefixed  # the clinic file decides those
    cid = seeded.ids["recovery-patient"]
    assert post(client, f"/conversations/{cid}/test", test="1").status_code == 302
    assert cid not in result_ids(page(client, "/conversations"))
    assert post(client, f"/conversations/{cid}/test", test="0").status_code == 302
    assert cid in result_ids(page(client, "/conversations"))
    assert [action for action in ("marked_test", "unmarked_test")
            if ("reviewer", "recovery-patient") in [(u, t) for u, t, _ in audited(seeded, action)]] \
        == ["marked_test", "unmarked_test"]


def test_patient_text_is_shown_as_text_and_contacts_masked_in_lists(seeded):
    client = seeded.client()
    for path in ("/conversations", f"/conversations/{seeded.ids['script-patient']}"):
        html = page(client, path)
        assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listing = page(client, "/conversations")
    assert "07*** ***123" in listing and "j***@example.com" in listing
    assert "07700 900123" not in listing and "jane.doe@example.com" not in listing
    assert "07700 900123" in page(client, f"/conversations/{seeded.ids['contact-patient']}")


def test_transcript_shows_intents_confidence_slots_and_clinic_times(seeded):
    html = page(seeded.client(), f"/conversations/{seeded.ids['recovery-patient']}")
    assert re.search(r'class="intent">recovery/makeup</strong>\s*<span class="conf[^"]*">0\.88', html)
    assert 'class="intent">share_treatment_date</strong>' in html
    assert f'id="treatment-date">{TREATED}<' in html
    assert "Day 3: not yet." in html and "utter_answer" in html
    assert re.search(r"\d\d:\d\d:\d\d (GMT|BST)", html)


def test_analytics_charts_and_csv_downloads(seeded):
    client = seeded.client()
    html = page(client, "/analytics")
    assert html.count("<svg") == 4
    volume = {row["date"]: row for row in csv.DictReader(io.StringIO(
        page(client, "/analytics/volume.csv")))}
    assert int(volume[TODAY.isoformat()]["patient_messages"]) >= 7
    intents = {row["intent"]: int(row["patient_messages"]) for row in csv.DictReader(
        io.StringIO(page(client, "/analytics/intents.csv")))}
    assert intents["faq/cost"] == 1 and intents["red_flag"] == 4
    assert client.get("/analytics/nonsense.csv").status_code == 404


def test_review_tag_and_follow_up_record_who_and_when(seeded):
    client = seeded.client()
    cid = seeded.ids["followup-patient"]
    assert post(client, f"/conversations/{cid}/tags", name="callback needed").status_code == 302
    assert post(client, f"/conversations/{cid}/followup", note="Called, seen today").status_code == 302
    assert post(client, f"/conversations/{cid}/review", reviewed="1").status_code == 302
    html = page(client, f"/conversations/{cid}")
    assert re.search(r'id="followup-status">by reviewer, \d\d \w{3} \d{4} \d\d:\d\d', html)
    assert "Called, seen today" in html and "callback needed" in html
    pinned = page(client, "/conversations").split('id="conversation-list"')[0]
    assert f'data-conversation-id="{cid}"' not in pinned
    with seeded.staff.connect() as conn:
        row = conn.execute(select(conversation_status).where(
            conversation_status.c.sender_id == "followup-patient")).one()
    assert row.followed_up_by == "reviewer" and row.reviewed_by == "reviewer"
    assert ("reviewer", "followup-patient") in [(u, t) for u, t, _ in
                                                 audited(seeded, "red_flag_followed_up")]


def test_correction_is_exported_as_rasa_nlu_yaml(seeded):
    client = seeded.client()
    cid = seeded.ids["faq-patient"]
    with seeded.tracker.connect() as conn:
        event_id = conn.execute(select(tracker.events.c.id).where(
            tracker.events.c.sender_id == "faq-patient",
            tracker.events.c.type_name == "user")).scalar_one()
        other = conn.execute(select(tracker.events.c.id).where(
            tracker.events.c.sender_id == "old-patient",
            tracker.events.c.type_name == "user")).scalar_one()
    path = f"/conversations/{cid}/annotate"
    assert post(client, path, event_id=event_id, intent="' OR 1=1 --").status_code == 400
    assert post(client, path, event_id=other, intent="faq/cost").status_code == 404
    assert post(client, path, event_id=event_id, intent="faq/sessions_needed").status_code == 302
    assert "corrected to faq/sessions_needed by reviewer" in page(client, f"/conversations/{cid}")
    exported = client.get("/annotations/export.yml")
    assert "attachment" in exported.headers["Content-Disposition"]
    data = yaml.safe_load(exported.get_data(as_text=True))
    blocks = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert "- how much does it cost" in blocks["faq/sessions_needed"].splitlines()
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = RasaYAMLReader().reads(exported.get_data(as_text=True)).training_examples
    assert any(m.get("intent_response_key") == "faq/sessions_needed" for m in examples)


def test_reviewer_cannot_erase_but_admin_can(seeded):
    cid = seeded.ids["erase-patient"]
    reviewer, admin = seeded.client("reviewer"), seeded.client("admin")
    post(reviewer, f"/conversations/{cid}/tags", name="to erase")
    post(reviewer, f"/conversations/{cid}/review", reviewed="1")
    assert post(reviewer, f"/conversations/{cid}/erase", confirm="ERASE").status_code == 403
    assert reviewer.get("/audit").status_code == 403 and reviewer.get("/users").status_code == 403
    assert post(admin, f"/conversations/{cid}/erase", confirm="yes").status_code == 302
    assert tracker.sender_for_conversation(seeded.tracker, cid) == "erase-patient"
    assert post(admin, f"/conversations/{cid}/erase", confirm="ERASE").status_code == 302
    assert tracker.sender_for_conversation(seeded.tracker, cid) is None
    assert admin.get(f"/conversations/{cid}").status_code == 404
    assert staff_db.senders_with_console_data(seeded.staff).isdisjoint({"erase-patient"})
    erased = audited(seeded, "erase_conversation")
    # The fact stays, under the keyed hash; the sender id is in no audit row any more.
    assert erased[-1][:2] == ("admin", erasure.pseudonym("erase-patient",
                                                         seeded.settings.erasure_key))
    with seeded.staff.connect() as conn:
        assert "erase-patient" not in {r[0] for r in conn.exec_driver_sql(
            "select target from audit_log")}
    assert json.loads(erased[-1][2])["events_deleted"] > 0


def test_forms_without_the_csrf_token_are_refused(seeded):
    client = seeded.client()
    cid = seeded.ids["old-patient"]
    assert client.post(f"/conversations/{cid}/review", data={"reviewed": "1"}).status_code == 403
    assert client.post(f"/conversations/{cid}/review", data={
        "reviewed": "1", "csrf_token": "forged"}).status_code == 403
    assert client.post(f"/conversations/{cid}/review", headers={"Origin": "https://evil.example"},
                       data={"reviewed": "1", "csrf_token": CSRF_TOKEN}).status_code == 403
    assert staff_db.statuses(seeded.staff, ["old-patient"]) == {}


def test_every_route_needs_sign_in(seeded):
    """Walks the app's URL map, so a new route without an access rule fails here."""
    values = {"conversation_id": seeded.ids["faq-patient"], "annotation_id": 1, "user_id": 1,
              "view": "volume", "run_id": "20261121-101010-000001", "request_id": 1,
              "alert_id": 1}
    anonymous = seeded.app.test_client()
    with anonymous.session_transaction() as session:
        session["csrf"] = CSRF_TOKEN  # a valid token does not help without a session
    adapter = seeded.app.url_map.bind("localhost")
    checked = 0
    for rule in seeded.app.url_map.iter_rules():
        if rule.endpoint in ("auth.login", "static"):
            continue
        path = adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.open(path, method=method, data={"csrf_token": CSRF_TOKEN})
            if method == "GET" and response.status_code == 302:
                assert "/login" in response.headers["Location"], path
            else:
                assert response.status_code in (401, 403), (method, path, response.status_code)
            assert "fever" not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 18
    # Downloads answer 401 rather than a redirect; the stylesheet needs no sign-in.
    assert anonymous.get("/annotations/export.yml").status_code == 401
    assert anonymous.get("/analytics/summary.csv").status_code == 401
    assert anonymous.get("/static/console.css").status_code == 200


def waiting_ids(html: str):
    """Conversation ids in the red-flag queue's list of those waiting (not followed up)."""
    return result_ids(html.split('id="followed-up-list"', 1)[0])


def test_red_flag_queue_marks_several_followed_up_at_once(seeded):
    client = seeded.client()
    a, b, untouched = (seeded.ids[s] for s in ("queue-a", "queue-b", "redflag-patient"))
    html = page(client, "/red-flags")
    assert {a, b, untouched} <= set(waiting_ids(html))
    assert f'type="checkbox" name="conversation_id" value="{a}"' in html
    # The slots other work fills (alert status, callback) are there, empty for now.
    assert 'class="slot-alert-status">—<' in html and 'class="slot-callback">—<' in html
    refused = client.post("/red-flags/followup", data={"conversation_id": [a, b]})
    assert refused.status_code == 403
    assert staff_db.statuses(seeded.staff, ["queue-a", "queue-b"]) == {}

    response = post(client, "/red-flags/followup", conversation_id=[a, b], note="called both")
    assert response.status_code == 302
    html = page(client, "/red-flags")
    assert "2 red flag(s) marked as followed up by reviewer." in html
    assert {a, b}.isdisjoint(waiting_ids(html)) and untouched in waiting_ids(html)
    followed = html.split('id="followed-up-list"', 1)[1]
    for cid in (a, b):
        row = followed.split(f'data-conversation-id="{cid}"', 1)[1].split("</tr>", 1)[0]
        assert 'class="followed-up-by">reviewer<' in row and "called both" in row
        assert re.search(r'class="nowrap followed-up-at">\d\d \w{3} \d{4} \d\d:\d\d', row)
    marked = [(u, t, json.loads(d)) for u, t, d in audited(seeded, "red_flag_followed_up")]
    assert {("reviewer", s) for s in ("queue-a", "queue-b")} <= {(u, t) for u, t, _ in marked}
    assert all(d["bulk"] == 2 for _u, t, d in marked if t in ("queue-a", "queue-b"))


def test_red_flag_queue_explains_forms_it_cannot_use(seeded):
    client = seeded.client()
    html = client.post("/red-flags/followup", data={"csrf_token": CSRF_TOKEN},
                       follow_redirects=True).get_data(as_text=True)
    assert "Tick at least one conversation" in html
    assert post(client, "/red-flags/followup", conversation_id="²").status_code == 400
    assert post(client, "/red-flags/followup", conversation_id="9" * 25).status_code == 400
    gone = post(client, "/red-flags/followup", conversation_id=["987654321"])
    assert gone.status_code == 302
    assert "no longer exist" in page(client, "/red-flags")
