"""python -m alerts [run|check]: the red-flag alerts worker (README "Red-flag alerts")."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from typing import List, Optional

from alerts.settings import WorkerSettings
from clinicbot.alerts import AlertConfigError
from clinicbot.content import ContentError, load_content

MIGRATION_ATTEMPTS = 30


def load_settings() -> WorkerSettings:
    return WorkerSettings.from_env(load_content())


def migrate(engine) -> None:
    """The staff tables, made by whichever of the console and the worker starts first; a
    clash between the two (both creating a table) is retried, the loser then finds it done."""
    from sqlalchemy.exc import SQLAlchemyError

    from console import staff_db as store

    for attempt in range(MIGRATION_ATTEMPTS):
        try:
            store.migrate(engine)
            return
        except SQLAlchemyError:
            if attempt == MIGRATION_ATTEMPTS - 1:
                raise
            time.sleep(1)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alerts", description="Red-flag alerts to the clinic's on-call staff"
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "check"),
        help="run the worker (default), or only check the settings",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except (AlertConfigError, ContentError) as error:
        print(f"error: alerts: {error}", file=sys.stderr)
        return 2
    if args.command == "check":
        print(f"Alert settings are usable: channels {', '.join(settings.alerts.channels) or 'none'}.")
        return 0

    from console.staff_db import make_engine, make_staff_engine

    from alerts.worker import Worker

    staff = make_staff_engine(settings.staff_db_url)
    migrate(staff)
    worker = Worker(settings, make_engine(settings.tracker_db_url), staff)

    def stop(_signum, _frame) -> None:
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
