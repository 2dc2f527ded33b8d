"""clinicbot.handoff: state from tracker events, what the widget must fetch,
staff actions, the clinic file's settings; and the rule that silences the bot."""

from __future__ import annotations

import pytest
import yaml

from clinicbot import handoff
from clinicbot.content import ContentError, load_content
from clinicbot.paths import PROJECT_ROOT as ROOT

CONTENT = load_content()
SETTINGS = handoff.load_settings(CONTENT)


def slot(name, value, ts):
    return {"event": "slot", "name": name, "value": value, "timestamp": ts}


def user(text, external=False):
    event = {"event": "user", "text": text, "parse_data": {}}
    if external:
        event["metadata"] = {"is_external": True}
    return event


def bot(text, **metadata):
    return {"event": "bot", "text": text, "data": {}, "metadata": metadata}


LISTEN = {"event": "action", "name": "action_listen"}


def test_state_follows_the_slots_and_keeps_the_time_it_started():
    events = [
        slot(handoff.STATUS_SLOT, "waiting", 100.0),
        slot(handoff.STATUS_SLOT, "waiting", 150.0),
    ]  # re-set: still waiting since 100
    assert handoff.state_of(events) == handoff.HandoffState("waiting", 100.0, None)
    events += [slot(handoff.STATUS_SLOT, "staff", 200.0), slot(handoff.STAFF_SLOT, "sam", 200.0)]
    assert handoff.state_of(events) == handoff.HandoffState("staff", 200.0, "sam")
    events += [slot(handoff.STATUS_SLOT, None, 300.0), slot(handoff.STAFF_SLOT, None, 300.0)]
    assert handoff.state_of(events) == handoff.HandoffState()
    assert handoff.state_of([slot(handoff.STATUS_SLOT, "bogus", 1.0)]).status is None


def test_unanswered_only_while_waiting_past_the_clinics_limit():
    waiting = handoff.HandoffState("waiting", 1000.0)
    limit = SETTINGS.unanswered_after_seconds
    assert not waiting.unanswered(1000.0 + limit - 1, SETTINGS)
    assert waiting.unanswered(1000.0 + limit, SETTINGS)
    assert not handoff.HandoffState("staff", 0.0, "sam").unanswered(1e12, SETTINGS)


def test_only_messages_the_webhook_did_not_deliver_are_pushed():
    events = [
        user("can i talk to a real person"),
        {"event": "action", "name": "action_human_handoff"},
        bot("I'm asking a member of the team to join."),
        slot(handoff.STATUS_SLOT, "waiting", 10.0),
        LISTEN,  # index 4
        slot(handoff.STATUS_SLOT, "staff", 20.0),
        bot("Sam joined", handoff_staff="sam"),
        bot("Hello, Sam here", handoff_staff="sam"),
        user("thanks"),
        LISTEN,  # silent turn
        user("I have a fever and pus"),
        bot("This could need urgent care."),
        LISTEN,
        user("EXTERNAL: handoff_unanswered", external=True),
        bot("Call us on ..."),
        LISTEN,
    ]
    messages, cursor = handoff.pushed_messages(events, None)
    assert [m["text"] for m in messages] == ["Sam joined", "Hello, Sam here", "Call us on ..."]
    assert messages[1] == {"text": "Hello, Sam here", "staff": "sam"}
    assert cursor == len(events)
    assert handoff.pushed_messages(events, cursor) == ([], cursor)
    assert [m["text"] for m in handoff.pushed_messages(events, 7)[0]] == ["Hello, Sam here", "Call us on ..."]
    # Before any handoff request there is nothing to fetch.
    assert handoff.pushed_messages(events[:3], None) == ([], 3)


def test_staff_actions_check_who_has_the_conversation():
    waiting = handoff.HandoffState("waiting", 1.0)
    taken = handoff.take_events(waiting, "sam", CONTENT, SETTINGS)
    # A callback form started while waiting stops first, so it cannot take the
    # patient's words to the member of staff as a name or a number.
    assert taken[:4] == [
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "slot", "name": "handoff_status", "value": "staff"},
        {"event": "slot", "name": "handoff_staff", "value": "sam"},
    ]
    assert taken[4]["text"] == "sam from the clinic team has joined the chat."
    with_sam = handoff.HandoffState("staff", 2.0, "sam")
    assert handoff.take_events(with_sam, "sam", CONTENT, SETTINGS) == []
    with pytest.raises(handoff.HandoffError, match="sam already has"):
        handoff.take_events(with_sam, "alex", CONTENT, SETTINGS)
    with pytest.raises(handoff.HandoffError, match="sam has this"):
        handoff.reply_events(with_sam, "alex", "hi")
    with pytest.raises(handoff.HandoffError, match="Take the conversation first"):
        handoff.reply_events(waiting, "sam", "hi")
    with pytest.raises(handoff.HandoffError, match="Type a message"):
        handoff.reply_events(with_sam, "sam", " \n ")
    with pytest.raises(handoff.HandoffError, match="limit is 2000"):
        handoff.reply_events(with_sam, "sam", "x" * 2001)
    assert handoff.reply_events(with_sam, "sam", "  <b>hi</b> ")[0] == {
        "event": "bot",
        "text": "<b>hi</b>",
        "data": {},
        "metadata": {"handoff_staff": "sam"},
    }
    back = handoff.release_events(with_sam, "sam", "handed_back", CONTENT, SETTINGS)
    assert back[0]["value"] is None and back[2]["text"].startswith("sam has handed you back")
    closed = handoff.release_events(waiting, "alex", "closed", CONTENT, SETTINGS)
    assert closed[2]["text"].startswith("alex has closed the chat")
    with pytest.raises(handoff.HandoffError):
        handoff.release_events(waiting, "alex", "handed_back", CONTENT, SETTINGS)
    assert (
        handoff.unanswered_events(CONTENT, SETTINGS)[1]["text"]
        == "Sorry, nobody from the team is free to join the chat right now."
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"unanswered_after_seconds": 0}, "above 0"),
        ({"unanswered_after_seconds": "soon"}, "above 0"),
        ({"waiting": ""}, "'handoff.waiting' must be a text"),
        ({"closed": "{clinic.fax} closed"}, "unknown placeholder"),
        ({"surprise": "x"}, "unknown key"),
    ],
)
def test_the_clinic_files_handoff_section_is_checked(tmp_path, change, message):
    data = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    data["handoff"].update(change)
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        handoff.load_settings(load_content(path))


def test_the_silence_rule_covers_every_intent_but_red_flag():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    silence = [
        r
        for r in rules
        if {"slot_was_set": [{handoff.STATUS_SLOT: handoff.WITH_STAFF}]} in (r.get("condition") or [])
    ]
    assert len(silence) == 1
    listed = {step["intent"] for step in silence[0]["steps"][0]["or"]}
    assert silence[0]["steps"][-1] == {"action": "action_listen"}
    assert listed == (set(domain["intents"]) | {"nlu_fallback"}) - {"red_flag"}
