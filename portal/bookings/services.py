"""The rules of supervised file access (REC-1 to REC-4) and subject access requests.

Availability: a slot is offered when it starts at least the pack's notice after now (REC-2),
on a day no further ahead than the pack's horizon, falls on an open day inside the opening
hours, lies inside the working hours of an eligible supervisor (REC-3), and there are more
free eligible supervisors than waiting requests that overlap it. Slots are stepped in real
elapsed time from each range's start, so a session is always ``slot_minutes`` long, also on
the days the clocks change.

Times are UTC everywhere except where they are turned into, or read from, the organisation's
wall clock (``organisation_zone``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Account, Role
from portal.audit.services import record_event
from portal.bookings.models import (
    ACTIVE,
    BookingStatus,
    DeclineReason,
    FileAccessBooking,
    SubjectAccessRequest,
    SupervisorHours,
)
from portal.codes import new_reference
from portal.consent.services import acted_as, add_months, local_today
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import organisation_zone
from portal.notifications import services as outbox
from portal.notifications.models import OutboxMessage, Status
from portal.people.models import Person
from portal.policy.pack import HORIZON_DAYS_DEFAULT
from portal.policy.services import setting

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SAR_MAX_EXTENSION_MONTHS = 2  # UK GDPR Art. 12(3): one month, plus up to two more


class BookingError(ValueError):
    """A change the rules do not allow; the message says which rule (for logs and tests)."""


class SlotNotOffered(BookingError):
    """The time is not one we offer (inside the notice period, closed, not on the grid)."""


class SlotTaken(BookingError):
    """Someone else has just taken that time (or no supervisor is left for it)."""


class SupervisorBusy(BookingError):
    """The supervisor was just booked for an overlapping session."""


@dataclass(frozen=True)
class Needs:
    interpreter: bool = False
    interpreter_language: str | None = None
    advocate_coming: bool = False
    access_needs: str | None = None
    copy_to_take_away: bool = False


# --- time ---------------------------------------------------------------------------------


def parse_ranges(ranges: Iterable[str]) -> list[tuple[time, time]]:
    parsed = []
    for item in ranges:
        start, _, end = item.partition("-")
        parsed.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return parsed


def local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day, in UTC. A time the spring change skips is read with the
    winter offset (so 01:30 becomes 02:30 summer time); one the autumn change repeats is
    the first of the two (fold 0)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def slots_in_ranges(day: date, ranges: Iterable[tuple[time, time]], zone: ZoneInfo, *,
                    slot_minutes: int, buffer_minutes: int) -> list[tuple[datetime, datetime]]:
    """Every session that fits a day's ranges, in UTC, stepped by slot plus buffer of real
    elapsed time from each range's start."""
    slot = timedelta(minutes=slot_minutes)
    step = timedelta(minutes=slot_minutes + buffer_minutes)
    found = []
    for start, end in ranges:
        begins, closes = local_to_utc(day, start, zone), local_to_utc(day, end, zone)
        moment = begins
        while moment + slot <= closes:
            found.append((moment, moment + slot))
            moment += step
    return found


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime,
              buffer: timedelta) -> bool:
    return a_start < b_end + buffer and b_start < a_end + buffer


def slot_length() -> timedelta:
    return timedelta(minutes=int(setting("file_access.slot_minutes", 60)))


def notice() -> timedelta:
    return timedelta(hours=int(setting("file_access.notice_hours", 24)))


def horizon_days() -> int:
    """How many days ahead people may ask for a visit (the pack's ``bookings.horizon_days``;
    versions loaded before that setting existed get the default)."""
    return int(setting("bookings.horizon_days", HORIZON_DAYS_DEFAULT))


# --- who may supervise (REC-3) ------------------------------------------------------------


def may_supervise(account: Account, today: date) -> bool:
    """A role the pack allows; a volunteer only once their months are served *and* a manager
    has marked their volunteering satisfactory (REC-3, 000 §2.4a)."""
    if not account.is_active:
        return False
    if account.role.value not in setting("file_access.supervisor_roles", ["staff", "manager"]):
        return False
    if account.role == Role.VOLUNTEER:
        months = int(setting("file_access.volunteer_months_before_files", 6))
        started, marked = account.volunteer_started_on, account.volunteer_satisfactory_on
        if started is None or marked is None:
            return False
        return add_months(started, months) <= today and marked <= today
    return True


