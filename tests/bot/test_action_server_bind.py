"""The action server has no authentication, so by default it listens on loopback only."""
import socket
import tempfile
from pathlib import Path

import pytest
import requests

from harness.servers import Bot

pytestmark = pytest.mark.servers


def non_loopback_address() -> str:
    # The address this machine would use to reach the outside; no packet is sent.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]
    except OSError:
        return ""
    finally:
        probe.close()


@pytest.fixture(scope="module")
def actions_only():
    bot = Bot(Path(tempfile.mkdtemp()))
    bot.start_actions()
    yield bot
    bot.stop()


def test_action_server_answers_on_loopback(actions_only):
    assert requests.get(f"http://127.0.0.1:{actions_only.actions_port}/health", timeout=5).ok


def test_action_server_is_not_reachable_from_the_network(actions_only):
    address = non_loopback_address()
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{address}:{actions_only.actions_port}/health", timeout=5)
