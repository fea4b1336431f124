"""Alembic environment: runs migrations with the portal's own engine set-up (SQLite
pragmas included) against PORTAL_DATABASE_URL or the URL the caller set."""

from __future__ import annotations

from alembic import context

import portal.models  # noqa: F401  (fills Base.metadata)
from portal.db import Base, make_engine

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from portal.config import load_config

    return str(load_config()["DATABASE_URL"])


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported: run against a database.")
run_migrations_online()
