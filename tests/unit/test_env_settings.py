"""clinicbot/env_settings.py: the numeric settings of the alerts worker, the console and the widget server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from alerts.settings import _number as alerts_number
from clinicbot.alerts import AlertConfigError
from clinicbot.env_settings import number_setting
from clinicbot.paths import PROJECT_ROOT
from console.config import ConfigError
from console.config import _number as console_number


class ClinicSettingError(ValueError):
    pass


@pytest.mark.parametrize("env", [{}, {"LIMIT": ""}, {"LIMIT": "   "}])
def test_a_missing_or_blank_setting_is_the_default(env):
    assert number_setting(env, "LIMIT", 64, at_least=1) == 64


def test_the_default_is_returned_as_given_even_outside_the_bounds():
    assert number_setting({}, "LIMIT", 0, above=0) == 0


@pytest.mark.parametrize("raw, value", [("5", 5.0), (" 2.5 ", 2.5), ("1e3", 1000.0), ("-0", 0.0)])
def test_a_number_is_read_as_a_float(raw, value):
    assert number_setting({"LIMIT": raw}, "LIMIT", 64) == value


@pytest.mark.parametrize("raw", ["soon", "10s", "1,5", "0x10"])
def test_a_value_that_is_not_a_number_names_the_setting_and_the_value(raw):
    with pytest.raises(ClinicSettingError) as refused:
        number_setting({"LIMIT": raw}, "LIMIT", 64, at_least=1, error=ClinicSettingError)
    assert str(refused.value) == f"LIMIT must be a number, got {raw!r}"


@pytest.mark.parametrize(
    "bounds, raw, wording",
    [
        ({"at_least": 0.05, "at_most": 60}, "0", "between 0.05 and 60"),
        ({"at_least": 0.05, "at_most": 60}, "61", "between 0.05 and 60"),
        ({"at_least": 1}, "0.5", "at least 1"),
        ({"at_least": 0.01}, "0", "at least 0.01"),
        ({"above": 0}, "0", "more than 0"),
        ({"above": 0}, "-3", "more than 0"),
        ({"at_most": 5}, "6", "at most 5"),
        ({"above": 0, "at_most": 5}, "0", "more than 0 and at most 5"),
    ],
)
def test_a_value_out_of_range_says_what_it_must_be(bounds, raw, wording):
    with pytest.raises(ValueError) as refused:
        number_setting({"LIMIT": raw}, "LIMIT", 1, **bounds)
    assert str(refused.value) == f"LIMIT must be {wording}, got {raw!r}"


@pytest.mark.parametrize(
    "bounds, raw",
    [
        ({"at_least": 0.05, "at_most": 60}, "0.05"),
        ({"at_least": 0.05, "at_most": 60}, "60"),
        ({"at_least": 1}, "1"),
        ({"above": 0}, "0.001"),
        ({"at_least": 1}, "inf"),  # no upper bound given: as the console always allowed
    ],
)
def test_the_bounds_at_least_and_at_most_are_inclusive(bounds, raw):
    assert number_setting({"LIMIT": raw}, "LIMIT", 1, **bounds) == float(raw)


@pytest.mark.parametrize("bounds", [{"at_least": 1}, {"above": 0}, {"at_least": 0.05, "at_most": 60}])
def test_nan_is_never_within_bounds(bounds):
    with pytest.raises(ValueError, match="got 'nan'"):
        number_setting({"LIMIT": "nan"}, "LIMIT", 1, **bounds)


def test_the_alerts_worker_and_the_console_raise_their_own_errors_with_the_same_wording():
    with pytest.raises(AlertConfigError, match=r"^ALERTS_POLL_SECONDS must be between 0.05 and 60, got '0'$"):
        alerts_number({"ALERTS_POLL_SECONDS": "0"}, "ALERTS_POLL_SECONDS", 2.0, 0.05, 60)
    with pytest.raises(AlertConfigError, match=r"^SMTP_PORT must be a number, got 'eighty'$"):
        alerts_number({"SMTP_PORT": "eighty"}, "SMTP_PORT", 587, 1, 65535)
    with pytest.raises(ConfigError, match=r"^STAFF_CONNECTION_LIMIT must be at least 10, got '5'$"):
        console_number({"STAFF_CONNECTION_LIMIT": "5"}, "STAFF_CONNECTION_LIMIT", 500, 10)
    with pytest.raises(ConfigError, match=r"^STAFF_IDLE_MINUTES must be a number, got 'half an hour'$"):
        console_number({"STAFF_IDLE_MINUTES": "half an hour"}, "STAFF_IDLE_MINUTES", 30, 0.01)
    assert console_number({}, "STAFF_PORT", 8081, 1) == 8081


@pytest.mark.parametrize(
    "name, raw, message",
    [
        ("WEBCHAT_READ_TIMEOUT", "soon", "WEBCHAT_READ_TIMEOUT must be a number, got 'soon'"),
        ("WEBCHAT_MAX_CONNECTIONS", "0", "WEBCHAT_MAX_CONNECTIONS must be more than 0, got '0'"),
    ],
)
def test_the_widget_server_refuses_a_bad_limit_before_it_listens(name, raw, message):
    env = {**os.environ, name: raw, "WEBCHAT_PORT": "0"}
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "widget" / "serve.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout
    assert done.stderr.strip() == f"error: {message}"
