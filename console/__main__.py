"""Command line: python -m console {serve,migrate,create-admin,create-user,set-password,purge,erase,reconcile-erasures}."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from typing import List, Optional

from console.config import ConfigError, ConsoleSettings, serve_options


def _password(env_name: str) -> str:
    password = os.environ.get(env_name)
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit(f"error: no password: set {env_name} or run in a terminal to be asked")
    first = getpass.getpass("Password (12+ characters): ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("error: the passwords differ")
    return first


def _staff(settings: ConsoleSettings):
    from console import staff_db

    engine = staff_db.make_staff_engine(settings.staff_db_url)
    staff_db.migrate(engine)
    return engine


def cmd_serve(args, settings: ConsoleSettings) -> int:
    from waitress import serve

    from console.web import create_app

    app = create_app(settings, run_migrations=True)
    reconcile_at_start(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Staff console: http://{host}:{port}/  (tracker store: "
          f"{settings.tracker_db_url.get_backend_name()}, staff db: "
          f"{settings.staff_db_url.get_backend_name()})", flush=True)
    if args.threads:
        settings.threads = args.threads
    serve(app, host=host, port=port,
          **serve_options(settings, max_body_bytes=app.config["MAX_CONTENT_LENGTH"]))
    return 0


def cmd_migrate(args, settings: ConsoleSettings) -> int:
    _staff(settings)
    print("Staff database is up to date.")
    return 0


def cmd_create_user(args, settings: ConsoleSettings, role: Optional[str] = None) -> int:
    from console import staff_db

    engine = _staff(settings)
    role = role or args.role
    env_name = "STAFF_ADMIN_PASSWORD" if role == "admin" and args.command == "create-admin" \
        else "STAFF_USER_PASSWORD"
    try:
        user = staff_db.create_user(engine, args.username, _password(env_name), role)
    except staff_db.UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    staff_db.audit(engine, "user_created", "cli", None, user.username, {"role_given": role})
    print(f"Created {user.role} {user.username}.")
    return 0


def cmd_set_password(args, settings: ConsoleSettings) -> int:
    from console import staff_db

    engine = _staff(settings)
    try:
        staff_db.set_password(engine, args.username, _password("STAFF_USER_PASSWORD"))
    except staff_db.UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    staff_db.audit(engine, "password_set", "cli", None, args.username)
    print(f"Password changed for {args.username}; their sessions were ended.")
    return 0


def cmd_purge(args, settings: ConsoleSettings) -> int:
    from console import erasure, staff_db, tracker

    days = args.older_than_days if args.older_than_days is not None else settings.retention_days
    if days is None:
        print("error: give --older-than-days N or set RETENTION_DAYS", file=sys.stderr)
        return 2
    if days < 1:
        print("error: --older-than-days must be at least 1", file=sys.stderr)
        return 2
    engine = staff_db.make_engine(settings.tracker_db_url)
    staff = _staff(settings)
    if not tracker.has_events_table(engine):
        print("The tracker store has no events table; nothing to purge.")
        return 0
    cutoff = time.time() - days * 86400
    senders = tracker.senders_inactive_since(engine, cutoff)
    if args.dry_run:
        print(f"Would purge {len(senders)} conversation(s) with no activity in the last {days} days.")
        return 0
    deleted = tracker.purge_senders(engine, senders)
    purged = erasure.erase_console_copies(staff, senders, settings.retrain_root,
                                          settings.erasure_key, settings.phone_region)
    notes = purged.console_rows_deleted
    # Console notes on conversations deleted elsewhere (a patient's own deletion while
    # the staff database was unreachable).
    orphans = _reconcile(settings, engine, staff)
    orphan_rows = sum(e.console_rows_deleted for e in orphans.values())
    staff_db.audit(staff, "purge", "cli", None, None,
                {"older_than_days": days, "conversations": len(senders), "events_deleted": deleted,
                 "console_rows_deleted": notes, "orphaned_conversations": len(orphans),
                 "orphaned_console_rows_deleted": orphan_rows,
                 "training_examples_removed": purged.training_examples_removed})
    print(f"Purged {len(senders)} conversation(s) with no activity in the last {days} days "
          f"({deleted} events, {notes} console records); removed console records of "
          f"{len(orphans)} conversation(s) deleted elsewhere ({orphan_rows} records).")
    return 0


def _reconcile(settings: ConsoleSettings, engine, staff):
    from console import erasure, tracker

    # An empty tracker store is more likely a wrong TRACKER_DB_URL than every patient
    # having deleted their conversation: erase nothing on that evidence.
    if not tracker.has_events_table(engine) or not tracker.has_any_events(engine):
        return {}
    return erasure.reconcile(staff, lambda senders: tracker.existing_senders(engine, senders),
                             settings.retrain_root, settings.erasure_key, settings.phone_region,
                             erasure.pending_file())


def cmd_reconcile_erasures(args, settings: ConsoleSettings) -> int:
    from console import staff_db

    done = _reconcile(settings, staff_db.make_engine(settings.tracker_db_url), _staff(settings))
    print(f"Finished the erasure of {len(done)} conversation(s) already deleted from the "
          f"tracker store ({sum(e.console_rows_deleted for e in done.values())} console records).")
    return 0


def reconcile_at_start(settings: ConsoleSettings) -> None:
    """Start-up must not fail because the tracker store is away: it is logged and
    `purge` or `reconcile-erasures` finishes it later."""
    from console import staff_db

    try:
        done = _reconcile(settings, staff_db.make_engine(settings.tracker_db_url),
                          _staff(settings))
    except Exception:
        logging.getLogger(__name__).exception("could not finish pending erasures at start-up")
        return
    if done:
        print(f"Finished the erasure of {len(done)} conversation(s) deleted while the "
              "staff database was unreachable.", flush=True)


def cmd_erase(args, settings: ConsoleSettings) -> int:
    from console import erasure, staff_db, tracker

    engine = staff_db.make_engine(settings.tracker_db_url)
    staff = _staff(settings)
    deleted = tracker.erase_conversation(engine, args.sender_id)
    erased = erasure.erase_console_copies(staff, [args.sender_id], settings.retrain_root,
                                          settings.erasure_key, settings.phone_region)
    staff_db.audit(staff, "erase_conversation", "cli", None,
                   erasure.pseudonym(args.sender_id, settings.erasure_key),
                   {"events_deleted": deleted, **erasure.summary(erased)})
    print(f"Erased {deleted} events and {erased.console_rows_deleted} console records for "
          f"that sender; {erased.training_examples_removed} of its messages removed from "
          "the training sources.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description="Clinic staff console")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the staff database and start the web console")
    serve.add_argument("--host", help="default STAFF_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default STAFF_PORT or 8081")
    serve.add_argument("--threads", type=int, help="default STAFF_THREADS or 8")
    sub.add_parser("migrate", help="create/upgrade the staff database tables")
    admin = sub.add_parser("create-admin", help="create an administrator "
                                                "(password: STAFF_ADMIN_PASSWORD or prompt)")
    admin.add_argument("--username", required=True)
    user = sub.add_parser("create-user", help="create a user (password: STAFF_USER_PASSWORD or prompt)")
    user.add_argument("--username", required=True)
    user.add_argument("--role", choices=("reviewer", "admin"), default="reviewer")
    password = sub.add_parser("set-password", help="set a user's password "
                                                   "(STAFF_USER_PASSWORD or prompt)")
    password.add_argument("--username", required=True)
    purge = sub.add_parser("purge", help="delete conversations with no activity for N days")
    purge.add_argument("--older-than-days", type=int, help="default RETENTION_DAYS")
    purge.add_argument("--dry-run", action="store_true", help="only count")
    erase = sub.add_parser("erase", help="erase one sender's conversation and console data")
    erase.add_argument("--sender-id", required=True)
    sub.add_parser("reconcile-erasures", help="finish erasing console data of conversations "
                                              "already deleted from the tracker store")
    args = parser.parse_args(argv)

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from clinicbot.content import ContentError

    try:
        settings = ConsoleSettings.from_env(need_secret=args.command == "serve")
    except (ConfigError, ContentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    handlers = {"serve": cmd_serve, "migrate": cmd_migrate, "create-user": cmd_create_user,
                "set-password": cmd_set_password, "purge": cmd_purge, "erase": cmd_erase,
                "reconcile-erasures": cmd_reconcile_erasures,
                "create-admin": lambda a, s: cmd_create_user(a, s, role="admin")}
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