def eligible_supervisors(today: date) -> list[Account]:
    roles = [Role(r) for r in setting("file_access.supervisor_roles", ["staff", "manager"])
             if r in {role.value for role in Role}]
    candidates = db.session.scalars(
        select(Account).where(Account.role.in_(roles), Account.disabled_at.is_(None))
        .order_by(Account.display_name, Account.id)
    )
    return [account for account in candidates if may_supervise(account, today)]


def opening_hours() -> dict[str, list[str]]:
    hours = setting("opening_hours", {}) or {}
    return {day: list(hours.get(day, [])) for day in WEEKDAYS}


def closures() -> set[date]:
    return {date.fromisoformat(str(d)) for d in (setting("opening_hours.closures", []) or [])}


def working_hours(account: Account) -> dict[str, list[str]]:
    return hours_of([account])[account.id]


def hours_of(accounts: list[Account]) -> dict[int, dict[str, list[str]]]:
    """Each supervisor's weekly hours (the opening hours where unset), in one query."""
    rows = {row.account_id: row for row in db.session.scalars(
        select(SupervisorHours).where(SupervisorHours.account_id.in_([a.id for a in accounts])))}
    default = opening_hours()
    return {
        account.id: ({day: list(rows[account.id].weekly.get(day, [])) for day in WEEKDAYS}
                     if account.id in rows else {day: list(ranges) for day, ranges in default.items()})
        for account in accounts
    }


def set_working_hours(account: Account, weekly: dict[str, list[str]], *, by: Account) -> None:
    parse_ranges(r for ranges in weekly.values() for r in ranges)  # refuses a malformed range
    row = db.session.scalars(select(SupervisorHours).where(SupervisorHours.account_id == account.id)).first()
    if row is None:
        row = SupervisorHours(account_id=account.id, weekly=weekly)
        db.session.add(row)
    else:
        row.weekly = weekly
        row.updated_at = utcnow()
    db.session.flush()
    record_event("bookings.working_hours_set", actor=by, account_id=account.id)


# --- availability -------------------------------------------------------------------------


@dataclass
class Diary:
    """Everything availability needs for a run of days, read once (no query per slot)."""

    zone: ZoneInfo
    now: datetime
    notice: timedelta
    slot_minutes: int
    buffer: timedelta
    opening: dict[str, list[str]]
    closed: set[date]
    supervisors: list[tuple[Account, dict[str, list[str]]]]
    bookings: list[FileAccessBooking] = field(default_factory=list)
    horizon_days: int = HORIZON_DAYS_DEFAULT

    @property
    def last_day(self) -> date:
        """The last day people may ask for: today plus the horizon, in the local diary."""
        return self.now.astimezone(self.zone).date() + timedelta(days=self.horizon_days)

    def _within(self, start: datetime, end: datetime, weekly: dict[str, list[str]]) -> bool:
        day = start.astimezone(self.zone).date()
        for first, last in parse_ranges(weekly.get(WEEKDAYS[day.weekday()], [])):
            if local_to_utc(day, first, self.zone) <= start and end <= local_to_utc(day, last, self.zone):
                return True
        return False

    def candidates(self, day: date) -> list[tuple[datetime, datetime]]:
        """Slots of the grid on ``day`` (the organisation's and each supervisor's), before
        notice and bookings are considered."""
        if day in self.closed:
            return []
        weekday = WEEKDAYS[day.weekday()]
        grids = [self.opening] + [weekly for _account, weekly in self.supervisors]
        found: set[tuple[datetime, datetime]] = set()
        for weekly in grids:
            ranges = parse_ranges(weekly.get(weekday, []))
            for start, end in slots_in_ranges(day, ranges, self.zone, slot_minutes=self.slot_minutes,
                                              buffer_minutes=int(self.buffer.total_seconds() // 60)):
                if self._within(start, end, self.opening):
                    found.add((start, end))
        return sorted(found)

    def free_supervisors(self, start: datetime, end: datetime, *, ignore: int | None = None) -> list[Account]:
        busy = {b.supervisor_id for b in self.bookings
                if b.status == BookingStatus.CONFIRMED and b.id != ignore
                and _overlaps(start, end, b.starts_at, b.ends_at, self.buffer)}
        return [account for account, weekly in self.supervisors
                if account.id not in busy and self._within(start, end, weekly)]

    def available(self, start: datetime, end: datetime, *, ignore: int | None = None) -> bool:
        if any(b.starts_at == start and b.id != ignore for b in self.bookings):
            return False
        waiting = [b for b in self.bookings
                   if b.status == BookingStatus.PENDING and b.id != ignore
                   and _overlaps(start, end, b.starts_at, b.ends_at, self.buffer)]
        return len(self.free_supervisors(start, end, ignore=ignore)) > len(waiting)

    def offered(self, day: date, *, ignore: int | None = None) -> list[tuple[datetime, datetime]]:
        if day > self.last_day:
            return []
        earliest = self.now + self.notice
        return [(start, end) for start, end in self.candidates(day)
                if start >= earliest and self.available(start, end, ignore=ignore)]

    def days(self, *, ignore: int | None = None) -> list[date]:
        first = self.now.astimezone(self.zone).date()
        return [first + timedelta(days=n) for n in range(self.horizon_days + 1)
                if self.offered(first + timedelta(days=n), ignore=ignore)]


def diary(*, now: datetime | None = None) -> Diary:
    now = now or utcnow()
    zone = organisation_zone()
    today = now.astimezone(zone).date()
    eligible = eligible_supervisors(today)
    hours = hours_of(eligible)
    supervisors = [(account, hours[account.id]) for account in eligible]
    horizon = horizon_days()
    window_start = now - timedelta(days=1)
    window_end = now + timedelta(days=horizon + 2)
    bookings = list(db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.status.in_(ACTIVE),
                                        FileAccessBooking.ends_at >= window_start,
                                        FileAccessBooking.starts_at <= window_end)
    ))
    return Diary(zone=zone, now=now, notice=notice(),
                 slot_minutes=int(setting("file_access.slot_minutes", 60)),
                 buffer=timedelta(minutes=int(setting("file_access.buffer_minutes", 0))),
                 opening=opening_hours(), closed=closures(), supervisors=supervisors,
                 bookings=bookings, horizon_days=horizon)


