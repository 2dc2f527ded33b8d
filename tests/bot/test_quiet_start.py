"""`make run` starts quietly (scripts/run.sh): no library deprecation notices
or INFO logs, just where the service is; VERBOSE=1 shows them all."""

from pathlib import Path

import pytest

from harness.servers import Service, free_port, wait_until_up

pytestmark = pytest.mark.servers


def action_server_output(work_dir: Path, verbose: str) -> str:
    """Everything the action server printed while starting, as `make run` starts it."""
    port = free_port()
    service = Service("actions", {"ACTIONS_PORT": str(port), "VERBOSE": verbose}, work_dir)
    service.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", service)
    finally:
        service.stop()
    return service.log_path.read_text(errors="replace")


def test_the_action_server_starts_quietly_by_default(tmp_path):
    output = action_server_output(tmp_path, verbose="0")
    assert "Action server: http://127.0.0.1:" in output
    assert "Warning" not in output, output
    assert " INFO " not in output, output


def test_verbose_shows_the_logs_and_the_library_warnings(tmp_path):
    output = action_server_output(tmp_path, verbose="1")
    assert "Registered function for 'action_recovery_answer'" in output, output
    assert "DeprecationWarning" in output, output
