"""Command line: python -m console {serve,migrate,create-admin,create-user,set-password,purge,erase}."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from typing import List, Optional

from console.config import ConfigError, ConsoleSettings


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
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Staff console: http://{host}:{port}/  (tracker store: "
          f"{settings.tracker_db_url.get_backend_name()}, staff db: "
          f"{settings.staff_db_url.get_backend_name()})", flush=True)
    serve(app, host=host, port=port, threads=args.threads, ident="clinic-console",
          clear_untrusted_proxy_headers=not settings.trust_proxy)
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
    from console import staff_db, tracker

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
    notes = staff_db.erase_senders(staff, senders)
    # Console notes on conversations deleted elsewhere (e.g. the patient's own
    # "delete my conversation", which only calls console.erase_conversation).
    noted = staff_db.senders_with_console_data(staff)
    orphans = sorted(noted - tracker.existing_senders(engine, noted))
    orphan_rows = staff_db.erase_senders(staff, orphans)
    staff_db.audit(staff, "purge", "cli", None, None,
                {"older_than_days": days, "conversations": len(senders), "events_deleted": deleted,
                 "console_rows_deleted": notes, "orphaned_conversations": len(orphans),
                 "orphaned_console_rows_deleted": orphan_rows})
    print(f"Purged {len(senders)} conversation(s) with no activity in the last {days} days "
          f"({deleted} events, {notes} console records); removed console records of "
          f"{len(orphans)} conversation(s) deleted elsewhere ({orphan_rows} records).")
    return 0


def cmd_erase(args, settings: ConsoleSettings) -> int:
    from console import staff_db, tracker

    engine = staff_db.make_engine(settings.tracker_db_url)
    staff = _staff(settings)
    deleted = tracker.erase_conversation(engine, args.sender_id)
    notes = staff_db.erase_sender(staff, args.sender_id)
    staff_db.audit(staff, "erase_conversation", "cli", None, args.sender_id,
                {"events_deleted": deleted, "console_rows_deleted": notes})
    print(f"Erased {deleted} events and {notes} console records for that sender.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description="Clinic staff console")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the staff database and start the web console")
    serve.add_argument("--host", help="default STAFF_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default STAFF_PORT or 8081")
    serve.add_argument("--threads", type=int, default=8)
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
                "create-admin": lambda a, s: cmd_create_user(a, s, role="admin")}
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
