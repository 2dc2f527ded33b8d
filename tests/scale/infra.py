"""Real PostgreSQL, Redis and nginx on loopback for the scale-out tests.

Debian's packages, started as throwaway servers in a temp folder on free
ports; the machine's own services are not touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from deploy.render_nginx import render
from harness.servers import free_port


def _as_postgres_user(command: Sequence[str]) -> List[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {seconds} s")


class Postgres:
    def __init__(self, work_dir: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries missing: apt-get install -y postgresql")
        self.bin = Path(found[-1]).parent
        # Not under pytest's folders: they are private to root, and the server
        # runs as the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="clinicbot-pg-"))
        self.port = free_port()
        self.url = f"postgresql://rasa@127.0.0.1:{self.port}/clinicbot"

    def _run(self, *command: str) -> None:
        subprocess.run(_as_postgres_user(command), check=True, capture_output=True, timeout=120)

    def init(self) -> "Postgres":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-U",
            "rasa",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "rasa", "clinicbot"
        )
        return self

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres_user(
                [str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"]
            ),
            capture_output=True,
            timeout=120,
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, sql: str, **params):
        import sqlalchemy as sa

        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).fetchall()
        finally:
            engine.dispose()


class Redis:
    def __init__(self, work_dir: Path) -> None:
        self.port = free_port()
        self.dir = work_dir / "redis"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Redis":
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=open(self.dir / "log", "ab"),
            stderr=subprocess.STDOUT,
        )
        _wait_for(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ),
            "redis",
        )
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)


class Nginx:
    """nginx on a free port; `render_config(prefix, port)` gives another config than Rasa's."""

    def __init__(
        self,
        work_dir: Path,
        upstream_ports: Sequence[int],
        render_config: Optional[Callable[[Path, int], str]] = None,
    ) -> None:
        self.render_config = render_config
        self.prefix = work_dir / "nginx"
        self.port = free_port()
        self.upstreams = [f"127.0.0.1:{port}" for port in upstream_ports]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Nginx":
        self.prefix.mkdir(parents=True, exist_ok=True)
        config = self.prefix / "nginx.conf"
        config.write_text(
            self.render_config(self.prefix, self.port)
            if self.render_config
            # the tests' messages are made up; they check who served whom
            else render(self.prefix, self.port, self.upstreams, log_request_bodies=True)
        )
        self.process = subprocess.Popen(
            ["nginx", "-c", str(config), "-p", str(self.prefix), "-g", "daemon off;"],
            stdout=open(self.prefix / "stdout.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        _wait_for(lambda: (self.prefix / "nginx.pid").exists(), "nginx")
        return self

    def access_log(self) -> List[dict]:
        import json

        path = self.prefix / "access.log"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)


def spooled_turns(service):
    path = service.log_path.parent / "spool.db"
    if not path.exists():
        return None
    with sqlite3.connect(str(path)) as connection:
        return connection.execute("select count(*) from spooled_turns").fetchone()[0]


def wait_until_spools_are_written_back(cluster, seconds=60):
    """Instances write spooled turns back within a few seconds of the database's return."""
    deadline = time.time() + seconds
    while any(spooled_turns(service) for service in cluster.instances) and time.time() < deadline:
        time.sleep(0.5)
    assert [spooled_turns(service) for service in cluster.instances] == [0, 0]
