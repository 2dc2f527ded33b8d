"""Half-open connections against a real `python -m console serve`.

Waitress's defaults (100 connections, 120 s idle timeout) let 101 such
connections lock staff out; the console's own settings (console/config.py)
are used here with short timeouts so the test runs in seconds.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests

from deploy.render_nginx import render_site
from tests.console.conftest import ConsoleServer
from tests.scale.infra import Nginx
from tests.slow_clients import closed_by_server, half_open

pytestmark = pytest.mark.servers

CONNECTION_LIMIT = 120
CHANNEL_TIMEOUT = 3
CLEANUP_INTERVAL = 1
PARTIAL_REQUEST = b"GET /login HT"  # what every second half-open connection sends


@pytest.fixture(scope="module")
def limited_console(tmp_path_factory) -> Iterator[ConsoleServer]:
    work = tmp_path_factory.mktemp("limited-console")
    server = ConsoleServer(
        "limited", f"sqlite:///{work / 'tracker.db'}", f"sqlite:///{work / 'staff.db'}", work
    )
    server.env.update(
        STAFF_CONNECTION_LIMIT=str(CONNECTION_LIMIT),
        STAFF_CHANNEL_TIMEOUT=str(CHANNEL_TIMEOUT),
        STAFF_CLEANUP_INTERVAL=str(CLEANUP_INTERVAL),
    )
    yield server.start()
    server.stop()


def staff_request_seconds(server: ConsoleServer, timeout: float) -> float:
    started = time.monotonic()
    response = requests.get(server.url + "/login", timeout=timeout)
    assert response.status_code == 200, response.text[:300]
    return time.monotonic() - started


def test_more_half_open_connections_than_waitress_default_do_not_lock_staff_out(limited_console):
    with half_open(limited_console.port, 110, PARTIAL_REQUEST):  # waitress's default limit is 100
        time.sleep(0.3)  # let the server accept them all
        # Well inside the idle timeout: served at once, not after idle ones are closed.
        assert staff_request_seconds(limited_console, timeout=10) < 1


def test_idle_connections_beyond_the_limit_are_closed_and_staff_get_in(limited_console):
    with half_open(limited_console.port, CONNECTION_LIMIT + 10, PARTIAL_REQUEST) as idle:
        time.sleep(0.5)
        # Over the limit the staff request waits in the listen queue until the
        # idle ones ahead of it time out, about two timeouts at most.
        waited = staff_request_seconds(limited_console, timeout=30)
        assert waited < 2 * (CHANNEL_TIMEOUT + CLEANUP_INTERVAL) + 4, waited
        still_open = [sock for sock in idle if not closed_by_server(sock, seconds=0.2)]
        assert not still_open or all(
            closed_by_server(sock, seconds=CHANNEL_TIMEOUT + 3) for sock in still_open
        )


def test_a_request_header_over_the_cap_is_refused(limited_console):
    response = requests.get(limited_console.url + "/login", headers={"X-Padding": "a" * 40_000}, timeout=10)
    assert response.status_code == 431, response.status_code


@pytest.fixture(scope="module")
def console_behind_nginx(limited_console, tmp_path_factory) -> Iterator[Nginx]:
    """deploy/nginx-console.conf.template in front, with a 2 s header timeout."""

    def config(prefix, port):
        return render_site(
            "console",
            prefix,
            port,
            f"127.0.0.1:{limited_console.port}",
            header_timeout="2s",
            body_timeout="2s",
        )

    nginx = Nginx(tmp_path_factory.mktemp("console-nginx"), [], render_config=config).start()
    yield nginx
    nginx.stop()


def test_nginx_cuts_off_a_client_that_trickles_its_request_head(console_behind_nginx):
    """A byte a second keeps waitress's idle timer from ever firing; nginx's
    client_header_timeout counts from the first byte and ends it."""
    with half_open(console_behind_nginx.port, 20, PARTIAL_REQUEST) as slow:
        started = time.monotonic()
        cut_off = set()
        while time.monotonic() - started < 6 and len(cut_off) < len(slow):
            for sock in slow:
                if sock in cut_off:
                    continue
                try:
                    sock.sendall(b"X")
                except OSError:
                    cut_off.add(sock)
                    continue
                if closed_by_server(sock, seconds=0.01):
                    cut_off.add(sock)
            time.sleep(0.5)
        assert len(cut_off) == len(slow), f"{len(slow) - len(cut_off)} still open after 6 s"
        response = requests.get(console_behind_nginx.url + "/login", timeout=10)
        assert response.status_code == 200 and "csrf_token" in response.text


def test_nginx_refuses_a_body_over_the_console_cap(console_behind_nginx):
    response = requests.post(console_behind_nginx.url + "/login", data=b"a" * 300_000, timeout=10)
    assert response.status_code == 413
