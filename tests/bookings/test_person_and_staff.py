"""The person's request flow (no JavaScript: plain forms), the staff side, changes, the
calendar file, and subject access requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.bookings import services
from portal.bookings.models import BookingStatus, FileAccessBooking, SubjectAccessRequest
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.people.models import AdvocateLink
from tests.bookings.support import at, load_pack_variant, next_weekday
from tests.conftest import World, sign_in_as


@pytest.fixture
def demo(app: Flask, world: World, tmp_path: Path) -> World:
    load_pack_variant(app, tmp_path)
    return world


def _radio_values(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" type="radio" value="([^"]+)"', page)


def ask_for_first_slot(client: FlaskClient, *, interpreter: str = "yes") -> str:
    """Walk day, time, needs, check and send; return the confirmation page's location."""
    day = _radio_values(client.get("/bookings/day").get_data(as_text=True), "day")[0]
    assert client.post("/bookings/day", data={"day": day}).headers["Location"] == "/bookings/time"
    times_page = client.get("/bookings/time").get_data(as_text=True)
    assert "United Kingdom Time" in times_page  # the zone is named
    start = _radio_values(times_page, "start")[0]
    assert client.post("/bookings/time", data={"start": start}).headers["Location"] == "/bookings/needs"
    response = client.post("/bookings/needs", data={
        "interpreter": interpreter, "interpreter_language": "Polish", "advocate_coming": "no",
        "copy_to_take_away": "yes", "access_needs": "Step-free access"})
    assert response.headers["Location"] == "/bookings/check"
    check = client.get("/bookings/check").get_data(as_text=True)
    assert "Check your answers" in check and "Step-free access" in check
    sent = client.post("/bookings/check")
    assert sent.status_code == 302 and "/bookings/sent/" in sent.headers["Location"]
    return sent.headers["Location"]


def _booking(app: Flask) -> FileAccessBooking:
    with app.app_context():
        booking = db.session.scalars(select(FileAccessBooking)).one()
        return booking


def _purposes(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.purpose).order_by(OutboxMessage.id)))


def test_person_asks_and_the_request_holds_its_slot(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    sent = ask_for_first_slot(client)
    page = client.get(sent).get_data(as_text=True)
    booking = _booking(app)
    assert booking.reference in page and "kept for you" in page
    assert booking.status == BookingStatus.PENDING
    assert booking.interpreter and booking.interpreter_language == "Polish" and booking.copy_to_take_away
    assert _purposes(app) == ["booking-received"]
    # The held slot is offered to nobody else.
    other = app.test_client()
    sign_in_as(other, demo.other)
    day = booking.starts_at.astimezone(services.ZoneInfo("Europe/London")).date().isoformat()
    other.post("/bookings/day", data={"day": day})
    offered = _radio_values(other.get("/bookings/time").get_data(as_text=True), "start")
    assert booking.starts_at.isoformat() not in offered
    # Posting it anyway is refused with the clear message.
    other.post("/bookings/time", data={"start": booking.starts_at.isoformat()})
    with other.session_transaction() as session:
        session["booking_draft"] = {"day": day, "start": booking.starts_at.isoformat(), "needs": {}}
    response = other.post("/bookings/check")
    assert response.headers["Location"] == "/bookings/time"
    assert "That time was just taken. Please pick another." in other.get("/bookings/time").get_data(as_text=True)


def test_needs_ask_which_language_when_an_interpreter_is_needed(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    day = _radio_values(client.get("/bookings/day").get_data(as_text=True), "day")[0]
    client.post("/bookings/day", data={"day": day})
    start = _radio_values(client.get("/bookings/time").get_data(as_text=True), "start")[0]
    client.post("/bookings/time", data={"start": start})
    page = client.post("/bookings/needs", data={"interpreter": "yes", "advocate_coming": "no",
                                                "copy_to_take_away": "no"}).get_data(as_text=True)
    assert "<title>Error:" in page and "Say which language the interpreter should speak." in page


def test_an_advocate_books_only_if_their_link_allows_it(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.alex)
    client.post("/helping", data={"person": demo.sam_person.reference})
    assert client.get("/bookings").status_code == 200
    assert client.get("/bookings/day").status_code == 403
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink).where(AdvocateLink.advocate_id == demo.alex.id)).one()
        link.may_book = True
        db.session.commit()
    ask_for_first_slot(client)
    booking = _booking(app)
    assert booking.person_id == demo.sam_person.id and booking.acted_as == "advocate"


def _staff_confirm(app: Flask, world: World, booking: FileAccessBooking) -> FlaskClient:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    queue = staff.get("/staff/bookings").get_data(as_text=True)
    assert "left" in queue and world.sam_person.reference in queue
    page = staff.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert "Vic" not in page  # a volunteer is never offered before REC-3 allows
    response = staff.post(f"/staff/bookings/{booking.id}/confirm", data={"supervisor": str(world.morgan.id)})
    assert response.status_code == 302
    return staff


