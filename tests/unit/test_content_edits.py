"""A clinic's legitimate edit must not turn `make test` red.

The tests that depend on the clinic's content derive what they expect from the
loaded clinic file. This runs them against an edited copy (makeup from day 6,
another phone number, another timezone): they must stay green."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

from clinicbot.content import CONTENT_PATH_ENV, DEFAULT_CONTENT_PATH, load_content

from clinicbot.paths import PROJECT_ROOT as ROOT
CONTENT_DEPENDENT_TESTS = ["tests/unit/test_timeline.py", "tests/unit/test_actions.py",
                           "tests/unit/test_understanding.py", "tests/unit/test_content.py",
                           "tests/unit/test_opening_hours.py"]


def edited_clinic_file(tmp_path: Path) -> Path:
    data = yaml.safe_load(DEFAULT_CONTENT_PATH.read_text(encoding="utf-8"))
    data["milestones"]["makeup_allowed"]["day"] += 1
    data["clinic"]["phone"] = "0161 496 0734"
    data["clinic"]["timezone"] = ("Australia/Sydney" if data["clinic"]["timezone"] != "Australia/Sydney"
                                  else "America/New_York")
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_content_dependent_tests_pass_on_an_edited_clinic_file(tmp_path):
    edited = edited_clinic_file(tmp_path)
    original, changed = load_content(), load_content(edited)
    assert changed.milestones["makeup_allowed"].day == original.milestones["makeup_allowed"].day + 1
    assert changed.clinic.phone != original.clinic.phone and changed.tz != original.tz

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CONTENT_DEPENDENT_TESTS],
        cwd=ROOT, env={**os.environ, CONTENT_PATH_ENV: str(edited)},
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
