"""A live-handoff stack of real servers: Rasa + action server (JWT on), the
widget server, the staff console, with a clinic file that is open all week.

A second widget server reads a copy of the clinic file whose handoff times out
after a few seconds, for the "nobody takes it" tests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests
import yaml

from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import Bot, free_port
from tests.console.conftest import ConsoleServer
from tests.widget.support import WidgetServer

JWT_SECRET = "handoff-tests-" + secrets.token_hex(16)
API_TOKEN = "handoff-api-token-" + secrets.token_hex(8)
SHORT_TIMEOUT_SECONDS = 4


def clinic_file(directory: Path, unanswered_after: float) -> Path:
    data = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    data["clinic"]["weekly_hours"] = {day: "00:00-24:00" for day in data["clinic"]["weekly_hours"]}
    data["handoff"]["unanswered_after_seconds"] = unanswered_after
    path = directory / f"clinic-{unanswered_after}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def new_patient() -> Dict[str, str]:
    """A widget conversation: its key and the sender id derived from it."""
    key = secrets.token_hex(32)
    return {"key": key, "sender": "web-" + hashlib.sha256(bytes.fromhex(key)).hexdigest()[:32]}


@dataclass
class Stack:
    bot: Bot
    widget: WidgetServer
    quick_widget: WidgetServer  # handoff unanswered after SHORT_TIMEOUT_SECONDS
    console: ConsoleServer

    def say(self, patient: Dict[str, str], text: str) -> List[dict]:
        return self.bot.send(patient["sender"], text)

    def poll(
        self,
        patient: Dict[str, str],
        after: Optional[int] = None,
        widget: Optional[WidgetServer] = None,
        **override: Any,
    ) -> requests.Response:
        body = {"sender": patient["sender"], "key": patient["key"], "after": after, **override}
        return requests.post(
            (widget or self.widget).url + "/conversation/messages",
            json=body,
            headers={"Content-Type": "text/plain"},
            timeout=60,
        )

    def conversation_id(self, patient: Dict[str, str]) -> int:
        import sqlite3

        with sqlite3.connect(self.bot.db_path) as conn:
            return conn.execute(
                "SELECT min(id) FROM events WHERE sender_id = ?", (patient["sender"],)
            ).fetchone()[0]


@pytest.fixture(scope="session")
def handoff_stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("handoff")
    normal, quick = clinic_file(work, 600), clinic_file(work, SHORT_TIMEOUT_SECONDS)
    widget_port = free_port()
    bot = Bot(
        work,
        token=API_TOKEN,
        env={
            "RASA_JWT_SECRET": JWT_SECRET,
            "CLINIC_CONTENT_FILE": str(normal),
            "WEBCHAT_ORIGINS": f"http://127.0.0.1:{widget_port}",
        },
    ).start()
    shared = {"RASA_API_URL": bot.url, "RASA_JWT_SECRET": JWT_SECRET, "WEBCHAT_BOT_URL": bot.url}
    widget = WidgetServer(work, {**shared, "CLINIC_CONTENT_FILE": str(normal)}, port=widget_port).start()
    quick_widget = WidgetServer(work, {**shared, "CLINIC_CONTENT_FILE": str(quick)}).start()
    console_dir = work / "console"
    console_dir.mkdir()
    console = ConsoleServer(
        "handoff", f"sqlite:///{bot.db_path}", f"sqlite:///{console_dir / 'staff.db'}", console_dir
    )
    console.env.update(
        {"RASA_API_URL": bot.url, "RASA_JWT_SECRET": JWT_SECRET, "CLINIC_CONTENT_FILE": str(normal)}
    )
    console.start()
    yield Stack(bot, widget, quick_widget, console)
    console.stop()
    quick_widget.stop()
    widget.stop()
    bot.stop()
