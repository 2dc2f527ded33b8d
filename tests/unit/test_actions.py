"""Custom actions run with a real Tracker and CollectingDispatcher."""
import asyncio
import datetime as dt

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionClarify, ActionRecoveryAnswer, ActionStoreTreatmentDate, recovery_topic
from clinicbot.content import load_content

CONTENT = load_content()
MAKEUP_DAY = CONTENT.milestones["makeup_allowed"].day
EXERCISE_DAY = CONTENT.milestones["exercise_allowed"].day


def clinic_today():
    return dt.datetime.now(CONTENT.tz).date()


def tracker(text, intent, topic=None, slots=None, metadata=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "metadata": metadata or {}}
    if topic:
        latest["response_selector"] = {"recovery": {"response": {
            "intent_response_key": f"recovery/{topic}", "confidence": 0.9}}}
    return Tracker("patient-1", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action, a_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, a_tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_recovery_question_without_date_gives_general_answer_and_remembers_topic():
    messages, slots = run(ActionRecoveryAnswer(), tracker("can i wear makeup", "recovery", "makeup"))
    assert f"first {MAKEUP_DAY} days" in messages[0]["text"]
    assert "date of your treatment" in messages[-1]["text"]
    assert slots == {"pending_recovery_topic": "makeup"}


def test_recovery_question_with_date_in_the_same_message():
    messages, slots = run(ActionRecoveryAnswer(),
                          tracker(f"had my laser {MAKEUP_DAY - 2} days ago, can I wear makeup?",
                                  "recovery", "makeup"))
    treated = clinic_today() - dt.timedelta(days=MAKEUP_DAY - 2)
    assert messages[0]["text"].startswith(f"Day {MAKEUP_DAY - 2}: not yet.")
    assert messages[0]["custom"]["allowed_from"] == (
        treated + dt.timedelta(days=MAKEUP_DAY)).isoformat()
    assert slots["treatment_date"] == treated.isoformat()
    assert slots["pending_recovery_topic"] is None


def test_remembered_date_personalises_later_questions():
    treated = clinic_today() - dt.timedelta(days=EXERCISE_DAY + 1)
    messages, slots = run(ActionRecoveryAnswer(), tracker(
        "can I go running?", "recovery", "exercise", slots={"treatment_date": treated.isoformat()}))
    assert messages[0]["text"].startswith(f"Day {EXERCISE_DAY + 1}: yes")
    assert messages[0]["custom"]["allowed"] is True
    assert "treatment_date" not in slots  # remembered already, not stored again


def test_date_answers_the_pending_question():
    messages, slots = run(ActionStoreTreatmentDate(), tracker(
        f"{EXERCISE_DAY - 1} days ago", "share_treatment_date",
        slots={"pending_recovery_topic": "exercise"}))
    assert messages[0]["text"].startswith(f"Day {EXERCISE_DAY - 1}: not yet.")
    assert messages[0]["custom"]["topic"] == "exercise"
    assert slots["pending_recovery_topic"] is None


def test_date_without_pending_question_gives_the_timeline():
    messages, _ = run(ActionStoreTreatmentDate(), tracker("yesterday", "share_treatment_date"))
    assert messages[0]["text"].startswith("Day 1 of your recovery")
    assert messages[0]["custom"]["topic"] == "timeline"


def test_impossible_and_missing_dates_get_a_clarifying_question():
    messages, slots = run(ActionStoreTreatmentDate(), tracker(
        "31 February", "share_treatment_date", slots={"pending_recovery_topic": "sun"}))
    assert "real calendar date" in messages[0]["text"] and "31 February" in messages[0]["text"]
    assert slots == {"pending_recovery_topic": "sun"}
    messages, _ = run(ActionStoreTreatmentDate(), tracker("my treatment date", "share_treatment_date"))
    assert "date of your treatment" in messages[0]["text"]


def test_future_and_old_dates():
    future = clinic_today() + dt.timedelta(days=10)
    messages, slots = run(ActionStoreTreatmentDate(), tracker(
        f"my treatment is booked for {future.isoformat()}", "share_treatment_date"))
    assert "hasn't started yet" in messages[0]["text"]
    assert not messages[0].get("custom")  # no recovery card before day 0
    old = clinic_today() - dt.timedelta(days=400)
    messages, slots = run(ActionStoreTreatmentDate(), tracker(old.isoformat(), "share_treatment_date"))
    assert "more than a year ago" in messages[0]["text"]
    assert "treatment_date" not in slots


def test_patient_timezone_from_metadata_decides_today():
    # Asia/Tokyo and Pacific/Honolulu are 19 hours apart: on most hours of the
    # day they disagree on the date, and the answer must follow the metadata.
    tokyo = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    messages, _ = run(ActionStoreTreatmentDate(), tracker(
        "2026-01-01", "share_treatment_date", metadata={"timezone": "Asia/Tokyo"}))
    assert messages[0]["custom"]["day"] == (tokyo - dt.date(2026, 1, 1)).days
    messages, _ = run(ActionStoreTreatmentDate(), tracker(
        "2026-01-01", "share_treatment_date", metadata={"timezone": ["not", "a", "zone"]}))
    assert messages[0]["custom"]["day"] == (clinic_today() - dt.date(2026, 1, 1)).days


def test_topic_comes_from_the_response_selector():
    assert recovery_topic({"response_selector": {"recovery": {"response": {
        "intent_response_key": "recovery/scabs"}}}}) == "scabs"
    assert recovery_topic({}) == "timeline"


def test_delete_conversation_erases_the_saved_turn(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from actions.actions import ActionDeleteConversation

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("create table events (id integer primary key, sender_id text, "
                                   "type_name text, action_name text, data text)"))
        # as Rasa will have saved it by the time the erase runs
        connection.execute(sa.text("insert into events (sender_id, type_name, action_name) values "
                                   "('patient-1', 'action', 'action_delete_conversation')"))
        connection.execute(sa.text("insert into events (sender_id, type_name) values ('other', 'user')"))
    monkeypatch.setenv("TRACKER_DB_URL", url)
    monkeypatch.setenv("STAFF_DB_URL", f"sqlite:///{tmp_path / 'no-console.db'}")
    messages, _ = run(ActionDeleteConversation(), tracker("yes", "affirm"))
    assert messages[0]["response"] == "utter_conversation_deleted"
    with engine.connect() as connection:
        rows = dict(connection.execute(sa.text(
            "select sender_id, count(*) from events group by sender_id")).fetchall())
    assert rows == {"other": 1}


def test_delete_conversation_without_a_database_says_so(monkeypatch):
    from actions.actions import ActionDeleteConversation

    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    messages, _ = run(ActionDeleteConversation(), tracker("yes", "affirm"))
    assert messages[0]["response"] == "utter_delete_failed"


def test_delete_conversation_does_not_claim_the_console_side_when_it_is_unreachable(
        tmp_path, monkeypatch):
    from actions.actions import ActionDeleteConversation

    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("STAFF_DB_URL", "postgresql://clinic@127.0.0.1:1/staff?connect_timeout=2")
    monkeypatch.setenv("ERASURE_AUDIT_KEY", "k" * 40)
    monkeypatch.setenv("PENDING_ERASURES_FILE", str(tmp_path / "pending.jsonl"))
    messages, _ = run(ActionDeleteConversation(), tracker("yes", "affirm"))
    assert messages[0]["response"] == "utter_conversation_deleted_notes_pending"
    assert (tmp_path / "pending.jsonl").exists()


def test_the_deletion_reply_says_what_was_done():
    from actions.actions import deletion_response
    from console.erasure import PatientErasure

    assert deletion_response(PatientErasure(done=True)) == "utter_conversation_deleted"
    assert deletion_response(PatientErasure(done=True, was_in_training_sources=True)) \
        == "utter_conversation_deleted_from_training"
    assert deletion_response(PatientErasure(done=False)) \
        == "utter_conversation_deleted_notes_pending"
    rendered = CONTENT.responses
    assert "next update" in rendered["conversation_deleted_from_training"]
    assert "can't be reached" in rendered["conversation_deleted_notes_pending"]


def _after_the_event_question(text, intent, earlier_custom):
    """A tracker whose last bot turn was the plan card `earlier_custom`."""
    events = [
        {"event": "user", "text": "I want it done before my holiday"},
        {"event": "action", "name": "action_plan_event"},
        {"event": "bot", "text": "When is your event?", "data": {"custom": earlier_custom}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker("patient-1", {}, latest, events, False, None, {}, "action_listen")


ASKED = {"type": "plan", "event_date": None, "treatment_date": None, "latest_treatment_date": None}


def test_a_date_after_the_event_question_is_the_event_not_the_treatment():
    event = clinic_today() + dt.timedelta(days=30)
    for action, intent in ((ActionStoreTreatmentDate(), "share_treatment_date"),
                           (ActionRecoveryAnswer(), "recovery"),
                           # unsure of the label ("its 18 Dec"), the waiting question still wins
                           (ActionClarify(), "nlu_fallback")):
        messages, slots = run(action, _after_the_event_question(
            f"{event.day} {event:%B}", intent, ASKED))
        assert messages[-1]["custom"]["type"] == "plan"
        assert messages[-1]["custom"]["event_date"] == event.isoformat()
        assert "treatment_date" not in slots


def test_a_past_date_after_the_event_question_is_still_the_treatment_date():
    messages, slots = run(ActionStoreTreatmentDate(), _after_the_event_question(
        "I had it 3 days ago", "share_treatment_date", ASKED))
    assert slots["treatment_date"] == (clinic_today() - dt.timedelta(days=3)).isoformat()
    plan_given = {**ASKED, "event_date": "2030-01-01"}
    messages, slots = run(ActionStoreTreatmentDate(), _after_the_event_question(
        "4 days ago", "share_treatment_date", plan_given))
    assert slots["treatment_date"] == (clinic_today() - dt.timedelta(days=4)).isoformat()


def test_a_what_if_today_with_a_day_ahead_answers_for_that_day():
    text = "what if I had it done today, could I wear foundation in 3 days?"
    messages, slots = run(ActionRecoveryAnswer(), tracker(text, "recovery", "makeup"))
    assert messages[0]["custom"]["day"] == 3
    assert "treatment_date" not in slots
