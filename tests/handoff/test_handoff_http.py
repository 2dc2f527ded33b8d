"""Live handoff over HTTP, real servers: queue, take, reply, hand back, close,
nobody takes it -> call back offer, and the widget's polling authorisation."""

from __future__ import annotations

import json
import time

import pytest
import requests

from clinicbot.content import load_content
from clinicbot.rasa_api import RasaApi
from harness.servers import texts
from tests.handoff.conftest import API_TOKEN, JWT_SECRET, SHORT_TIMEOUT_SECONDS, new_patient

pytestmark = pytest.mark.servers

ASK_FOR_PERSON = "can i talk to a real person"
WAITING_TEXT = "I'm asking a member of the team to join"


@pytest.fixture(scope="module")
def reviewer(handoff_stack):
    return handoff_stack.console.client("reviewer")


@pytest.fixture(scope="module")
def admin(handoff_stack):
    return handoff_stack.console.client("admin")


def queued_patient(stack) -> dict:
    patient = new_patient()
    replies = stack.say(patient, ASK_FOR_PERSON)
    assert WAITING_TEXT in texts(replies)
    assert {"type": "handoff", "status": "waiting"} in [r.get("custom") for r in replies]
    return patient


def poll_json(stack, patient, after=None, **kwargs) -> dict:
    response = stack.poll(patient, after, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def slot(stack, patient, name):
    return stack.bot.tracker(patient["sender"])["slots"].get(name)


def test_a_patient_who_asks_for_a_person_while_open_waits_in_the_console_queue(handoff_stack, reviewer):
    patient = queued_patient(handoff_stack)
    cid = handoff_stack.conversation_id(patient)
    assert slot(handoff_stack, patient, "handoff_status") == "waiting"

    rows = reviewer.get("/handoff/queue.json").json()["rows"]
    row = next(r for r in rows if r["conversation_id"] == cid)
    assert row["status"] == "waiting" and 0 <= row["wait_seconds"] < 120
    assert row["last_patient_text"] == ASK_FOR_PERSON
    page = reviewer.get("/handoff")
    assert page.status_code == 200 and f'data-conversation-id="{cid}"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    chat = reviewer.get(f"/handoff/{cid}")
    assert ASK_FOR_PERSON in chat.text and "Take this chat" in chat.text

    # Polling from the start of the handoff: nothing pushed yet, still waiting.
    first = poll_json(handoff_stack, patient)
    assert first["messages"] == [] and first["handoff"] == "waiting"


def test_staff_take_reply_bot_silent_red_flag_still_urgent_then_hand_back(handoff_stack, reviewer):
    stack = handoff_stack
    patient = queued_patient(stack)
    cid = stack.conversation_id(patient)
    cursor = poll_json(stack, patient)["cursor"]

    assert reviewer.post(f"/handoff/{cid}/take").status_code == 200
    assert slot(stack, patient, "handoff_status") == "staff"
    assert slot(stack, patient, "handoff_staff") == "reviewer"
    update = poll_json(stack, patient, cursor)
    assert update["handoff"] == "staff" and update["staff"] == "reviewer"
    assert [m["text"] for m in update["messages"]] == ["reviewer from the clinic team has joined the chat."]
    cursor = update["cursor"]

    reply = "Hello, I'm Sam's colleague. <b>How</b> can I help?"
    assert reviewer.post(f"/handoff/{cid}/reply", {"text": reply}).status_code == 200
    update = poll_json(stack, patient, cursor)
    assert update["messages"] == [{"text": reply, "staff": "reviewer"}]
    cursor = update["cursor"]
    assert poll_json(stack, patient, cursor)["messages"] == []  # nothing twice

    # The bot stays silent while staff have the chat...
    assert stack.say(patient, "how much does it cost") == []
    assert stack.say(patient, "hello") == []
    # ...but a red flag still gets the urgent advice, straight away.
    urgent = stack.say(patient, "I have a fever and pus coming out of my cheek")
    assert "urgent care" in texts(urgent)
    update = poll_json(stack, patient, cursor)
    assert update["messages"] == [], "the webhook's own replies are never pushed again"
    cursor = update["cursor"]

    # The transcript names who wrote each message, escaped.
    chat = reviewer.get(f"/handoff/{cid}").text
    assert "reviewer (staff)" in chat and "&lt;b&gt;How&lt;/b&gt; can I help?" in chat
    assert "<b>How</b>" not in chat
    full = reviewer.get(f"/conversations/{cid}").text
    assert "reviewer (staff)" in full and "Bot ·" in full
    items = reviewer.get(f"/handoff/{cid}/events.json?after=0").json()["items"]
    assert {"kind": "bot", "staff": "reviewer", "text": reply} in [
        {k: i[k] for k in ("kind", "staff", "text")} for i in items
    ]

    assert reviewer.post(f"/handoff/{cid}/hand-back").status_code == 200
    update = poll_json(stack, patient, cursor)
    assert update["handoff"] is None
    assert update["messages"][0]["text"].startswith("reviewer has handed you back")
    assert slot(stack, patient, "handoff_status") is None
    assert texts(stack.say(patient, "how much does it cost")), "the bot answers again"
    rows = reviewer.get("/handoff/queue.json").json()["rows"]
    assert cid not in [r["conversation_id"] for r in rows]


def test_close_ends_the_chat_and_only_the_holder_can_write(handoff_stack, reviewer, admin):
    stack = handoff_stack
    patient = queued_patient(stack)
    cid = stack.conversation_id(patient)
    cursor = poll_json(stack, patient)["cursor"]
    assert admin.post(f"/handoff/{cid}/take").status_code == 200

    # The reviewer can neither take it over nor write into it.
    before = len(stack.bot.tracker(patient["sender"])["events"])
    page = reviewer.post(f"/handoff/{cid}/take")
    assert "admin already has this conversation" in page.text
    page = reviewer.post(f"/handoff/{cid}/reply", {"text": "hijack"})
    assert "admin has this conversation" in page.text
    assert len(stack.bot.tracker(patient["sender"])["events"]) == before

    # Empty and over-long messages are refused with a reason, nothing sent.
    assert "Type a message first" in admin.post(f"/handoff/{cid}/reply", {"text": "   "}).text
    assert "the limit is 2000" in admin.post(f"/handoff/{cid}/reply", {"text": "x" * 2001}).text
    assert len(stack.bot.tracker(patient["sender"])["events"]) == before

    assert admin.post(f"/handoff/{cid}/close").status_code == 200
    update = poll_json(stack, patient, cursor)
    assert update["handoff"] is None
    assert [m.get("staff") for m in update["messages"]] == ["admin", "admin"]
    assert update["messages"][-1]["text"].startswith("admin has closed the chat")
    assert stack.say(patient, "hello") != [], "the bot answers again"


def test_nobody_takes_it_in_time_so_the_patient_is_offered_a_call_back(handoff_stack, reviewer):
    stack = handoff_stack
    patient = queued_patient(stack)
    widget = stack.quick_widget
    first = poll_json(stack, patient, widget=widget)
    assert first["handoff"] == "waiting" and first["messages"] == []
    time.sleep(SHORT_TIMEOUT_SECONDS + 0.5)

    offer = poll_json(stack, patient, first["cursor"], widget=widget)
    assert offer["handoff"] is None
    assert offer["messages"][0]["text"] == "Sorry, nobody from the team is free to join the chat right now."
    assert len(offer["messages"]) == 2, "the call back offer follows"
    assert offer["messages"][1]["text"] == "Would you like a member of our team to call you back?"
    assert [b["payload"] for b in offer["messages"][1]["buttons"]] == ["/request_callback", "/deny"]
    events = stack.bot.tracker(patient["sender"])["events"]
    triggered = [
        e
        for e in events
        if e["event"] == "user" and e["parse_data"]["intent"]["name"] == "handoff_unanswered"
    ]
    assert len(triggered) == 1
    # Polling again (a second tab, a reload) never offers it twice.
    again = poll_json(stack, patient, offer["cursor"], widget=widget)
    assert again["messages"] == []
    assert (
        len(
            [
                e
                for e in stack.bot.tracker(patient["sender"])["events"]
                if e["event"] == "user" and e["text"].startswith("EXTERNAL: ")
            ]
        )
        == 1
    )
    cid = stack.conversation_id(patient)
    assert cid not in [r["conversation_id"] for r in reviewer.get("/handoff/queue.json").json()["rows"]]
    # "No, thanks" to the offer is answered in context: the numbers to call.
    declined = texts(stack.say(patient, "/deny"))
    assert "we won't call you" in declined and load_content().clinic.phone in declined


def test_a_no_right_after_staff_join_is_left_to_staff(handoff_stack, admin):
    # The rule answering "no" after a handoff reply (closed hours' call back
    # offer) must not outrank the silence rule once staff have the chat.
    stack = handoff_stack
    patient = queued_patient(stack)
    cid = stack.conversation_id(patient)
    assert admin.post(f"/handoff/{cid}/take").status_code == 200
    assert stack.say(patient, "no") == []
    assert stack.say(patient, "/request_callback") == []
    assert admin.post(f"/handoff/{cid}/close").status_code == 200


def test_the_offer_accepted_starts_the_callback_form_and_taking_the_chat_stops_it(handoff_stack, admin):
    stack = handoff_stack
    patient = queued_patient(stack)
    asked = texts(stack.say(patient, "/request_callback"))
    assert "What's your first name?" in asked
    cid = stack.conversation_id(patient)
    assert admin.post(f"/handoff/{cid}/take").status_code == 200
    tracker = stack.bot.tracker(patient["sender"])
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    # Staff have the chat: the patient's answer is not taken as a name, nothing is said.
    assert stack.say(patient, "Ben") == []
    assert stack.bot.tracker(patient["sender"])["slots"]["callback_name"] is None
    assert admin.post(f"/handoff/{cid}/hand-back").status_code == 200


def test_polling_needs_the_conversations_own_key_and_never_leaks_a_rasa_token(handoff_stack):
    stack = handoff_stack
    patient = queued_patient(stack)
    stranger = new_patient()

    wrong_key = stack.poll({"sender": patient["sender"], "key": stranger["key"]})
    assert wrong_key.status_code == 403
    assert wrong_key.json() == {"error": "this key does not open that conversation"}
    for body, status in (
        ({"key": "zz" * 32}, 400),
        ({"key": patient["key"].upper()}, 400),
        ({"sender": "web-../../x"}, 400),
        ({"after": -1}, 400),
        ({"after": "3"}, 400),
    ):
        assert stack.poll(patient, **body).status_code == status, body
    url = stack.widget.url + "/conversation/messages"
    assert requests.post(url, data=b"not json", timeout=30).status_code == 400
    assert requests.post(url, data=b"{" + b" " * 2000 + b"}", timeout=30).status_code == 400
    assert requests.get(url, timeout=30).status_code == 404
    assert requests.post(stack.widget.url + "/other", data=b"{}", timeout=30).status_code == 405

    good = stack.poll(patient)
    assert good.status_code == 200
    for response in (
        good,
        wrong_key,
        requests.get(stack.widget.url + "/widget-config.json", timeout=30),
        requests.get(stack.widget.url + "/clinic-chat.js", timeout=30),
    ):
        body = response.text
        assert JWT_SECRET not in body and API_TOKEN not in body and "eyJ" not in body
        assert "Authorization" not in response.headers


def test_the_products_jwt_opens_one_conversation_only(handoff_stack):
    stack = handoff_stack
    mine, other = queued_patient(stack), queued_patient(stack)
    api = RasaApi(stack.bot.url, JWT_SECRET)
    assert api.events(mine["sender"])
    token = api.token(mine["sender"])
    response = requests.get(
        f"{stack.bot.url}/conversations/{other['sender']}/tracker",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code in (401, 403)
    forged = RasaApi(stack.bot.url, "not-the-secret")
    with pytest.raises(Exception, match="HTTP 401"):
        forged.events(mine["sender"])
    assert json.loads(json.dumps(api.events(mine["sender"])))  # plain JSON, nothing else
