"""Availability: notice (REC-2), the clock changes, and who may supervise (REC-3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from portal.bookings import services
from portal.bookings.models import BookingStatus, FileAccessBooking
from portal.extensions import db
from portal.i18n import format_local_time
from tests.bookings.support import load_pack_variant
from tests.conftest import World

LONDON = ZoneInfo("Europe/London")
NEEDS = services.Needs()


@pytest.fixture
def demo(app: Flask, world: World, tmp_path: Path) -> World:
    """The demo pack: 24 hours' notice, 60-minute sessions, 15 minutes between them."""
    load_pack_variant(app, tmp_path)
    return world


# --- notice -------------------------------------------------------------------------------

# Tuesday 1 December 2026, 09:30 in London is 09:30 UTC (winter time).
SLOT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_a_slot_23h59_ahead_is_not_offered_and_is_refused_if_posted(app: Flask, demo: World) -> None:
    now = SLOT - timedelta(hours=23, minutes=59)
    with app.app_context():
        offered = [start for start, _end in services.diary(now=now).offered(date(2026, 12, 1))]
        assert SLOT not in offered
        assert SLOT + timedelta(minutes=75) in offered  # the next one, 25h14 ahead
        with pytest.raises(services.SlotNotOffered):
            services.request_booking(demo.sam_person, SLOT, NEEDS, by=demo.sam, now=now)


def test_a_slot_24h00_ahead_is_offered_and_can_be_asked_for(app: Flask, demo: World) -> None:
    now = SLOT - timedelta(hours=24)
    with app.app_context():
        offered = [start for start, _end in services.diary(now=now).offered(date(2026, 12, 1))]
        assert offered[0] == SLOT
        booking = services.request_booking(demo.sam_person, SLOT, NEEDS, by=demo.sam, now=now)
        assert booking.status == BookingStatus.PENDING
        assert booking.ends_at - booking.starts_at == timedelta(minutes=60)


def test_the_notice_comes_from_the_pack(app: Flask, world: World) -> None:
    """The test pack asks for 48 hours: 47h59 is refused there."""
    # Tuesday 1 December 2026 10:00 London is the test pack's first slot of the day.
    slot = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with app.app_context():
        assert slot not in [s for s, _ in services.diary(now=slot - timedelta(hours=47, minutes=59))
                            .offered(date(2026, 12, 1))]
        assert slot in [s for s, _ in services.diary(now=slot - timedelta(hours=48)).offered(date(2026, 12, 1))]


def test_closures_and_closed_days_offer_nothing(app: Flask, demo: World) -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with app.app_context():
        book = services.diary(now=now)
        assert book.offered(date(2026, 12, 25)) == []  # a closure in the pack
        assert book.offered(date(2026, 12, 5)) == []  # a Saturday
        thursday = book.offered(date(2026, 12, 3))  # open 09:30-19:00
        assert [s.astimezone(LONDON).strftime("%H:%M") for s, _ in thursday] == [
            "09:30", "10:45", "12:00", "13:15", "14:30", "15:45", "17:00"]


# --- clock changes --------------------------------------------------------------------------


def _wall(moments: list[tuple[datetime, datetime]]) -> list[str]:
    return [f"{s.astimezone(LONDON):%H:%M %Z}-{e.astimezone(LONDON):%H:%M %Z}" for s, e in moments]


def test_spring_clock_change_sessions_are_real_hours_and_skip_the_missing_hour() -> None:
    # 28 March 2027: at 01:00 GMT the clocks go forward to 02:00 BST.
    slots = services.slots_in_ranges(date(2027, 3, 28), [(time(0, 30), time(4, 30))], LONDON,
                                     slot_minutes=60, buffer_minutes=15)
    assert _wall(slots) == ["00:30 GMT-02:30 BST", "02:45 BST-03:45 BST"]
    assert all(end - start == timedelta(minutes=60) for start, end in slots)


def test_autumn_clock_change_sessions_are_real_hours_through_the_repeated_hour() -> None:
    # 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT.
    slots = services.slots_in_ranges(date(2026, 10, 25), [(time(0, 30), time(3, 30))], LONDON,
                                     slot_minutes=60, buffer_minutes=15)
    # 00:30 BST to 03:30 GMT is four real hours; 01:45 BST to 01:45 GMT is a real hour.
    assert _wall(slots) == ["00:30 BST-01:30 BST", "01:45 BST-01:45 GMT", "02:00 GMT-03:00 GMT"]
    assert all(end - start == timedelta(minutes=60) for start, end in slots)


