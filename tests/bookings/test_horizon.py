"""How far ahead people may ask for a file visit: the pack's ``bookings.horizon_days``
(28 in the demo pack, 14 in the test pack)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from portal.bookings import services
from portal.bookings.models import BookingStatus
from tests.bookings.support import at, load_pack_variant
from tests.conftest import World, sign_in_as

NEEDS = services.Needs()
# Thursday 19 November 2026, 09:00 in London (winter time: the same in UTC).
NOW = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
DAY_14 = date(2026, 12, 3)  # a Thursday: open in both packs
DAY_15 = date(2026, 12, 4)  # a Friday: open in both packs


def test_the_test_pack_offers_14_days_ahead_and_not_15(app: Flask, world: World) -> None:
    with app.app_context():
        book = services.diary(now=NOW)
        assert book.horizon_days == 14
        assert book.offered(DAY_14)
        assert book.offered(DAY_15) == []
        assert book.days()[-1] == DAY_14
        # Posting a time on day 15 (as a hand-made form could) is refused too.
        with pytest.raises(services.SlotNotOffered):
            services.request_booking(world.sam_person, at(DAY_15, "10:00"), NEEDS, by=world.sam, now=NOW)
        booking = services.request_booking(world.sam_person, at(DAY_14, "10:00"), NEEDS, by=world.sam, now=NOW)
        assert booking.status == BookingStatus.PENDING
        # Nor can a booking be moved there.
        with pytest.raises(services.SlotNotOffered):
            services.ask_to_move(booking, at(DAY_15, "10:00"), by=world.sam, now=NOW)


def test_the_demo_pack_offers_28_days_ahead(app: Flask, world: World, tmp_path: Path) -> None:
    load_pack_variant(app, tmp_path)
    with app.app_context():
        book = services.diary(now=NOW)
        assert book.horizon_days == 28
        assert book.offered(DAY_15)
        assert book.offered(date(2026, 12, 17))  # 28 days ahead, a Thursday
        assert book.offered(date(2026, 12, 18)) == []  # 29 days ahead, a Friday
        booking = services.request_booking(world.sam_person, at(DAY_15, "09:30"), NEEDS, by=world.sam, now=NOW)
        assert booking.status == BookingStatus.PENDING


def test_without_the_setting_the_horizon_is_28_days(app: Flask) -> None:
    """No pack loaded yet (or a version stored before the setting existed): 28 days."""
    with app.app_context():
        assert services.horizon_days() == 28
        assert services.diary(now=NOW).horizon_days == 28


def test_the_day_page_follows_the_pack(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    page = client.get("/bookings/day").get_data(as_text=True)
    assert "You can ask for a day up to 14 days ahead." in page
    days = [date.fromisoformat(d) for d in re.findall(r'name="day" type="radio" value="([^"]+)"', page)]
    assert days and max(days) <= date.today() + timedelta(days=14)
