"""Erasing a patient's conversation from Rasa's SQL tracker store.

Plain SQLAlchemy Core on the `events` table Rasa writes; shared by the chat
action ("delete my conversation") and the staff console.
"""
from __future__ import annotations

import time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

EVENTS = sa.table("events", sa.column("sender_id"), sa.column("action_name"))


def overwrite_deleted_rows(connection: Connection) -> None:
    """SQLite keeps deleted rows' bytes in the file's free pages until reused; with
    secure_delete it overwrites them, so an erased phone number is gone from the file."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete = ON")


def erase_conversation(engine: Engine, sender_id: str) -> int:
    """Deletes every stored event of one conversation; returns the row count."""
    with engine.begin() as connection:
        overwrite_deleted_rows(connection)
        return connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount


def erase_after_turn_is_saved(engine: Engine, sender_id: str, action_name: str,
                              timeout_seconds: float = 30.0, poll_seconds: float = 0.2,
                              sleep=time.sleep) -> Optional[int]:
    """Waits until Rasa has saved the turn that ran `action_name`, then erases.

    Rasa saves a turn's events only after the turn ends and decides what to
    save by counting the rows it already has, so deleting earlier would make
    it write the whole conversation back.
    """
    deadline = time.monotonic() + timeout_seconds
    query = sa.select(sa.func.count()).select_from(EVENTS).where(
        EVENTS.c.sender_id == sender_id, EVENTS.c.action_name == action_name)
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar():
                return erase_conversation(engine, sender_id)
        sleep(poll_seconds)
    return None
