"""The schema is made only by Alembic, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import portal.models  # noqa: F401
from portal.cli import alembic_config
from portal.db import Base
from tests.conftest import ON_POSTGRES, POSTGRES_URL


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], f"models differ from migrations: {differences}"


def _scratch_url(tmp_path: Path) -> str:
    """An empty database of the kind this run uses: a new SQLite file, or a scratch
    PostgreSQL database beside the test one."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    base, _, _name = POSTGRES_URL.rpartition("/")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS portal_migration_scratch"))
        connection.execute(text("CREATE DATABASE portal_migration_scratch"))
    admin.dispose()
    return f"{base}/portal_migration_scratch"


def test_every_revision_upgrades_and_downgrades(tmp_path: Path) -> None:
    url = _scratch_url(tmp_path)
    config = alembic_config(url)
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())
    assert revisions
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")


def test_the_schema_has_the_audit_triggers(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        if ON_POSTGRES:
            query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass"
            expected = {"audit_events_no_update_delete", "audit_events_no_truncate"}
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
            expected = {"audit_events_no_update", "audit_events_no_delete"}
        names = set(connection.execute(text(query)).scalars())
    engine.dispose()
    assert expected <= names
