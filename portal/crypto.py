"""Encryption of free-text notes that are never searched (security.md, "Headers and data").

Notes such as disclosure purposes and safety-hold reasons are stored as Fernet tokens
(AES-128-CBC with an HMAC, a fresh IV each time, so equal notes never look equal). The keys
live outside the database: ``PORTAL_ENCRYPTION_KEYS`` holds comma-separated Fernet keys,
newest first. The newest encrypts; every key listed decrypts, so a new key can be put in
front, ``flask crypto rotate`` run, and the old key dropped afterwards.

A column declared ``EncryptedText`` encrypts on write and decrypts on read with the current
app's keys. Outside an app (an Alembic migration, a script) the keys come from the
environment through ``portal.config.load_config``; a migration that works on raw values can
call ``fernet_from_config(load_config())`` itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context
from sqlalchemy import Column, MetaData, Table, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import Text, TypeDecorator

KEYS_VARIABLE = "PORTAL_ENCRYPTION_KEYS"
KEY_FILE = "encryption_key"


class DecryptionError(RuntimeError):
    """A stored note could not be decrypted with any configured key."""


def _config_error(message: str) -> Exception:
    from portal.config import ConfigError

    return ConfigError(message)


def parse_keys(raw: str | Sequence[str]) -> tuple[str, ...]:
    """Split and check keys: a comma-separated string or a sequence, newest first.

    Raises ``portal.config.ConfigError`` naming the position of a bad key (never the key)."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    keys = tuple(part.strip() for part in parts if part and part.strip())
    if not keys:
        raise _config_error(f"{KEYS_VARIABLE} holds no key.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise _config_error(
                f"Key {position} in {KEYS_VARIABLE} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from exc
    return keys


def load_keys(production: bool, instance: Path) -> tuple[str, ...]:
    """The keys for ``load_config``: from the environment; in development and tests made
    once into the instance folder (like the secret key); in production required."""
    raw = os.environ.get(KEYS_VARIABLE, "")
    if raw.strip():
        return parse_keys(raw)
    if production:
        raise _config_error(f"{KEYS_VARIABLE} must be set in production.")
    path = instance / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_keys(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(Fernet.generate_key().decode())
    return parse_keys(path.read_text().strip())


@lru_cache(maxsize=8)
def _multifernet(keys: str | tuple[str, ...]) -> MultiFernet:
    # Cached: every encrypted value read or written asks for it.
    return MultiFernet([Fernet(key.encode()) for key in parse_keys(keys)])


def fernet_from_config(config: Mapping[str, Any]) -> MultiFernet:
    """The MultiFernet for a config mapping (the Flask config, or ``load_config()``). The
    keys may be a tuple (as ``load_config`` makes them) or a comma-separated string."""
    keys = config["ENCRYPTION_KEYS"]
    return _multifernet(keys if isinstance(keys, str) else tuple(keys))


def current_fernet() -> MultiFernet:
    """The current app's keys; outside an app, the environment's (Alembic, scripts)."""
    if has_app_context():
        return fernet_from_config(current_app.config)
    from portal.config import load_config

    return fernet_from_config(load_config())


def encrypt(plain: str, fernet: MultiFernet | None = None) -> str:
    return (fernet or current_fernet()).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, fernet: MultiFernet | None = None) -> str:
    try:
        return (fernet or current_fernet()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError(
            "A stored note could not be decrypted. The likely cause is a wrong or missing "
            f"key: the key it was written with is not in {KEYS_VARIABLE} (or the value was "
            "never encrypted). Put the old key back after the newest one."
        ) from exc


class EncryptedText(TypeDecorator[str]):
    """Free text stored as a Fernet token (TEXT). None stays None.

    Never use it for a column that is searched, sorted, unique or checked by value: the
    database sees only ciphertext, different every time (IS NULL / IS NOT NULL still work).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value)


def _tables_with_notes() -> list[Table]:
    import portal.models  # noqa: F401  (fills Base.metadata)
    from portal.db import Base

    return [table for table in Base.metadata.sorted_tables
            if any(isinstance(column.type, EncryptedText) for column in table.columns)]


def encrypted_columns() -> dict[str, list[str]]:
    """Every table with ``EncryptedText`` columns: table name -> column names."""
    return {
        table.name: [column.name for column in table.columns if isinstance(column.type, EncryptedText)]
        for table in _tables_with_notes()
    }


@dataclass
class RotationCount:
    """Per table: values read, and values rewritten with the newest key."""

    checked: int = 0
    rewritten: int = 0
    columns: list[str] = field(default_factory=list)


def _is_current(token: str, newest: Fernet) -> bool:
    try:
        newest.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def _guarded_by_triggers(connection: Connection, table: str) -> bool:
    """Whether the append-only triggers of ``portal.db.append_only_trigger_sql`` are on it."""
    if connection.dialect.name == "postgresql":
        query = text("SELECT 1 FROM pg_trigger WHERE tgname = :name")
        name = f"{table}_append_only"
    else:
        query = text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name")
        name = f"{table}_no_update"
    return connection.execute(query, {"name": name}).first() is not None


def rotate_table(
    engine: Engine,
    table: Table,
    fernet: MultiFernet,
    newest: Fernet,
    batch_size: int = 500,
) -> RotationCount:
    """Re-encrypt with the newest key every ``EncryptedText`` value of ``table`` not already
    under it, ``batch_size`` rows at a time (by primary key), one transaction per batch.
    Idempotent: a second run rewrites nothing, and a run stopped halfway can be run again.

    On an append-only table the triggers that refuse UPDATE are lifted inside the batch's
    transaction and put back before it commits: the words stay the same, only the key
    they are stored under changes."""
    from portal.db import append_only_trigger_sql, drop_append_only_trigger_sql

    table_name = table.name
    columns = [column.name for column in table.columns if isinstance(column.type, EncryptedText)]
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{table_name}: rotation needs a one-column primary key")
    key = keys[0].name
    # Plain TEXT columns: the tokens as stored, not decrypted.
    raw = Table(table_name, MetaData(), Column(key, keys[0].type, primary_key=True),
                *(Column(name, Text) for name in columns))
    count = RotationCount(columns=columns)
    last_id = None
    while True:
        with engine.begin() as connection:
            query = select(raw).order_by(raw.c[key]).limit(batch_size)
            if last_id is not None:
                query = query.where(raw.c[key] > last_id)
            rows = connection.execute(query).all()
            if not rows:
                break
            changes: list[tuple[Any, dict[str, str]]] = []
            for row in rows:
                values: dict[str, str] = {}
                for name in columns:
                    token = getattr(row, name)
                    if token is None:
                        continue
                    count.checked += 1
                    if _is_current(token, newest):
                        continue
                    try:
                        values[name] = fernet.rotate(token.encode("ascii")).decode("ascii")
                    except InvalidToken as exc:
                        raise DecryptionError(
                            f"{table_name}.{name} (row {getattr(row, key)}) could not be decrypted: "
                            f"the key it was written with is not in {KEYS_VARIABLE} (wrong or missing key). "
                            "Nothing in this batch was changed."
                        ) from exc
                if values:
                    changes.append((getattr(row, key), values))
            if changes:
                guarded = _guarded_by_triggers(connection, table_name)
                dialect = connection.dialect.name
                if guarded:
                    for statement in drop_append_only_trigger_sql(table_name, dialect):
                        connection.execute(text(statement))
                for row_id, values in changes:
                    connection.execute(update(raw).where(raw.c[key] == row_id).values(**values))
                    count.rewritten += len(values)
                if guarded:
                    for statement in append_only_trigger_sql(table_name, dialect):
                        connection.execute(text(statement))
            last_id = getattr(rows[-1], key)
    return count


def rotate_all(engine: Engine, config: Mapping[str, Any], batch_size: int = 500) -> dict[str, RotationCount]:
    """Rotate every encrypted column of every table to the newest key (``flask crypto rotate``)."""
    fernet, newest = fernet_from_config(config), newest_key(config)
    return {
        table.name: rotate_table(engine, table, fernet, newest, batch_size) for table in _tables_with_notes()
    }


def newest_key(config: Mapping[str, Any]) -> Fernet:
    return Fernet(parse_keys(config["ENCRYPTION_KEYS"])[0].encode())

