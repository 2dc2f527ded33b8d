"""The durable tracker store on a real SQLite database that another connection
locks (what a database outage looks like to SQLite): turns are spooled, then
written back in order and once, also by a restarted process."""
import asyncio
import json
import sqlite3

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from tracker.durable_sql import DurableSQLTrackerStore


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "tracker.db"
    # A short lock wait, so each failed attempt costs 0.2 s, not SQLite's 5 s.
    return path, f"sqlite:///{path}?timeout=0.2"


def store(url, spool):
    return DurableSQLTrackerStore(host=url, dialect="sqlite", spool_path=str(spool),
                                  replay_interval_seconds=3600)


async def take_turn(tracker_store, sender, text):
    tracker = await tracker_store.get_or_create_tracker(sender)
    tracker.update(UserUttered(text, {"name": "faq/cost", "confidence": 0.9}))
    tracker.update(ActionExecuted("utter_faq"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    await tracker_store.save(tracker)


class Outage:
    """Holds SQLite's exclusive lock: every other connection gets 'database is locked'."""

    def __init__(self, path):
        self.connection = sqlite3.connect(str(path), isolation_level=None)

    def __enter__(self):
        self.connection.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc):
        self.connection.execute("ROLLBACK")
        self.connection.close()


def stored(path, sender):
    with sqlite3.connect(str(path)) as connection:
        return connection.execute(
            "SELECT type_name, intent_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,)).fetchall()


def user_and_bot_texts(rows):
    return [(kind, json.loads(data)["text"]) for kind, _, _, data in rows if kind in ("user", "bot")]


def assert_no_duplicate(rows):
    data = [row[3] for row in rows]
    assert len(data) == len(set(data))


def test_turns_during_an_outage_on_two_instances_are_written_back_in_order(database, tmp_path):
    path, url = database
    instance_a, instance_b = store(url, tmp_path / "a.db"), store(url, tmp_path / "b.db")
    run(take_turn(instance_a, "patient", "one"))
    with Outage(path):
        run(take_turn(instance_a, "patient", "two"))    # A carries the conversation on
        run(take_turn(instance_b, "patient", "three"))  # B never saw it
        run(take_turn(instance_a, "patient", "four"))
        assert instance_a.spool.count() == 2 and instance_b.spool.count() == 2
        assert not instance_b.replay_all()  # still away: nothing lost, nothing written
    assert [text for _, text in user_and_bot_texts(stored(path, "patient"))] == ["one", "answer to one"]

    assert instance_b.replay_all() and instance_a.replay_all()  # B first: A's turns go before "three"
    rows = stored(path, "patient")
    assert [text for kind, text in user_and_bot_texts(rows) if kind == "user"] == ["one", "two", "three", "four"]
    assert user_and_bot_texts(rows)[1::2] == [("bot", f"answer to {n}") for n in ("one", "two", "three", "four")]
    assert_no_duplicate(rows)
    # B's empty conversation start is not written into a conversation that has a history.
    assert [row[0] for row in rows].count("action") == 1 + 4 * 2
    assert instance_a.spool.count() == instance_b.spool.count() == 0
    # Columns as Rasa's own SQL store writes them (the console filters on them).
    assert rows[1][:3] == ("user", "faq/cost", None) and rows[2][:3] == ("action", None, "utter_faq")


def test_the_next_turn_after_the_outage_writes_the_spooled_ones_first(database, tmp_path):
    path, url = database
    instance = store(url, tmp_path / "spool.db")
    run(take_turn(instance, "patient", "one"))
    with Outage(path):
        run(take_turn(instance, "patient", "two"))
    run(take_turn(instance, "patient", "three"))  # not yet known to be back: spooled too
    assert instance.spool.count() == 2
    instance.probe_database()  # what the background replayer does every 2 s
    run(take_turn(instance, "patient", "four"))
    rows = stored(path, "patient")
    assert [text for kind, text in user_and_bot_texts(rows) if kind == "user"] == ["one", "two", "three", "four"]
    assert_no_duplicate(rows)
    assert instance.spool.count() == 0


def test_a_process_restarted_during_the_outage_writes_its_spool_back_when_it_starts(database, tmp_path):
    path, url = database
    crashed = store(url, tmp_path / "spool.db")
    run(take_turn(crashed, "patient", "one"))
    with Outage(path):
        run(take_turn(crashed, "patient", "two"))
        crashed._stopping.set()  # the process dies with the turn only in its spool
    restarted = store(url, tmp_path / "spool.db")
    rows = stored(path, "patient")
    assert [text for kind, text in user_and_bot_texts(rows) if kind == "user"] == ["one", "two"]
    assert restarted.spool.count() == 0


def test_a_replay_that_died_after_its_commit_writes_nothing_twice(database, tmp_path):
    path, url = database
    instance = store(url, tmp_path / "spool.db")
    run(take_turn(instance, "patient", "one"))
    already_stored = [json.loads(row[3]) for row in stored(path, "patient")]
    instance.spool.append("patient", already_stored[-4:])
    store(url, tmp_path / "spool.db")
    rows = stored(path, "patient")
    assert len(rows) == len(already_stored)
    assert_no_duplicate(rows)
