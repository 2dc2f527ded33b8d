"""Test helpers for the chat widget: widget/serve.py as a subprocess and a
TCP proxy in front of the bot that can be switched off and on."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Optional, Set

from clinicbot.paths import PROJECT_ROOT as ROOT
from harness.servers import free_port, stop_process, wait_for_http

SERVE = ROOT / "widget" / "serve.py"


class WidgetServer:
    """`python widget/serve.py` on a free port."""

    def __init__(self, log_dir: Path, env: Optional[Dict[str, str]] = None,
                 port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.env = {"WEBCHAT_HOST": "127.0.0.1", "WEBCHAT_PORT": str(self.port), **(env or {})}
        self.log_path = log_dir / f"widget-{self.port}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "WidgetServer":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, str(SERVE)], cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT,
                                        env={**os.environ, "PYTHONPATH": str(ROOT), **self.env})
        wait_for_http(self.url + "/", self.process, self.log_path, "serve.py", seconds=30)
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=10)
        self.process = None


class TcpProxy:
    """Forwards 127.0.0.1:port to a target port. stop() closes the port and
    every open connection (the browser then gets 'connection refused'), start()
    opens it again: a cheap, real 'bot down, bot back' without restarting Rasa."""

    def __init__(self, target_port: int, port: Optional[int] = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._listener: Optional[socket.socket] = None
        self._stop = threading.Event()
        self._connections: Set[socket.socket] = set()
        self._lock = threading.Lock()
        self.accepted = 0
        self.delay = 0.0  # seconds to hold each chunk the browser sends (a slow bot)

    def start(self) -> "TcpProxy":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener, self._stop = listener, threading.Event()
        threading.Thread(target=self._accept, args=(listener, self._stop), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            with self._lock:
                self.accepted += 1
                self._connections.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()
        listener.close()

    def _pipe(self, source: socket.socket, target: socket.socket, from_browser: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_browser and self.delay:
                    time.sleep(self.delay)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            self._close(sock)
        # The port must refuse connections before the caller goes on.
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.05)
        raise RuntimeError("proxy port still accepts connections")
