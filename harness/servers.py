"""Starts the real Rasa and action servers through scripts/run.sh, for the
tests and for `make bench` alike."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

from clinicbot.paths import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "clinic-bot.tar.gz"
STARTUP_SECONDS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: Any = None, timeout: float = 60,
         headers: Optional[Dict[str, str]] = None) -> tuple:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Service:
    """One `scripts/run.sh` process group (actions or rasa)."""

    def __init__(self, name: str, env: Dict[str, str], log_dir: Path) -> None:
        self.name, self.env, self.log_path = name, env, log_dir / f"{name}.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        # VERBOSE=1: every log line in the log file, to show when a test fails.
        self.process = subprocess.Popen(
            ["bash", str(PROJECT_ROOT / "scripts" / "run.sh")], cwd=PROJECT_ROOT, stdout=log,
            stderr=subprocess.STDOUT, env={"VERBOSE": "1", **os.environ, **self.env, "SERVICES": self.name},
            start_new_session=True)

    @property
    def running(self) -> subprocess.Popen:
        """The started process; an error before start()."""
        if self.process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self.process

    def stop(self) -> None:
        stop_process(self.process, timeout=30, whole_group=True)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


def wait_for_http(url: str, process: subprocess.Popen, log_path: Path, name: str,
                  seconds: float = STARTUP_SECONDS) -> None:
    """Waits until `url` answers 200; fails early, with the log, if the process dies."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{_tail(log_path)}")
        try:
            if http("GET", url, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start:\n{_tail(log_path)}")


def stop_process(process: Optional[subprocess.Popen], timeout: float,
                 whole_group: bool = False) -> None:
    """SIGTERM (to the process group for run.sh), then SIGKILL after `timeout`."""
    if not process or process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if whole_group else process.send_signal
    send(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait()


def _tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_up(url: str, service: Service, seconds: float = STARTUP_SECONDS) -> None:
    wait_for_http(url, service.running, service.log_path, service.name, seconds)


class Bot:
    """The clinic bot: action server + Rasa server with its own SQLite store."""

    def __init__(self, work_dir: Path, token: str = "test-token",
                 env: Optional[Dict[str, str]] = None) -> None:
        self.token = token
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.db_path = work_dir / "tracker.db"
        env = {
            "RASA_PORT": str(self.rasa_port),
            "ACTIONS_PORT": str(self.actions_port),
            "RASA_AUTH_TOKEN": token,
            "TRACKER_DB_URL": f"sqlite:///{self.db_path}",
            "TRACKER_SPOOL_PATH": str(work_dir / "tracker-spool.db"),
            # Never the project's own console database, corrections or audit key.
            "STAFF_DB_URL": f"sqlite:///{work_dir / 'staff.db'}",
            "RETRAIN_PROJECT_ROOT": str(work_dir),
            "ERASURE_AUDIT_KEY_FILE": str(work_dir / "erasure-audit-key"),
            "PENDING_ERASURES_FILE": str(work_dir / "pending-erasures.jsonl"),
            "RASA_MODEL": str(MODEL),
            **(env or {}),
        }
        self.actions = Service("actions", env, work_dir)
        self.rasa = Service("rasa", env, work_dir)
        self.url = f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        self.actions.start()
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions)

    def start_rasa(self) -> None:
        self.rasa.start()
        wait_until_up(self.url + "/", self.rasa)

    def start(self) -> "Bot":
        self.start_actions()
        self.start_rasa()
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def send(self, sender: str, message: Any, metadata: Optional[dict] = None) -> List[dict]:
        body = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        status, raw = http("POST", self.url + "/webhooks/rest/webhook", body)
        assert status == 200, (status, raw[:500])
        return json.loads(raw)

    def parse(self, text: str) -> dict:
        status, raw = http("POST", f"{self.url}/model/parse?token={self.token}", {"text": text})
        assert status == 200, (status, raw[:500])
        return json.loads(raw)

    def tracker(self, sender: str) -> dict:
        status, raw = http("GET", f"{self.url}/conversations/{sender}/tracker?token={self.token}")
        assert status == 200, (status, raw[:500])
        return json.loads(raw)


def texts(messages: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def customs(messages: List[dict]) -> List[dict]:
    return [m["custom"] for m in messages if m.get("custom")]
