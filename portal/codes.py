"""Codes and references: one-time codes people type, their keyed digests, and short public
references for records. One place, so every feature draws them the same way."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.extensions import db

# Unambiguous letters and digits: no 0/O, 1/I/L, so a code read aloud or off paper works.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # about 59 bits


def random_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def keyed_digest(text: str) -> str:
    """HMAC-SHA256 with the app's secret key: what is stored instead of a code, so a copy of
    the database alone can't be used to find or try codes."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def new_reference(prefix: str, model: Any) -> str:
    """A short random reference (e.g. P7K3M9QX) not yet used by ``model.reference``: never a
    name or a number that counts people (SEC-1)."""
    while True:
        reference = prefix + random_code(7)
        if db.session.scalars(select(model.id).where(model.reference == reference)).first() is None:
            return reference