def test_staff_confirm_and_the_person_downloads_a_neutral_ics(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    ask_for_first_slot(client)
    booking = _booking(app)
    _staff_confirm(app, demo, booking)
    page = client.get(f"/bookings/{booking.reference}").get_data(as_text=True)
    assert "Confirmed." in page
    ics = client.get(f"/bookings/{booking.reference}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    text = ics.get_data(as_text=True)
    assert "SUMMARY:Appointment" in text
    assert "DESCRIPTION" not in text and "LOCATION" not in text and "Harbour" not in text and "Sam" not in text
    assert f"DTSTART:{booking.starts_at:%Y%m%dT%H%M%S}Z" in text
    assert _purposes(app) == ["booking-received", "booking-confirmed"]
    # Another person can't fetch it by guessing the reference.
    other = app.test_client()
    sign_in_as(other, demo.other)
    assert other.get(f"/bookings/{booking.reference}/calendar.ics").status_code == 404
    assert other.get(f"/bookings/{booking.reference}").status_code == 404


def test_staff_decline_with_a_reason_the_person_reads_and_can_choose_again(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    ask_for_first_slot(client)
    booking = _booking(app)
    staff = app.test_client()
    sign_in_as(staff, demo.jo)
    assert staff.post(f"/staff/bookings/{booking.id}/decline", data={}).status_code == 400
    assert staff.post(f"/staff/bookings/{booking.id}/decline", data={"reason": "file-not-ready"}).status_code == 302
    page = client.get(f"/bookings/{booking.reference}").get_data(as_text=True)
    assert "We need more time to get everything ready for you." in page
    assert "Choose another time" in page
    assert _purposes(app) == ["booking-received", "booking-declined"]


def test_checklist_then_outcome(app: Flask, demo: World) -> None:
    with app.app_context():
        day = next_weekday(1)
        booking = services.request_booking(demo.sam_person, at(day, "09:30"), services.Needs(), by=demo.sam)
        services.confirm(booking, demo.jo, by=demo.jo)
        later = booking.starts_at + timedelta(minutes=5)
        with pytest.raises(services.BookingError):  # not started yet
            services.record_outcome(booking, attended=False, by=demo.jo)
        with pytest.raises(services.BookingError):  # REC-4: not prepared
            services.record_outcome(booking, attended=True, by=demo.jo, now=later)
        services.mark_checklist(booking, third_parties_removed=True, file_ready=True, by=demo.jo)
        services.record_outcome(booking, attended=True, by=demo.jo, now=later)
        assert booking.status == BookingStatus.ATTENDED
        kinds = list(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("bookings.%"))
                                        .order_by(AuditEvent.id)))
        assert kinds == ["bookings.requested", "bookings.confirmed", "bookings.prepared", "bookings.outcome"]


def _email_is_safe(world: World) -> None:
    from portal.accounts.models import Account
    from portal.contact import services as contact
    from portal.contact.models import SafeTimes

    account = db.session.get(Account, world.sam.id)
    assert account is not None and account.person is not None
    contact.set_preferences(account.person, by=account, email_ok=True, text_ok=False, phone_ok=False,
                            safe_times=SafeTimes.ANY, may_leave_message=False, note=None)


def test_person_cancels_at_any_time_and_nothing_is_sent_afterwards(app: Flask, demo: World) -> None:
    with app.app_context():
        _email_is_safe(demo)
        day = next_weekday(2)
        booking = services.request_booking(demo.sam_person, at(day, "09:30"), services.Needs(), by=demo.sam)
        db.session.commit()
        from portal.notifications.services import deliver

        assert deliver().sent == 1  # "received" goes out at once (console backend)
        services.confirm(booking, demo.jo, by=demo.jo)
        db.session.commit()
        reference = booking.reference
        queued = list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
        assert [str(status) for status in queued] == ["sent", "queued"]
    client = app.test_client()
    sign_in_as(client, demo.sam)
    assert client.post(f"/bookings/{reference}/cancel").status_code == 302
    with app.app_context():
        booking = db.session.scalars(select(FileAccessBooking)).one()
        assert booking.status == BookingStatus.CANCELLED
        # The day before, no reminder is made for it.
        assert services.make_reminders(now=booking.starts_at - timedelta(days=1)) == 0
        events = list(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "bookings.cancelled")))
        assert events == ["bookings.cancelled"]
    # Unsent messages about it were withdrawn (the "received" one had already gone), and
    # none was made for the cancellation.
    assert _purposes(app) == ["booking-received"]


def test_reminder_the_day_before_once(app: Flask, demo: World) -> None:
    with app.app_context():
        day = next_weekday(3)
        booking = services.request_booking(demo.sam_person, at(day, "14:30"), services.Needs(), by=demo.sam)
        services.confirm(booking, demo.jo, by=demo.jo)
        two_days_before = at(day, "08:00") - timedelta(days=2)
        assert services.make_reminders(now=two_days_before) == 0
        day_before = at(day, "08:00") - timedelta(days=1)
        assert services.make_reminders(now=day_before) == 1
        assert services.make_reminders(now=day_before + timedelta(hours=2)) == 0  # once


