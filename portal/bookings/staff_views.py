"""The staff side of file access: the queue of requests (oldest first, time left to answer),
confirming with an eligible supervisor (REC-3) or declining with a reason, the preparation
checklist (REC-4), moving, the outcome; subject access deadlines (REC-1); working hours."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import Account
from portal.bookings import services
from portal.bookings.forms import (
    DECLINE_LABELS,
    ChecklistForm,
    ConfirmForm,
    DeclineForm,
    ExtendForm,
    HoursForm,
    MoveForm,
    SendForm,
)
from portal.bookings.models import DeclineReason, FileAccessBooking, SubjectAccessRequest
from portal.bookings.views import clock, zone_name
from portal.db import utcnow
from portal.extensions import db
from portal.people import need_to_know
from portal.people.models import Person
from portal.security import CASEWORKERS, STAFF_ANY, allow, signed_in_account

bp = Blueprint("staff_bookings", __name__, url_prefix="/staff/bookings", template_folder="templates")


def time_left(deadline: datetime, now: datetime | None = None) -> str:
    seconds = (deadline - (now or utcnow())).total_seconds()
    if seconds <= 0:
        return _("No time left")
    hours = int(seconds // 3600)
    if hours >= 48:
        return ngettext("%(num)d day left", "%(num)d days left", hours // 24)
    return ngettext("%(num)d hour left", "%(num)d hours left", max(hours, 1))


def days_left_text(sar: SubjectAccessRequest) -> str:
    days = services.days_left(sar.due_on)
    if days < 0:
        return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", -days)
    return ngettext("%(num)d day left", "%(num)d days left", days)


def _booking(booking_id: int) -> FileAccessBooking:
    found = db.session.get(FileAccessBooking, booking_id)
    if found is None:
        abort(404)
    return found


def _people(bookings: list[FileAccessBooking]) -> dict[int, Person]:
    ids = {b.person_id for b in bookings}
    if not ids:
        return {}
    from sqlalchemy import select

    return {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}


@bp.route("")
@allow(CASEWORKERS)
def queue() -> str:
    waiting = services.queue()
    upcoming = services.upcoming()
    requests = services.open_access_requests()
    people = _people(waiting + upcoming)
    if requests:
        from sqlalchemy import select

        people.update({p.id: p for p in db.session.scalars(
            select(Person).where(Person.id.in_({r.person_id for r in requests})))})
    return render_template("bookings/staff_queue.html", waiting=waiting, upcoming=upcoming,
                           requests=requests, people=people, time_left=time_left,
                           days_left_text=days_left_text, format_slot=format_local_slot,
                           back_url=url_for("staff.home"))


def format_local_slot(booking: FileAccessBooking) -> str:
    from portal.i18n import format_local_date, organisation_zone

    day = format_local_date(booking.starts_at.astimezone(organisation_zone()).date())
    return _("%(day)s, %(start)s to %(end)s (%(zone)s)", day=day, start=clock(booking.starts_at),
             end=clock(booking.ends_at), zone=zone_name())


def _render_booking(found: FileAccessBooking, *, confirm_form: ConfirmForm | None = None,
                    decline_form: DeclineForm | None = None, move_form: MoveForm | None = None,
                    status: int = 200) -> tuple[str, int]:
    person = db.session.get(Person, found.person_id)
    confirm_form = confirm_form or ConfirmForm()
    supervisors = services.supervisor_choices(found)
    confirm_form.supervisor.choices = [SelectChoice(str(a.id), a.display_name) for a in supervisors]
    supervisor = db.session.get(Account, found.supervisor_id) if found.supervisor_id else None
    checklist = ChecklistForm(data={"third_parties_removed": found.third_parties_removed_at is not None,
                                    "file_ready": found.file_ready_at is not None})
    return render_template(
        "bookings/staff_booking.html", booking=found, person=person, supervisor=supervisor,
        supervisors=supervisors, confirm_form=confirm_form, decline_form=decline_form or DeclineForm(),
        checklist=checklist, move_form=move_form or MoveForm(prefix="move"), outcome_form=SendForm(),
        slot=format_local_slot(found), time_left=time_left, decline_labels=DECLINE_LABELS,
        started=found.starts_at <= utcnow(), prepared=services.is_prepared(found),
        back_url=url_for("staff_bookings.queue"),
    ), status


def _person_of(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    assert person is not None  # bookings and requests always belong to a person
    return person


@bp.route("/<int:booking_id>")
@allow(CASEWORKERS)
def booking(booking_id: int) -> tuple[str, int]:
    found = _booking(booking_id)
    # The request shows who asked and their needs: a view of their record (SEC-1).
    need_to_know.record_view(_person_of(found.person_id), basis="booking")
    return _render_booking(found)


@bp.route("/<int:booking_id>/confirm", methods=["POST"])
@allow(CASEWORKERS)
def confirm(booking_id: int) -> Response | tuple[str, int]:
    found = _booking(booking_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # The choice is re-checked inside the locked confirm (the list shown may be stale by now),
    # so the form does not check it against the list itself.
    chosen = form.supervisor.data or ""
    supervisor = db.session.get(Account, int(chosen)) if chosen.isdigit() else None
    if supervisor is None:
        flash(_("Choose someone from the list."), "error")
        return redirect(url_for("staff_bookings.booking", booking_id=found.id))
    try:
        services.confirm(found, supervisor, by=signed_in_account())
    except services.SupervisorBusy:
        flash(_("That time was just taken for this supervisor. Choose another supervisor."), "error")
        return redirect(url_for("staff_bookings.booking", booking_id=found.id))
    except services.SlotTaken:
        flash(_("Someone else has just answered this request."), "error")
        return redirect(url_for("staff_bookings.booking", booking_id=found.id))
    except services.BookingError:
        flash(_("They can't supervise this session. Choose someone from the list."), "error")
        return redirect(url_for("staff_bookings.booking", booking_id=found.id))
    flash(_("Confirmed. They will get a message to sign in and see it."), "success")
    return redirect(url_for("staff_bookings.queue"))


@bp.route("/<int:booking_id>/decline", methods=["POST"])
@allow(CASEWORKERS)
def decline(booking_id: int) -> Response | tuple[str, int]:
    found = _booking(booking_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _render_booking(found, decline_form=form, status=400)
    try:
        services.decline(found, DeclineReason(form.reason.data or ""), by=signed_in_account())
    except services.BookingError:
        flash(_("Someone else has just answered this request."), "error")
        return redirect(url_for("staff_bookings.booking", booking_id=found.id))
    flash(_("Declined. They will be told why and can choose another time."), "success")
    return redirect(url_for("staff_bookings.queue"))


@bp.route("/<int:booking_id>/checklist", methods=["POST"])
@allow(CASEWORKERS)
def checklist(booking_id: int) -> Response:
    found = _booking(booking_id)
    form = ChecklistForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_checklist(found, third_parties_removed=bool(form.third_parties_removed.data),
                            file_ready=bool(form.file_ready.data), by=signed_in_account())
    flash(_("Saved."), "success")
    return redirect(url_for("staff_bookings.booking", booking_id=found.id))


@bp.route("/<int:booking_id>/outcome/<outcome>", methods=["POST"])
@allow(CASEWORKERS)
def outcome(booking_id: int, outcome: str) -> Response:
    found = _booking(booking_id)
    if outcome not in ("attended", "not-attended") or not SendForm().validate_on_submit():
        abort(400)
    try:
        services.record_outcome(found, attended=outcome == "attended", by=signed_in_account())
    except services.BookingError:
        flash(_("That can't be recorded yet: the session must have started, and for a visit that happened "
                "the preparation checklist must be done."), "error")
    else:
        flash(_("Recorded."), "success")
    return redirect(url_for("staff_bookings.booking", booking_id=found.id))


@bp.route("/<int:booking_id>/move", methods=["POST"])
@allow(CASEWORKERS)
def move(booking_id: int) -> Response | tuple[str, int]:
    found = _booking(booking_id)
    form = MoveForm(prefix="move")
    if not form.validate_on_submit() or form.day.data is None:
        return _render_booking(found, move_form=form, status=400)
    from portal.bookings.services import local_to_utc
    from portal.i18n import organisation_zone

    hours, minutes = (int(part) for part in (form.clock.data or "0:0").split(":"))
    try:
        starts_at = local_to_utc(form.day.data, time(hours, minutes), organisation_zone())
        services.move_by_staff(found, starts_at, reason=form.reason.data or "", by=signed_in_account())
    except ValueError as exc:  # a BookingError, or an impossible time like 25:00
        db.session.rollback()
        if isinstance(exc, services.SlotTaken | services.SupervisorBusy):
            message = _("That time was just taken. Pick another.")
        else:
            message = _("That time is not in the diary: choose a start time of a session on an open day.")
        form.clock.errors = [*form.clock.errors, message]
        return _render_booking(_booking(booking_id), move_form=form, status=400)
    flash(_("Moved. They will get a message to sign in and see the new time."), "success")
    return redirect(url_for("staff_bookings.booking", booking_id=found.id))


# --- subject access requests --------------------------------------------------------------


def _access_request(sar_id: int) -> SubjectAccessRequest:
    found = db.session.get(SubjectAccessRequest, sar_id)
    if found is None:
        abort(404)
    return found


def _render_access_request(sar: SubjectAccessRequest, form: ExtendForm | None = None,
                           status: int = 200) -> tuple[str, int]:
    return render_template(
        "bookings/staff_access_request.html", sar=sar, person=db.session.get(Person, sar.person_id),
        form=form or ExtendForm(), done_form=SendForm(), left=days_left_text(sar),
        may_extend=sar.extended_months < services.SAR_MAX_EXTENSION_MONTHS and sar.done_at is None,
        back_url=url_for("staff_bookings.queue"),
    ), status


@bp.route("/access-requests/<int:sar_id>")
@allow(CASEWORKERS)
def access_request(sar_id: int) -> tuple[str, int]:
    sar = _access_request(sar_id)
    need_to_know.record_view(_person_of(sar.person_id), basis="access-request")
    return _render_access_request(sar)


@bp.route("/access-requests/<int:sar_id>/extend", methods=["POST"])
@allow(CASEWORKERS)
def extend(sar_id: int) -> Response | tuple[str, int]:
    sar = _access_request(sar_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            services.extend_access_request(sar, int(form.months.data or 0), reason=form.reason.data or "",
                                           by=signed_in_account())
        except services.BookingError:
            form.months.errors = [*form.months.errors,
                                  _("The deadline can be extended by two months at most in all.")]
        else:
            flash(_("Extended. They will be told the new date and why."), "success")
            return redirect(url_for("staff_bookings.access_request", sar_id=sar.id))
    return _render_access_request(sar, form, status=400)


@bp.route("/access-requests/<int:sar_id>/done", methods=["POST"])
@allow(CASEWORKERS)
def access_request_done(sar_id: int) -> Response:
    sar = _access_request(sar_id)
    if not SendForm().validate_on_submit():
        abort(400)
    services.complete_access_request(sar, by=signed_in_account())
    flash(_("Marked as done."), "success")
    return redirect(url_for("staff_bookings.queue"))


# --- working hours ------------------------------------------------------------------------


@bp.route("/hours", methods=["GET", "POST"])
@allow(STAFF_ANY)
def hours() -> str | Response:
    """A supervisor's own working hours (no row means the opening hours)."""
    account = signed_in_account()
    current = services.working_hours(account)
    form = HoursForm(data={day: ", ".join(ranges) for day, ranges in current.items()})
    if form.validate_on_submit():
        weekly = {day: [r.strip() for r in (form[day].data or "").split(",") if r.strip()]
                  for day in services.WEEKDAYS}
        try:
            for first, last in services.parse_ranges(r for ranges in weekly.values() for r in ranges):
                if first >= last:
                    raise ValueError("a range must end after it starts")
        except ValueError:
            message = _("Enter real times, each range ending after it starts.")
            form.monday.errors = [*form.monday.errors, message]
        else:
            services.set_working_hours(account, weekly, by=account)
            flash(_("Your working hours are saved."), "success")
            return redirect(url_for("staff_bookings.hours"))
    return render_template("bookings/staff_hours.html", form=form, back_url=url_for("staff.home"))