def _check_slot(starts_at: datetime, *, now: datetime, ignore: int | None = None) -> datetime:
    """The end of the slot starting at ``starts_at``, or why it can't be had."""
    book = diary(now=now)
    day = starts_at.astimezone(book.zone).date()
    match = [end for start, end in book.candidates(day) if start == starts_at]
    if not match or starts_at < now + book.notice or day > book.last_day:
        raise SlotNotOffered("that time is not offered (notice, horizon, opening hours or closure)")
    if not book.available(starts_at, match[0], ignore=ignore):
        raise SlotTaken("that time was just taken")
    return match[0]


# --- asking, changing, cancelling (the person's side) -------------------------------------


def _notify(person: Person, purpose: str, key: str, now: datetime | None = None) -> None:
    outbox.enqueue(person, purpose, key, now=now)


def request_booking(person: Person, starts_at: datetime, needs: Needs, *, by: Account,
                    now: datetime | None = None) -> FileAccessBooking:
    """Ask for a session. The request holds its slot until staff answer; if another request
    took it first (now, or in a race the database decides), raises ``SlotTaken``."""
    now = now or utcnow()
    ends_at = _check_slot(starts_at, now=now)
    booking = FileAccessBooking(
        reference=new_reference("B", FileAccessBooking), person_id=person.id, requested_by_id=by.id,
        acted_as=acted_as(by), starts_at=starts_at, ends_at=ends_at, status=BookingStatus.PENDING,
        version=1, interpreter=needs.interpreter,
        interpreter_language=(needs.interpreter_language or None) if needs.interpreter else None,
        advocate_coming=needs.advocate_coming, access_needs=needs.access_needs or None,
        copy_to_take_away=needs.copy_to_take_away, created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as exc:
        raise SlotTaken("that time was just taken") from exc
    record_event("bookings.requested", actor=by, person=person, booking=booking.reference)
    _notify(person, "booking-received", f"booking-received:{booking.id}", now)
    return booking


def bookings_of(person: Person) -> list[FileAccessBooking]:
    return list(db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.person_id == person.id)
        .order_by(FileAccessBooking.starts_at.desc())
    ))


def find_booking(person: Person, reference: str) -> FileAccessBooking | None:
    """Only the person's own booking (object-level access: a guessed reference finds nothing)."""
    return db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.person_id == person.id,
                                        FileAccessBooking.reference == reference.upper())
    ).first()


