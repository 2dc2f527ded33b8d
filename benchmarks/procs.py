"""Process-level measurements and the stock `rasa init` reference assistant."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from clinicbot.paths import PROJECT_ROOT
from harness.servers import free_port

RASA_BIN = PROJECT_ROOT / ".venv" / "bin" / "rasa"
STARTUP_TIMEOUT_S = 300


def group_pids(pgid: int) -> List[int]:
    """Every live process whose process group is pgid."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # state, ppid, pgrp
            pids.append(int(entry))
    return pids


def group_rss_mib(pgid: int) -> float:
    """Sum of VmRSS over the process group, in MiB."""
    total_kib = 0
    for pid in group_pids(pgid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024.0


def group_cpu_seconds(pgid: int) -> float:
    """utime + stime of the group's live processes (seconds)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in group_pids(pgid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def http_status(method: str, url: str, timeout: float = 5) -> Optional[int]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method),
                                    timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_listening(url: str, process: subprocess.Popen, log: Path, poll_s: float = 0.1) -> None:
    """Until GET url answers 200 (the REST channel's GET /webhooks/rest/ health)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited during start-up:\n{tail(log)}")
        if http_status("GET", url) == 200:
            return
        time.sleep(poll_s)
    raise RuntimeError(f"server did not start in {STARTUP_TIMEOUT_S}s:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop_group(process: Optional[subprocess.Popen]) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


OUR_PGIDS = {os.getpgid(0)}  # this process's group and the servers it starts


def other_rasa_processes() -> List[str]:
    """Rasa processes not started by this benchmark (they compete for the CPU)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            if "rasa" in cmd and os.getpgid(int(pid)) not in OUR_PGIDS:
                found.append(f"{pid}: {cmd[:110]}")
        except (OSError, ProcessLookupError):
            continue
    return found


class CompetitionWatch(threading.Thread):
    """Samples /proc every few seconds for the whole run and adds up the CPU time
    used by processes that are not ours (e.g. a `rasa train` or a test suite
    started meanwhile), which would slow the figures down."""

    def __init__(self, every_s: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.every_s = every_s
        self._halt = threading.Event()
        self._first: Dict[int, int] = {}
        self._last: Dict[int, int] = {}
        self._cmd: Dict[int, str] = {}
        self._initial = True
        self._began = time.monotonic()
        self._ticks = os.sysconf("SC_CLK_TCK")

    def _sample(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                fields = stat[stat.rfind(")") + 2:].split()
                if int(fields[2]) in OUR_PGIDS:
                    continue
                ticks = int(fields[11]) + int(fields[12])
                if pid not in self._first:
                    # processes already running at the start count from there on;
                    # processes started during the run count in full
                    self._first[pid] = ticks if self._initial else 0
                    self._cmd[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes()
                                      .replace(b"\0", b" ").decode(errors="replace").strip()
                                      or stat[stat.find("(") + 1:stat.rfind(")")])
                self._last[pid] = ticks
            except (OSError, ValueError, IndexError):
                continue
        self._initial = False

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(self.every_s)

    def stop(self) -> Dict[str, object]:
        self._halt.set()
        self.join(timeout=10)
        self._sample()
        used = {pid: (self._last[pid] - self._first[pid]) / self._ticks for pid in self._last}
        total = sum(used.values())
        wall = time.monotonic() - self._began
        top = sorted(used.items(), key=lambda kv: -kv[1])[:5]
        return {"cpu_s": total, "share_of_machine": total / (wall * (os.cpu_count() or 1)),
                "top": [f"{' '.join(self._cmd[pid].split())[:100]} ({seconds:.0f} CPU-s)"
                        for pid, seconds in top if seconds >= 1]}


def rasa_train_running() -> bool:
    return subprocess.run(["pgrep", "-f", "rasa train"], capture_output=True).returncode == 0


class StockAssistant:
    """`rasa init` in a temporary folder, served by `rasa run` (in-memory tracker
    store, no action server: the stock assistant has no custom action)."""

    def __init__(self, work_dir: Path, env: Dict[str, str]) -> None:
        self.dir = work_dir / "stock"
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None
        self.log = work_dir / "stock-rasa.log"
        self.model: Optional[Path] = None

    def init_and_train(self) -> float:
        """Runs `rasa init --no-prompt` (creates the project and trains it); seconds."""
        self.dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open(self.dir.parent / "stock-init.log", "wb") as log:
            result = subprocess.run([str(RASA_BIN), "init", "--no-prompt", "--init-dir",
                                     str(self.dir)], cwd=self.dir.parent, stdout=log,
                                    stderr=subprocess.STDOUT, env=self.env)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError("rasa init failed:\n" + tail(self.dir.parent / "stock-init.log"))
        self.model = self.find_model()
        return seconds

    def find_model(self) -> Path:
        models = sorted((self.dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not models:
            raise RuntimeError(f"no model in {self.dir / 'models'}")
        return models[-1]

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(RASA_BIN), "run", "--model", str(self.model), "--port", str(self.port),
             "--interface", "127.0.0.1", "--enable-api"],
            cwd=self.dir, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, env=self.env,
            start_new_session=True)
        OUR_PGIDS.add(self.process.pid)

    @property
    def running(self) -> subprocess.Popen:
        """The started `rasa run`; an error before start()."""
        if self.process is None:
            raise RuntimeError("the stock assistant has not been started")
        return self.process

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None
