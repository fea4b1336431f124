"""Helpers for the file-access tests: load the demo pack (24 hours' notice) or a variant of
it, and find future slots."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask

from portal.extensions import db
from tests.conftest import DEMO_PACK


def load_pack_variant(app: Flask, folder: Path, **settings: str) -> None:
    """Load the demo pack with some `key = value` lines of pack.toml replaced, e.g.
    ``supervisor_roles='["staff", "volunteer"]'``."""
    from portal.policy.services import load_pack

    target = folder / "pack"
    shutil.copytree(DEMO_PACK, target)
    toml = (target / "pack.toml").read_text()
    for key, value in settings.items():
        toml, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", toml)
        assert count == 1, key
    toml = re.sub(r'(?m)^label = .*$', 'label = "test"', toml)
    (target / "pack.toml").write_text(toml)
    with app.app_context():
        result = load_pack(target)
        assert result.version is not None, result.problems
        db.session.commit()


def next_weekday(weekday: int, *, after: int = 7) -> date:
    """The first day with that weekday (0 = Monday) at least ``after`` days from today."""
    day = date.today() + timedelta(days=after)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at(day: date, clock: str) -> datetime:
    """A wall-clock time in London, as UTC."""
    from zoneinfo import ZoneInfo

    from portal.bookings.services import local_to_utc

    hours, minutes = (int(x) for x in clock.split(":"))
    from datetime import time

    return local_to_utc(day, time(hours, minutes), ZoneInfo("Europe/London"))