def _withdraw_unsent(booking: FileAccessBooking) -> int:
    """Nothing is sent about a booking after it is cancelled: unsent messages about it go."""
    result = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == Status.QUEUED,
            or_(*[OutboxMessage.dedupe_key.like(f"{purpose}:{booking.id}:%")
                  for purpose in ("booking-confirmed", "booking-changed", "booking-reminder")],
                OutboxMessage.dedupe_key == f"booking-received:{booking.id}"),
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel(booking: FileAccessBooking, *, by: Account, now: datetime | None = None) -> None:
    """The person may cancel at any time (no lock-in window)."""
    if not booking.is_active:
        raise BookingError("only a waiting or confirmed booking can be cancelled")
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now or utcnow()
    booking.version += 1
    db.session.flush()
    withdrawn = _withdraw_unsent(booking)
    person = db.session.get(Person, booking.person_id)
    record_event("bookings.cancelled", actor=by, person=person, booking=booking.reference,
                 messages_withdrawn=withdrawn)


def _move(booking: FileAccessBooking, starts_at: datetime, ends_at: datetime) -> None:
    booking.starts_at, booking.ends_at = starts_at, ends_at
    booking.version += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise SlotTaken("that time was just taken") from exc


def ask_to_move(booking: FileAccessBooking, starts_at: datetime, *, by: Account,
                now: datetime | None = None) -> None:
    """The person asks for another time: it waits for staff again, holding the new slot."""
    now = now or utcnow()
    if not booking.is_active:
        raise BookingError("only a waiting or confirmed booking can be moved")
    ends_at = _check_slot(starts_at, now=now, ignore=booking.id)
    old = booking.starts_at
    booking.status = BookingStatus.PENDING
    booking.supervisor_id = None
    _move(booking, starts_at, ends_at)
    person = db.session.get(Person, booking.person_id)
    assert person is not None
    record_event("bookings.move_asked", actor=by, person=person, booking=booking.reference,
                 was=old.isoformat(), now_at=starts_at.isoformat())
    _notify(person, "booking-changed", f"booking-changed:{booking.id}:{booking.version}", now)


# --- staff ---------------------------------------------------------------------------------


def queue() -> list[FileAccessBooking]:
    """Requests waiting for an answer, oldest first."""
    return list(db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.status == BookingStatus.PENDING)
        .order_by(FileAccessBooking.created_at, FileAccessBooking.id)
    ))


def upcoming(now: datetime | None = None) -> list[FileAccessBooking]:
    """Confirmed sessions, and those past that still need an outcome."""
    return list(db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.status == BookingStatus.CONFIRMED)
        .order_by(FileAccessBooking.starts_at, FileAccessBooking.id)
    ))


def supervisor_choices(booking: FileAccessBooking, *, now: datetime | None = None) -> list[Account]:
    """Who may be chosen to supervise this session: eligible (REC-3), working then, free."""
    book = diary(now=now)
    return book.free_supervisors(booking.starts_at, booking.ends_at, ignore=booking.id)


def _lock_supervisor(supervisor: Account) -> None:
    # PostgreSQL: serialise every confirm for this supervisor on their account row, so the
    # overlap check below sees any session confirmed just before (security.md, "Bookings").
    # SQLite: SQLAlchemy emits nothing, and BEGIN IMMEDIATE already serialises writers.
    db.session.execute(select(Account.id).where(Account.id == supervisor.id).with_for_update())


def _locked_booking(booking: FileAccessBooking) -> FileAccessBooking:
    fresh = db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.id == booking.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return fresh


def _supervisor_clash(supervisor: Account, booking: FileAccessBooking) -> bool:
    buffer = timedelta(minutes=int(setting("file_access.buffer_minutes", 0)))
    clash = db.session.scalars(
        select(FileAccessBooking.id).where(
            FileAccessBooking.supervisor_id == supervisor.id,
            FileAccessBooking.status == BookingStatus.CONFIRMED,
            FileAccessBooking.id != booking.id,
            FileAccessBooking.starts_at < booking.ends_at + buffer,
            FileAccessBooking.ends_at > booking.starts_at - buffer,
        )
    ).first()
    return clash is not None


def _check_supervisor(supervisor: Account, booking: FileAccessBooking, now: datetime) -> None:
    today = local_today(now)
    if not may_supervise(supervisor, today):
        raise BookingError("that account may not supervise file visits (REC-3)")
    book = diary(now=now)
    if not book._within(booking.starts_at, booking.ends_at, working_hours(supervisor)):
        raise BookingError("the supervisor does not work at that time")


