"""Slow and silent clients against a real widget/serve.py: each read has a
timeout and the threads are capped (WEBCHAT_READ_TIMEOUT, WEBCHAT_MAX_CONNECTIONS),
kept short here so the test runs in seconds."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests

from tests.slow_clients import closed_by_server, half_open
from tests.widget.support import WidgetServer

pytestmark = pytest.mark.servers

READ_TIMEOUT = 2
MAX_CONNECTIONS = 20
PARTIAL_REQUEST = b"GET /clinic-chat.js HT"  # what every second slow client sends


@pytest.fixture(scope="module")
def limited_widget(tmp_path_factory) -> Iterator[WidgetServer]:
    server = WidgetServer(
        tmp_path_factory.mktemp("widget-limits"),
        {
            "WEBCHAT_BOT_URL": "http://127.0.0.1:5999",
            "WEBCHAT_READ_TIMEOUT": str(READ_TIMEOUT),
            "WEBCHAT_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        },
    ).start()
    yield server
    server.stop()


def get_page(server: WidgetServer) -> requests.Response:
    return requests.get(server.url + "/widget-config.json", timeout=10)


def test_slow_clients_are_cut_off_after_the_read_timeout(limited_widget):
    with half_open(limited_widget.port, MAX_CONNECTIONS // 2, PARTIAL_REQUEST) as slow:
        started = time.monotonic()
        assert get_page(limited_widget).status_code == 200  # threads to spare
        assert time.monotonic() - started < 1
        assert all(closed_by_server(sock, seconds=READ_TIMEOUT + 3) for sock in slow)
        assert time.monotonic() - started < READ_TIMEOUT + 3


def test_above_the_cap_a_client_is_told_busy_at_once_and_served_once_slots_free(limited_widget):
    with half_open(limited_widget.port, MAX_CONNECTIONS, PARTIAL_REQUEST) as slow:
        time.sleep(0.3)  # all of them accepted, each holding a thread
        started = time.monotonic()
        busy = get_page(limited_widget)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 1
        assert all(closed_by_server(sock, seconds=READ_TIMEOUT + 3) for sock in slow)
        assert get_page(limited_widget).status_code == 200


def test_a_bad_setting_is_refused_at_start(tmp_path):
    server = WidgetServer(tmp_path, {"WEBCHAT_READ_TIMEOUT": "soon"})
    with pytest.raises(RuntimeError, match="WEBCHAT_READ_TIMEOUT must be a number"):
        server.start()
