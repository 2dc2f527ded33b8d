import sqlalchemy as sa

from clinicbot.privacy import erase_after_turn_is_saved, erase_conversation


def events_table(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text(
            "create table events (id integer primary key, sender_id text, type_name text, "
            "action_name text, data text)"))
        for sender in ("alice", "alice", "bob"):
            connection.execute(sa.text("insert into events (sender_id, type_name) values (:s, 'user')"),
                               {"s": sender})
    return engine


def count(engine, sender):
    with engine.connect() as connection:
        return connection.execute(sa.text("select count(*) from events where sender_id = :s"),
                                  {"s": sender}).scalar()


def test_erase_removes_only_that_conversation(tmp_path):
    engine = events_table(tmp_path)
    assert erase_conversation(engine, "alice") == 2
    assert count(engine, "alice") == 0 and count(engine, "bob") == 1
    assert erase_conversation(engine, "alice' or '1'='1") == 0
    assert count(engine, "bob") == 1


def test_erase_waits_until_the_turn_is_saved(tmp_path):
    engine = events_table(tmp_path)
    polls = []

    def rasa_saves_on_second_poll(_seconds):
        polls.append(1)
        if len(polls) == 2:
            with engine.begin() as connection:
                connection.execute(sa.text(
                    "insert into events (sender_id, type_name, action_name) "
                    "values ('alice', 'action', 'action_delete_conversation')"))

    erased = erase_after_turn_is_saved(engine, "alice", "action_delete_conversation",
                                       timeout_seconds=10, poll_seconds=0, sleep=rasa_saves_on_second_poll)
    assert erased == 3 and count(engine, "alice") == 0 and len(polls) == 2


def test_erase_gives_up_when_the_turn_never_appears(tmp_path):
    engine = events_table(tmp_path)
    assert erase_after_turn_is_saved(engine, "alice", "action_delete_conversation",
                                     timeout_seconds=0.05, poll_seconds=0.01) is None
    assert count(engine, "alice") == 2