def confirm(booking: FileAccessBooking, supervisor: Account, *, by: Account,
            now: datetime | None = None) -> FileAccessBooking:
    """The atomic pending-to-confirmed change: lock, re-check, change."""
    now = now or utcnow()
    _lock_supervisor(supervisor)
    booking = _locked_booking(booking)
    if booking.status != BookingStatus.PENDING:
        raise SlotTaken("the request is no longer waiting")
    _check_supervisor(supervisor, booking, now)
    if _supervisor_clash(supervisor, booking):
        raise SupervisorBusy("the supervisor was just booked for an overlapping session")
    booking.status = BookingStatus.CONFIRMED
    booking.supervisor_id = supervisor.id
    booking.decided_by_id, booking.decided_at = by.id, now
    booking.version += 1
    db.session.flush()
    person = db.session.get(Person, booking.person_id)
    assert person is not None
    record_event("bookings.confirmed", actor=by, person=person, booking=booking.reference,
                 supervisor_id=supervisor.id)
    _notify(person, "booking-confirmed", f"booking-confirmed:{booking.id}:{booking.version}", now)
    return booking


def decline(booking: FileAccessBooking, reason: DeclineReason, *, by: Account,
            now: datetime | None = None) -> None:
    now = now or utcnow()
    booking = _locked_booking(booking)
    if booking.status != BookingStatus.PENDING:
        raise BookingError("the request is no longer waiting")
    booking.status = BookingStatus.DECLINED
    booking.decline_reason = reason
    booking.decided_by_id, booking.decided_at = by.id, now
    booking.version += 1
    db.session.flush()
    person = db.session.get(Person, booking.person_id)
    assert person is not None
    record_event("bookings.declined", actor=by, person=person, booking=booking.reference,
                 reason=reason.value)
    _notify(person, "booking-declined", f"booking-declined:{booking.id}", now)


def move_by_staff(booking: FileAccessBooking, starts_at: datetime, *, reason: str, by: Account,
                  now: datetime | None = None) -> None:
    """Staff move a session (with a reason, for the audit trail). Notice does not apply (the
    person is told at once and can cancel or ask for another time), but the time must be on
    the grid, in the future, free, and the supervisor (if any) free and working then."""
    now = now or utcnow()
    if not reason.strip():
        raise BookingError("a move needs a reason")
    booking = _locked_booking(booking)
    if not booking.is_active:
        raise BookingError("only a waiting or confirmed booking can be moved")
    book = diary(now=now)
    day = starts_at.astimezone(book.zone).date()
    match = [end for start, end in book.candidates(day) if start == starts_at]
    if not match or starts_at <= now:
        raise SlotNotOffered("that time is not on the diary")
    old = booking.starts_at
    supervisor = db.session.get(Account, booking.supervisor_id) if booking.supervisor_id else None
    if supervisor is not None:
        _lock_supervisor(supervisor)
    _move(booking, starts_at, match[0])
    if supervisor is not None:
        _check_supervisor(supervisor, booking, now)
        if _supervisor_clash(supervisor, booking):
            raise SupervisorBusy("the supervisor is booked at that time")
    person = db.session.get(Person, booking.person_id)
    assert person is not None
    record_event("bookings.moved", actor=by, person=person, booking=booking.reference,
                 was=old.isoformat(), now_at=starts_at.isoformat(), reason=reason.strip()[:300])
    _notify(person, "booking-changed", f"booking-changed:{booking.id}:{booking.version}", now)


def mark_checklist(booking: FileAccessBooking, *, third_parties_removed: bool, file_ready: bool,
                   by: Account, now: datetime | None = None) -> None:
    """The preparation before a session: third-party information removed (REC-4), file ready."""
    now = now or utcnow()
    if third_parties_removed and booking.third_parties_removed_at is None:
        booking.third_parties_removed_at, booking.third_parties_removed_by_id = now, by.id
    if file_ready and booking.file_ready_at is None:
        booking.file_ready_at, booking.file_ready_by_id = now, by.id
    db.session.flush()
    person = db.session.get(Person, booking.person_id)
    record_event("bookings.prepared", actor=by, person=person, booking=booking.reference,
                 third_parties_removed=booking.third_parties_removed_at is not None,
                 file_ready=booking.file_ready_at is not None)


def is_prepared(booking: FileAccessBooking) -> bool:
    return booking.third_parties_removed_at is not None and booking.file_ready_at is not None


