"""Database wiring: declarative base, constraint names, one session per request.

SQLite is set up so that write transactions really serialise: pysqlite's own transaction
handling is switched off and every transaction starts with ``BEGIN IMMEDIATE`` (security.md,
"Bookings" and "Hash chain": check-then-insert double-books under pysqlite's default). Foreign
keys are switched on for every connection.

One commit per request (Indico's habit): services add and flush; the request hook commits
when the view returns, and rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_app_context
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table."""


def append_only(model: type[Base]) -> type[Base]:
    """Refuse ORM updates and deletes of ``model``: history is added to, never rewritten
    (SEC-2, CON-11, POL-5). Migrations add database triggers for the audit trail too."""

    def refuse(_mapper: Any, _connection: Any, target: Any) -> None:
        raise AppendOnlyError(f"{type(target).__name__} rows are never changed or deleted")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    return model


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Every stored time is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no timezone type and returns naive values; PostgreSQL's ``timestamptz`` does.
    Normalising here means no code ever compares a naive time with an aware one.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        _prepare_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is the
        # only BEGIN issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Holds the engine and hands out one session per application context."""

    def __init__(self) -> None:
        self._engines: dict[int, Engine] = {}
        self._factories: dict[int, sessionmaker[Session]] = {}

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        self._engines[id(app)] = engine
        self._factories[id(app)] = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions["portal_db"] = self

        @app.teardown_appcontext
        def _close_session(exc: BaseException | None) -> None:
            session: Session | None = g.pop("_db_session", None)
            if session is not None:
                if exc is not None:
                    session.rollback()
                session.close()

    @property
    def engine(self) -> Engine:
        from flask import current_app

        return self._engines[id(current_app._get_current_object())]  # type: ignore[attr-defined]

    @property
    def session(self) -> Session:
        from flask import current_app

        if not has_app_context():
            raise RuntimeError("db.session needs an application context")
        if "_db_session" not in g:
            factory = self._factories[id(current_app._get_current_object())]  # type: ignore[attr-defined]
            g._db_session = factory()
        session: Session = g._db_session
        return session

    def dispose(self, app: Flask) -> None:
        engine = self._engines.pop(id(app), None)
        self._factories.pop(id(app), None)
        if engine is not None:
            engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on error: for CLI commands and scripts."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def append_only_trigger_sql(table: str, dialect: str) -> list[str]:
    """SQL that makes the database itself refuse UPDATE and DELETE on ``table`` (for
    migrations; the ORM guard above covers the app, this covers everyone else)."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION refuse_change_to_history() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for action in ("UPDATE", "DELETE")
    ]


def add_append_only_triggers(*tables: str) -> None:
    """For migrations: make the database refuse UPDATE and DELETE on ``tables``."""
    from alembic import op  # migrations only

    dialect = op.get_bind().dialect.name
    for table in tables:
        for statement in append_only_trigger_sql(table, dialect):
            op.execute(statement)


def drop_append_only_triggers(*tables: str) -> None:
    """For migrations: undo ``add_append_only_triggers``."""
    from alembic import op  # migrations only

    dialect = op.get_bind().dialect.name
    for table in tables:
        for statement in drop_append_only_trigger_sql(table, dialect):
            op.execute(statement)


def drop_append_only_trigger_sql(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{action}" for action in ("update", "delete")]


@contextmanager
def rebuilding_sqlite_tables() -> Iterator[None]:
    """For migrations. SQLite changes a column type, a CHECK or a foreign key by rebuilding
    the table (batch mode: copy, drop the old, rename). Dropping a table other rows refer
    to (disclosures, advocate links) fails while foreign keys are enforced, and SQLite
    ignores PRAGMA foreign_keys inside a transaction. So on SQLite the work runs in its own
    transaction with enforcement off, checked with foreign_key_check before it commits:
    SQLite's documented procedure for "other kinds of table schema changes"."""
    from alembic import op  # migrations only

    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    with op.get_context().autocommit_block():
        raw = bind.connection.dbapi_connection
        assert raw is not None
        raw.execute('COMMIT')  # the block's own BEGIN: PRAGMA needs no transaction open
        raw.execute('PRAGMA foreign_keys = OFF')
        raw.execute('BEGIN IMMEDIATE')
        try:
            yield
            broken = raw.execute('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')
            raw.execute('COMMIT')
        except BaseException:
            raw.execute('ROLLBACK')
            raise
        finally:
            raw.execute('PRAGMA foreign_keys = ON')