@pytest.mark.parametrize(("before", "after", "utc_before", "utc_after"), [
    # Spring: Friday 26 March 2027 (GMT) and Monday 29 March 2027 (BST)
    (date(2027, 3, 26), date(2027, 3, 29), "09:30", "08:30"),
    # Autumn: Friday 23 October 2026 (BST) and Monday 26 October 2026 (GMT)
    (date(2026, 10, 23), date(2026, 10, 26), "08:30", "09:30"),
])
def test_opening_at_09_30_local_on_both_sides_of_each_change(
        app: Flask, demo: World, before: date, after: date, utc_before: str, utc_after: str) -> None:
    now = datetime.combine(before - timedelta(days=3), time(0, 0), tzinfo=UTC)
    with app.app_context():
        book = services.diary(now=now)
        first_before, first_after = book.offered(before)[0][0], book.offered(after)[0][0]
        assert first_before.strftime("%H:%M") == utc_before
        assert first_after.strftime("%H:%M") == utc_after
        with app.test_request_context():
            # Shown in local time, naming the zone.
            assert format_local_time(first_before).endswith("09:30 (United Kingdom Time)")
            assert format_local_time(first_after).endswith("09:30 (United Kingdom Time)")
        # Stored in UTC and read back as the same moment.
        booking = services.request_booking(demo.sam_person, first_after, NEEDS, by=demo.sam, now=now)
        db.session.commit()
        stored = db.session.get(FileAccessBooking, booking.id)
        db.session.refresh(stored)
        assert stored is not None and stored.starts_at == first_after and stored.starts_at.tzinfo is not None


# --- who may supervise (REC-3) ---------------------------------------------------------------


@pytest.fixture
def volunteers_may_supervise(app: Flask, world: World, tmp_path: Path) -> World:
    load_pack_variant(app, tmp_path, supervisor_roles='["staff", "manager", "volunteer"]')
    return world


def _vic(world: World, *, marked_on: date | None):  # type: ignore[no-untyped-def]
    from portal.accounts.models import Account

    vic = db.session.get(Account, world.vic.id)
    assert vic is not None
    vic.volunteer_satisfactory_on = marked_on
    db.session.flush()
    return vic


def test_volunteer_refused_the_day_before_their_months_are_served(
        app: Flask, volunteers_may_supervise: World) -> None:
    with app.app_context():
        # Started 20 August 2026; six months are served on 20 February 2027.
        vic = _vic(volunteers_may_supervise, marked_on=date(2027, 1, 5))
        assert not services.may_supervise(vic, date(2027, 2, 19))
        assert vic not in services.eligible_supervisors(date(2027, 2, 19))


def test_volunteer_refused_when_served_but_not_marked_satisfactory(
        app: Flask, volunteers_may_supervise: World) -> None:
    with app.app_context():
        vic = _vic(volunteers_may_supervise, marked_on=None)
        assert not services.may_supervise(vic, date(2027, 2, 20))
        assert not services.may_supervise(vic, date(2028, 1, 1))


def test_volunteer_accepted_on_the_day_months_served_and_marked(
        app: Flask, volunteers_may_supervise: World) -> None:
    with app.app_context():
        vic = _vic(volunteers_may_supervise, marked_on=date(2027, 2, 20))
        assert services.may_supervise(vic, date(2027, 2, 20))
        assert vic in services.eligible_supervisors(date(2027, 2, 20))


def test_confirm_refuses_a_volunteer_before_rec3_and_accepts_on_the_day(
        app: Flask, volunteers_may_supervise: World) -> None:
    world = volunteers_may_supervise
    slot = datetime(2027, 2, 23, 9, 30, tzinfo=UTC)  # a Tuesday, winter time
    with app.app_context():
        vic = _vic(world, marked_on=date(2027, 2, 19))
        booking = services.request_booking(world.sam_person, slot, NEEDS, by=world.sam,
                                           now=datetime(2027, 2, 19, 9, 0, tzinfo=UTC))
        db.session.commit()
        day_before = datetime(2027, 2, 19, 12, 0, tzinfo=UTC)
        assert vic not in services.supervisor_choices(booking, now=day_before)
        with pytest.raises(services.BookingError):
            services.confirm(booking, vic, by=world.jo, now=day_before)
        db.session.rollback()
        on_the_day = datetime(2027, 2, 20, 12, 0, tzinfo=UTC)
        assert vic in services.supervisor_choices(booking, now=on_the_day)
        confirmed = services.confirm(booking, vic, by=world.jo, now=on_the_day)
        assert confirmed.status == BookingStatus.CONFIRMED and confirmed.supervisor_id == vic.id


def test_a_role_the_pack_does_not_list_never_supervises(app: Flask, world: World) -> None:
    """The test pack lets only managers supervise: staff are not offered."""
    with app.app_context():
        today = date(2026, 12, 1)
        assert [a.email for a in services.eligible_supervisors(today)] == ["morgan@example.org"]


def test_supervisor_working_hours_default_to_opening_hours_and_limit_the_slots(
        app: Flask, world: World) -> None:
    from portal.accounts.models import Account

    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with app.app_context():
        morgan = db.session.get(Account, world.morgan.id)
        assert morgan is not None
        assert services.working_hours(morgan)["monday"] == ["10:00-16:00"]  # the pack's
        # Morgan, the only supervisor in the test pack, works Monday mornings only.
        services.set_working_hours(morgan, {"monday": ["10:00-12:00"]}, by=morgan)
        monday = services.diary(now=now).offered(date(2026, 11, 30))
        assert [s.strftime("%H:%M") for s, _ in monday] == ["10:00", "10:45"]
        assert services.diary(now=now).offered(date(2026, 12, 1)) == []  # Tuesday: not working
