"""Real receivers and a real alerts worker process, for the alert tests and the latency benchmark.

- SmtpSink: aiosmtpd, a real SMTP server on loopback, that records each message;
  it can stall a command (to kill the worker mid-send) and be stopped and restarted.
- WebhookSink: a real HTTP server that records each JSON post.
- AlertWorker: `python -m alerts` as a subprocess, as `make run` starts it.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml
from aiosmtpd.controller import Controller

from clinicbot.paths import CLINIC_DIR
from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import free_port, stop_process

CLINIC_FILE = CLINIC_DIR / "clinic.yml"
CONVERSATION_LINK = re.compile(r"/conversations/([0-9]+)")


def wait_until(check: Callable[[], Any], seconds: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@dataclass
class ReceivedEmail:
    at: float
    message: email.message.EmailMessage
    rcpt_tos: List[str]

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def conversation_id(self) -> Optional[int]:
        return _linked(self.body)


def _linked(text: str) -> Optional[int]:
    """The conversation an alert links to (its console URL)."""
    found = CONVERSATION_LINK.search(text)
    return int(found.group(1)) if found else None


class _Handler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.sink.stall_rcpt_seconds:
            self.sink.stalled.set()
            await asyncio.sleep(self.sink.stall_rcpt_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self.sink.lock:
            self.sink.received.append(ReceivedEmail(time.time(), message, list(envelope.rcpt_tos)))
        if self.sink.stall_data_seconds:
            self.sink.stalled.set()
            await asyncio.sleep(self.sink.stall_data_seconds)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.received: List[ReceivedEmail] = []
        self.lock = threading.Lock()
        self.stall_rcpt_seconds = 0.0
        self.stall_data_seconds = 0.0
        self.stalled = threading.Event()
        self.controller: Optional[Controller] = None

    def start(self) -> "SmtpSink":
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def messages(self) -> List[ReceivedEmail]:
        with self.lock:
            return list(self.received)

    def for_conversation(self, conversation_id: int) -> List[ReceivedEmail]:
        return [m for m in self.messages() if m.conversation_id == conversation_id]


@dataclass
class ReceivedPost:
    at: float
    headers: Dict[str, str]
    body: Dict[str, Any]


class WebhookSink:
    """A real HTTP receiver; `status` is what it answers (e.g. 503 to make the worker retry)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: List[ReceivedPost] = []
        self.status = 200
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if sink.status == 200:
                    sink.received.append(ReceivedPost(time.time(), dict(self.headers), json.loads(raw)))
                self.send_response(sink.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "WebhookSink":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def for_conversation(self, conversation_id: int) -> List[ReceivedPost]:
        return [p for p in list(self.received) if _linked(p.body.get("text", "")) == conversation_id]


def clinic_file(directory: Path, **alerts: Any) -> Path:
    """A copy of the clinic's file with this `alerts` section."""
    data = yaml.safe_load(CLINIC_FILE.read_text())
    data["alerts"] = alerts
    path = directory / "clinic.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def worker_env(
    tracker_db_url: str, staff_db_url: str, clinic: Path, smtp: Optional[SmtpSink] = None, **extra: str
) -> Dict[str, str]:
    env = {
        "TRACKER_DB_URL": tracker_db_url,
        "STAFF_DB_URL": staff_db_url,
        "CLINIC_CONTENT_FILE": str(clinic),
        "CONSOLE_BASE_URL": "https://console.example-clinic.test",
        "ALERTS_POLL_SECONDS": "0.5",
        "ALERTS_LEASE_SECONDS": "3",
        "ALERTS_SETTLE_SECONDS": "5",
        "ALERTS_SEND_TIMEOUT_SECONDS": "5",
        "ALERTS_CLAIM_SECONDS": "10",
        "ALERTS_RETRY_BASE_SECONDS": "0.5",
        "ALERTS_RETRY_MAX_SECONDS": "2",
        "LOG_LEVEL": "INFO",  # the tests read the worker's lease messages
    }
    if smtp is not None:
        env.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp.port),
            SMTP_STARTTLS="0",
            ALERT_FROM="alerts@example-clinic.test",
        )
    env.update(extra)
    return env


class AlertWorker:
    def __init__(self, env: Dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "AlertWorker":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "alerts"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_leading(self, seconds: float = 60) -> None:
        wait_until(
            lambda: "holds the lease" in self.log() or self._died(), seconds, "the worker to take the lease"
        )
        assert self.process is not None and self.process.poll() is None, self.log()

    def _died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, no lease release, as in a crash or an OOM kill."""
        assert self.process is not None, "not started"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop_process(self.process, timeout=15)


def conversation_id(tracker_engine, sender: str) -> int:
    from sqlalchemy import text

    with tracker_engine.connect() as conn:
        return conn.execute(text("select min(id) from events where sender_id = :s"), {"s": sender}).scalar()