def record_outcome(booking: FileAccessBooking, *, attended: bool, by: Account,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError("only a confirmed session has an outcome")
    if booking.starts_at > now:
        raise BookingError("the session has not started yet")
    if attended and not is_prepared(booking):
        # REC-4: nobody sees a file before third-party information is removed.
        raise BookingError("the preparation checklist is not done")
    booking.status = BookingStatus.ATTENDED if attended else BookingStatus.NOT_ATTENDED
    booking.outcome_at = now
    booking.version += 1
    db.session.flush()
    person = db.session.get(Person, booking.person_id)
    record_event("bookings.outcome", actor=by, person=person, booking=booking.reference,
                 outcome=booking.status.value)


def make_reminders(*, now: datetime | None = None) -> int:
    """One discreet message the day before each confirmed session (local days)."""
    now = now or utcnow()
    zone = organisation_zone()
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    start = local_to_utc(tomorrow, time(0, 0), zone)
    end = local_to_utc(tomorrow + timedelta(days=1), time(0, 0), zone)
    made = 0
    for booking in db.session.scalars(
        select(FileAccessBooking).where(FileAccessBooking.status == BookingStatus.CONFIRMED,
                                        FileAccessBooking.starts_at >= start,
                                        FileAccessBooking.starts_at < end)
        .order_by(FileAccessBooking.id)
    ):
        person = db.session.get(Person, booking.person_id)
        assert person is not None
        key = f"booking-reminder:{booking.id}:{booking.starts_at.strftime('%Y%m%dT%H%M')}"
        if outbox.enqueue(person, "booking-reminder", key, now=now).created:
            made += 1
    return made


def ics(booking: FileAccessBooking) -> bytes:
    """A calendar file with a neutral title and nothing about what the appointment is."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Portal//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{booking.reference}@portal")
    event.add("dtstamp", booking.decided_at or booking.created_at)
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.ends_at.astimezone(UTC))
    event.add("summary", "Appointment")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


# --- subject access requests (REC-1) ------------------------------------------------------


def open_access_request(person: Person) -> SubjectAccessRequest | None:
    return db.session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.person_id == person.id,
                                           SubjectAccessRequest.done_at.is_(None))
        .order_by(SubjectAccessRequest.id.desc())
    ).first()


def access_requests_of(person: Person) -> list[SubjectAccessRequest]:
    return list(db.session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.person_id == person.id)
        .order_by(SubjectAccessRequest.id.desc())
    ))


def request_copy(person: Person, *, by: Account, now: datetime | None = None) -> SubjectAccessRequest:
    """Ask for a copy of the records. One open request at a time: asking again returns it."""
    now = now or utcnow()
    existing = open_access_request(person)
    if existing is not None:
        return existing
    received = local_today(now)
    sar = SubjectAccessRequest(
        reference=new_reference("S", SubjectAccessRequest), person_id=person.id, requested_by_id=by.id,
        acted_as=acted_as(by), received_on=received, due_on=add_months(received, 1),
        extended_months=0, created_at=now,
    )
    db.session.add(sar)
    db.session.flush()
    record_event("access_request.made", actor=by, person=person, access_request=sar.reference)
    _notify(person, "access-request-received", f"access-request-received:{sar.id}", now)
    return sar


def open_access_requests() -> list[SubjectAccessRequest]:
    return list(db.session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.done_at.is_(None))
        .order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)
    ))


def extend_access_request(sar: SubjectAccessRequest, months: int, *, reason: str, by: Account,
                          now: datetime | None = None) -> None:
    if sar.done_at is not None:
        raise BookingError("the request is already done")
    if not 1 <= months <= SAR_MAX_EXTENSION_MONTHS - sar.extended_months:
        raise BookingError("the deadline may be extended by two months at most")
    if not reason.strip():
        raise BookingError("an extension needs a reason the person is told")
    sar.extended_months += months
    sar.due_on = add_months(sar.received_on, 1 + sar.extended_months)
    sar.extension_reason = reason.strip()[:500]
    sar.extended_by_id = by.id
    db.session.flush()
    person = db.session.get(Person, sar.person_id)
    assert person is not None
    record_event("access_request.extended", actor=by, person=person, access_request=sar.reference,
                 months=months, due_on=sar.due_on.isoformat())
    _notify(person, "access-request-extended", f"access-request-extended:{sar.id}:{sar.extended_months}", now)


def complete_access_request(sar: SubjectAccessRequest, *, by: Account, now: datetime | None = None) -> None:
    if sar.done_at is not None:
        return
    sar.done_at, sar.done_by_id = now or utcnow(), by.id
    db.session.flush()
    person = db.session.get(Person, sar.person_id)
    assert person is not None
    record_event("access_request.done", actor=by, person=person, access_request=sar.reference)
    _notify(person, "access-request-done", f"access-request-done:{sar.id}", now)


def days_left(due_on: date, now: datetime | None = None) -> int:
    return (due_on - local_today(now)).days