def test_person_asks_to_move_and_staff_move_with_a_reason(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    ask_for_first_slot(client)
    booking = _booking(app)
    _staff_confirm(app, demo, booking)
    # The person asks to move: day, time, check, send; it waits for staff again.
    assert client.post(f"/bookings/{booking.reference}/move").headers["Location"] == "/bookings/day"
    days = _radio_values(client.get("/bookings/day").get_data(as_text=True), "day")
    client.post("/bookings/day", data={"day": days[-1]})
    start = _radio_values(client.get("/bookings/time").get_data(as_text=True), "start")[0]
    assert client.post("/bookings/time", data={"start": start}).headers["Location"] == "/bookings/check"
    assert "/bookings/sent/" in client.post("/bookings/check").headers["Location"]
    moved = _booking(app)
    assert moved.id == booking.id and moved.starts_at.isoformat() == start
    assert moved.status == BookingStatus.PENDING and moved.supervisor_id is None
    # Staff confirm again, then move it with a reason.
    staff = _staff_confirm(app, demo, moved)
    new_day = next_weekday(3, after=14)
    response = staff.post(f"/staff/bookings/{moved.id}/move", data={
        "move-day": new_day.strftime("%d %m %Y"), "move-clock": "10:45", "move-reason": "Supervisor ill"})
    assert response.status_code == 302, response.get_data(as_text=True)
    final = _booking(app)
    assert final.starts_at == at(new_day, "10:45") and final.status == BookingStatus.CONFIRMED
    bad = staff.post(f"/staff/bookings/{moved.id}/move", data={
        "move-day": new_day.strftime("%d %m %Y"), "move-clock": "10:50", "move-reason": "x"})
    assert bad.status_code == 400 and "not in the diary" in bad.get_data(as_text=True)
    with app.app_context():
        moves = list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind.in_(
            ["bookings.move_asked", "bookings.moved"])).order_by(AuditEvent.id)))
        assert [e.kind for e in moves] == ["bookings.move_asked", "bookings.moved"]
        assert moves[1].details["reason"] == "Supervisor ill"
    assert _purposes(app).count("booking-changed") == 2


# --- subject access requests ----------------------------------------------------------------


def test_subject_access_request_deadline_extension_and_done(app: Flask, demo: World) -> None:
    client = app.test_client()
    sign_in_as(client, demo.sam)
    assert client.post("/bookings/copy").status_code == 302
    assert client.post("/bookings/copy").status_code == 302  # asking twice makes one request
    with app.app_context():
        sar = db.session.scalars(select(SubjectAccessRequest)).one()
        received, due = sar.received_on, sar.due_on
    assert services.add_months(received, 1) == due
    staff = app.test_client()
    sign_in_as(staff, demo.jo)
    queue = staff.get("/staff/bookings").get_data(as_text=True)
    assert "Requests for a copy of records" in queue and "days left" in queue
    assert staff.post(f"/staff/bookings/access-requests/{sar.id}/extend",
                      data={"months": "2", "reason": ""}).status_code == 400
    assert staff.post(f"/staff/bookings/access-requests/{sar.id}/extend",
                      data={"months": "2", "reason": "Many records held on paper"}).status_code == 302
    refused = staff.post(f"/staff/bookings/access-requests/{sar.id}/extend",
                         data={"months": "1", "reason": "More"})
    assert refused.status_code == 400
    with app.app_context():
        sar = db.session.get(SubjectAccessRequest, sar.id)
        assert sar is not None and sar.due_on == services.add_months(received, 3)
    page = client.get("/bookings").get_data(as_text=True)
    assert "Many records held on paper" in page
    assert staff.post(f"/staff/bookings/access-requests/{sar.id}/done").status_code == 302
    assert "We have answered it." in client.get("/bookings").get_data(as_text=True)
    assert _purposes(app) == ["access-request-received", "access-request-extended", "access-request-done"]


def test_deadline_counts_down(app: Flask, demo: World) -> None:
    with app.app_context():
        now = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
        sar = services.request_copy(demo.sam_person, by=demo.sam, now=now)
        assert sar.due_on.isoformat() == "2027-02-28"  # one calendar month, at most the month's end
        assert services.days_left(sar.due_on, now) == 28
        assert services.days_left(sar.due_on, now + timedelta(days=30)) == -2


def test_the_reminder_command(app: Flask, demo: World) -> None:
    with app.app_context():
        tomorrow = services.local_today() + timedelta(days=1)
        booking = FileAccessBooking(
            reference="BREMIND1", person_id=demo.sam_person.id, requested_by_id=demo.sam.id, acted_as="self",
            starts_at=at(tomorrow, "12:00"), ends_at=at(tomorrow, "13:00"), status=BookingStatus.CONFIRMED,
            supervisor_id=demo.jo.id, version=2)
        db.session.add(booking)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["bookings", "remind"])
    assert result.exit_code == 0 and "Visit reminders made: 1." in result.output
    assert _purposes(app) == ["booking-reminder"]
