"""No double booking, ever (security.md "Bookings", ASVS 5 2.3.4): many app instances (as
many workers) on one real database, at once. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import Account, Role
from portal.bookings import services
from portal.bookings.models import BookingStatus, FileAccessBooking
from portal.extensions import db
from tests.bookings.support import at, load_pack_variant, next_weekday
from tests.conftest import World, add_account, add_person, make_test_app, sign_in_as

THREADS = 20


def _run_at_once(jobs: list) -> list:  # type: ignore[type-arg]
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)  # type: ignore[type-arg]

    def run(index: int) -> None:
        barrier.wait()
        results[index] = jobs[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_people_ask_for_the_same_slot_and_exactly_one_wins(
        app: Flask, world: World, database_url: str, tmp_path: Path) -> None:
    load_pack_variant(app, tmp_path)
    day = next_weekday(1)
    start = at(day, "09:30")
    with app.app_context():
        accounts = []
        for n in range(THREADS):
            person = add_person(f"Person {n}", f"PC{n:06d}")
            accounts.append(add_account(f"p{n}@example.org", Role.SERVICE_USER, person=person))
        db.session.commit()
    apps = [make_test_app(database_url) for _ in range(THREADS)]
    clients = []
    for worker, account in zip(apps, accounts, strict=True):
        client = worker.test_client()
        sign_in_as(client, account)
        with client.session_transaction() as session:
            session["booking_draft"] = {"day": day.isoformat(), "start": start.isoformat(),
                                        "needs": {"interpreter": "no", "advocate_coming": "no",
                                                  "copy_to_take_away": "no"}}
        clients.append(client)

    responses = _run_at_once([lambda c=c: c.post("/bookings/check") for c in clients])

    locations = [r.headers.get("Location", "") for r in responses]
    winners = [i for i, where in enumerate(locations) if where.startswith("/bookings/sent/")]
    losers = [i for i, where in enumerate(locations) if where == "/bookings/time"]
    assert len(winners) == 1, locations
    assert len(losers) == THREADS - 1, locations
    message = clients[losers[0]].get("/bookings/time").get_data(as_text=True)
    assert "That time was just taken. Please pick another." in message
    with app.app_context():
        held = db.session.scalar(select(func.count()).select_from(FileAccessBooking)
                                 .where(FileAccessBooking.starts_at == start))
        assert held == 1
    for worker in apps:
        db.dispose(worker)


def test_two_staff_confirm_overlapping_requests_for_one_supervisor_and_one_succeeds(
        app: Flask, world: World, database_url: str, tmp_path: Path) -> None:
    load_pack_variant(app, tmp_path)
    day = next_weekday(2)
    with app.app_context():
        # Two requests 30 minutes apart (say, made before a supervisor's hours changed):
        # both may wait, but one supervisor can't hold both sessions.
        ids = []
        for person, clock in ((world.sam_person, "10:00"), (world.other_person, "10:30")):
            booking = FileAccessBooking(
                reference=f"BRACE{clock[:2]}{clock[3]}", person_id=person.id, requested_by_id=world.sam.id,
                acted_as="self", starts_at=at(day, clock), ends_at=at(day, clock) + timedelta(hours=1),
                status=BookingStatus.PENDING, version=1)
            db.session.add(booking)
            db.session.flush()
            ids.append(booking.id)
        db.session.commit()
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None
    first, second = make_test_app(database_url), make_test_app(database_url)
    staff = []
    for worker, account in ((first, world.jo), (second, world.morgan)):
        client = worker.test_client()
        sign_in_as(client, account)
        staff.append(client)

    responses = _run_at_once([
        lambda: staff[0].post(f"/staff/bookings/{ids[0]}/confirm", data={"supervisor": str(world.jo.id)}),
        lambda: staff[1].post(f"/staff/bookings/{ids[1]}/confirm", data={"supervisor": str(world.jo.id)}),
    ])

    assert [r.status_code for r in responses] == [302, 302]
    succeeded = [r.headers["Location"] == "/staff/bookings" for r in responses]
    assert sorted(succeeded) == [False, True]
    loser = staff[succeeded.index(False)]
    page = loser.get(responses[succeeded.index(False)].headers["Location"]).get_data(as_text=True)
    assert "That time was just taken for this supervisor" in page
    with app.app_context():
        confirmed = list(db.session.scalars(select(FileAccessBooking).where(
            FileAccessBooking.status == BookingStatus.CONFIRMED)))
        assert len(confirmed) == 1 and confirmed[0].supervisor_id == world.jo.id
    db.dispose(first)
    db.dispose(second)


def test_the_database_itself_refuses_a_second_active_booking_for_a_slot(
        app: Flask, world: World, tmp_path: Path) -> None:
    """Even code that skips the checks can't double-book: the partial unique index."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    load_pack_variant(app, tmp_path)
    start = at(next_weekday(3), "09:30")
    with app.app_context():
        def row(reference: str, status: BookingStatus) -> FileAccessBooking:
            return FileAccessBooking(reference=reference, person_id=world.sam_person.id,
                                     requested_by_id=world.sam.id, acted_as="self", starts_at=start,
                                     ends_at=start + timedelta(hours=1), status=status, version=1)

        db.session.add_all([row("BOLD0001", BookingStatus.CANCELLED), row("BOLD0002", BookingStatus.DECLINED),
                            row("BNEW0001", BookingStatus.PENDING)])
        db.session.commit()  # cancelled and declined ones don't hold the slot
        db.session.add(row("BNEW0002", BookingStatus.CONFIRMED))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert services.diary().available(start, start + timedelta(hours=1)) is False
