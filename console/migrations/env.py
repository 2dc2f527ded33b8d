"""Alembic environment for the console's own database (STAFF_DB_URL).

Normally run through `python -m console migrate` (or automatically by
`python -m console serve`), which passes an open connection. With the alembic
CLI: `alembic -c console/alembic.ini upgrade head` reads STAFF_DB_URL.
"""
from alembic import context
from sqlalchemy import create_engine

from console.staff_tables import metadata

config = context.config


def _url():
    from console.config import VAR, resolve_db_url
    import os

    return resolve_db_url(os.environ.get("STAFF_DB_URL") or f"sqlite:///{VAR / 'staff.db'}")


def run_migrations_offline() -> None:
    context.configure(url=str(_url()), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
