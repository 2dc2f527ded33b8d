"""The spool file and where spooled turns go when the database is back (no Rasa)."""
import json

from clinicbot.event_spool import EventSpool, SpooledTurn, StoredRow, event_data, plan_replay


def user(text, at):
    return {"event": "user", "timestamp": at, "text": text}


def bot(text, at):
    return {"event": "bot", "timestamp": at, "text": text}


def action(name, at):
    return {"event": "action", "timestamp": at, "name": name}


def stored(rows):
    return [StoredRow(index + 1, event["timestamp"], event_data(event)) for index, event in enumerate(rows)]


def texts(items):
    return [json.loads(item.data if isinstance(item, StoredRow) else event_data(item)).get("text")
            for item in items]


def test_spooled_turns_survive_reopening_and_stay_with_their_database(tmp_path):
    spool = EventSpool(tmp_path / "spool.db", "postgresql://rasa@db/clinic")
    spool.append("patient-1", [user("first", 1.0)])
    spool.append("patient-1", [user("second", 2.0)], started_without_history=True)
    spool.append("patient-2", [user("other", 3.0)])
    EventSpool(tmp_path / "spool.db", "sqlite:///elsewhere.db").append("patient-1", [user("x", 4.0)])
    spool.close()

    reopened = EventSpool(tmp_path / "spool.db", "postgresql://rasa@db/clinic")
    assert reopened.pending_senders() == {"patient-1", "patient-2"}
    turns = reopened.pending("patient-1")
    assert [turn.events[0]["text"] for turn in turns] == ["first", "second"]
    assert [turn.started_without_history for turn in turns] == [False, True]
    assert reopened.other_databases() == {"sqlite:///elsewhere.db": 1}
    reopened.discard([turns[0].seq])
    assert [turn.events[0]["text"] for turn in reopened.pending("patient-1")] == ["second"]
    assert reopened.count() == 2


def test_turns_taken_after_everything_stored_are_appended_without_moving_rows():
    tail = stored([user("one", 10.0), bot("re one", 10.5)])
    turns = [SpooledTurn(1, "p", [user("two", 20.0), bot("re two", 20.5)])]
    plan = plan_replay(tail, turns, history_before_tail=True)
    assert plan.delete_ids == []
    assert texts(plan.insert) == ["two", "re two"]
    assert plan.replayed_seqs == [1]


def test_a_turn_goes_before_later_turns_another_instance_stored_first():
    # Instance B wrote back turn 3 before instance A writes back turn 2.
    tail = stored([user("one", 10.0), bot("re one", 10.5), user("three", 30.0), bot("re three", 30.5)])
    turns = [SpooledTurn(7, "p", [user("two", 20.0), bot("re two", 20.5)])]
    plan = plan_replay(tail, turns, history_before_tail=False)
    assert plan.delete_ids == [3, 4]  # only the rows after it move
    assert texts(plan.insert) == ["two", "re two", "three", "re three"]


def test_rasa_order_within_a_turn_is_kept_though_timestamps_are_not_monotonic():
    # An action's events are created before the ActionExecuted that precedes them.
    turn = [user("two", 20.0), action("utter_two", 20.9), bot("re two", 20.4), action("action_listen", 21.0)]
    tail = stored([user("one", 10.0), user("three", 30.0)])
    plan = plan_replay(tail, [SpooledTurn(1, "p", turn)], history_before_tail=False)
    assert [json.loads(event_data(e))["event"] if isinstance(e, dict) else "stored" for e in plan.insert] == [
        "user", "action", "bot", "action", "stored"]


def test_a_turn_already_stored_is_not_written_twice():
    # A replay that committed, then died before it could empty the spool.
    first = [user("two", 20.0), bot("re two", 20.5)]
    tail = stored([user("one", 10.0), *first])
    turns = [SpooledTurn(1, "p", first), SpooledTurn(2, "p", [user("three", 30.0)])]
    plan = plan_replay(tail, turns, history_before_tail=False)
    assert plan.delete_ids == []
    assert texts(plan.insert) == ["three"]
    assert plan.replayed_seqs == [1, 2]


def test_an_empty_conversation_start_is_dropped_when_the_conversation_has_history():
    fresh_start = SpooledTurn(1, "p", [action("action_listen", 20.0)], started_without_history=True)
    first_turn = SpooledTurn(2, "p", [
        action("action_session_start", 20.1), {"event": "session_started", "timestamp": 20.1},
        action("action_listen", 20.2), user("two", 20.3), bot("re two", 20.4)], started_without_history=True)
    with_history = plan_replay(stored([user("one", 10.0)]), [fresh_start, first_turn], history_before_tail=False)
    assert [e["event"] for e in with_history.insert] == ["user", "bot"]
    new_conversation = plan_replay([], [fresh_start, first_turn], history_before_tail=False)
    assert [e["event"] for e in new_conversation.insert] == [
        "action", "action", "session_started", "action", "user", "bot"]
