"""Start-up checks that turn a misconfiguration into one clear sentence.

Rasa reports an unreachable tracker database as a long stack trace while
loading the model; this names the setting to fix before Rasa starts.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import make_url

SETTING = "TRACKER_DB_URL"


def redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported as such below
        return "<unparsable URL>"


def tracker_store_problem(url: Optional[str], timeout_seconds: int = 5) -> Optional[str]:
    """None when the tracker database answers, else what is wrong."""
    if not url:
        return f"{SETTING} is not set"
    try:
        parsed = make_url(url)
    except Exception:
        return f"{SETTING} is not a database URL (expected e.g. postgresql://user:pw@host/db)"
    connect_args = {"connect_timeout": timeout_seconds} if parsed.get_backend_name() == "postgresql" else {}
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as error:  # any driver error means Rasa could not start either
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        return f"cannot reach the tracker store database {redacted(url)} ({SETTING}): {reason}"
    return None


if __name__ == "__main__":
    problem = tracker_store_problem(os.environ.get(SETTING))
    if problem:
        sys.exit(f"error: {problem}")
