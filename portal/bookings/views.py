"""The person's side: ask to see their file (day, time, needs, check, send, confirmation),
see, cancel or move a booking, download it to a calendar, and ask for a copy of their
records (REC-1, REC-2).

The answers are kept in the session until sent (nothing is binding before); the request is
one POST that holds its slot. Works without JavaScript: every step is a plain form.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.bookings import services
from portal.bookings.forms import DECLINE_LABELS, DayForm, NeedsForm, SendForm, TimeForm
from portal.bookings.models import BookingStatus, FileAccessBooking
from portal.i18n import format_local_date, organisation_zone
from portal.people.acting import Acting, acting_for
from portal.security import PEOPLE, allow

bp = Blueprint("bookings", __name__, url_prefix="/bookings", template_folder="templates")

DRAFT = "booking_draft"


def _acting() -> Acting:
    """An advocate may ask for or change a booking only if their link allows booking."""
    return acting_for("book")


def _changer() -> Acting:
    acting = _acting()
    if not acting.may_change:
        abort(403)
    return acting


def _draft() -> dict[str, object]:
    draft: dict[str, object] = session.get(DRAFT, {})
    return draft


def _save(**values: object) -> None:
    session[DRAFT] = {**_draft(), **values}


def clock(moment: datetime) -> str:
    """The wall-clock time in the organisation's zone, like 09:30."""
    from babel.dates import format_time

    from portal.i18n import _babel_locale

    return format_time(moment.astimezone(organisation_zone()), format="HH:mm", locale=_babel_locale())


def zone_name() -> str:
    from babel.dates import get_timezone_location

    from portal.i18n import _babel_locale

    return str(get_timezone_location(organisation_zone(), locale=_babel_locale()))


def _moving(acting: Acting) -> FileAccessBooking | None:
    reference = _draft().get("moving")
    if not reference:
        return None
    booking = services.find_booking(acting.person, str(reference))
    return booking if booking is not None and booking.is_active else None


@bp.route("")
@allow(PEOPLE)
def overview() -> str:
    acting = _acting()
    return render_template(
        "bookings/overview.html", acting=acting, bookings=services.bookings_of(acting.person),
        access_requests=services.access_requests_of(acting.person), decline_labels=DECLINE_LABELS,
        back_url=url_for("home.home"),
    )


@bp.route("/day", methods=["GET", "POST"])
@allow(PEOPLE)
def choose_day() -> str | Response:
    acting = _changer()
    moving = _moving(acting)
    book = services.diary()
    days = book.days(ignore=moving.id if moving else None)
    form = DayForm(data={"day": _draft().get("day")})
    form.day.choices = [SelectChoice(d.isoformat(), format_local_date(d)) for d in days]
    if form.validate_on_submit():
        _save(day=form.day.data)
        return redirect(url_for("bookings.choose_time"))
    return render_template("bookings/day.html", form=form, days=days, moving=moving,
                           notice_hours=int(book.notice.total_seconds() // 3600),
                           horizon_days=book.horizon_days,
                           back_url=url_for("bookings.overview"))


@bp.route("/time", methods=["GET", "POST"])
@allow(PEOPLE)
def choose_time() -> str | Response:
    acting = _changer()
    moving = _moving(acting)
    try:
        day = date.fromisoformat(str(_draft().get("day", "")))
    except ValueError:
        return redirect(url_for("bookings.choose_day"))
    book = services.diary()
    slots = book.offered(day, ignore=moving.id if moving else None)
    form = TimeForm(data={"start": _draft().get("start")})
    form.start.choices = [
        SelectChoice(start.isoformat(), _("%(start)s to %(end)s", start=clock(start), end=clock(end)))
        for start, end in slots
    ]
    if form.validate_on_submit():
        _save(start=form.start.data)
        return redirect(url_for("bookings.check") if moving else url_for("bookings.needs"))
    return render_template("bookings/time.html", form=form, day=format_local_date(day), zone=zone_name(),
                           back_url=url_for("bookings.choose_day"))


@bp.route("/needs", methods=["GET", "POST"])
@allow(PEOPLE)
def needs() -> str | Response:
    _changer()
    if not _draft().get("start"):
        return redirect(url_for("bookings.choose_day"))
    saved = _draft().get("needs") or {}
    assert isinstance(saved, dict)
    form = NeedsForm(data=saved)
    if form.validate_on_submit():
        _save(needs={
            "interpreter": form.interpreter.data, "advocate_coming": form.advocate_coming.data,
            "copy_to_take_away": form.copy_to_take_away.data,
            "interpreter_language": (form.interpreter_language.data or "").strip()
            if form.interpreter.data == "yes" else "",
            "access_needs": (form.access_needs.data or "").strip(),
        })
        return redirect(url_for("bookings.check"))
    return render_template("bookings/needs.html", form=form, back_url=url_for("bookings.choose_time"))


def _needs_from(saved: dict[str, str]) -> services.Needs:
    return services.Needs(
        interpreter=saved.get("interpreter") == "yes",
        interpreter_language=saved.get("interpreter_language") or None,
        advocate_coming=saved.get("advocate_coming") == "yes",
        access_needs=saved.get("access_needs") or None,
        copy_to_take_away=saved.get("copy_to_take_away") == "yes",
    )


@bp.route("/check", methods=["GET", "POST"])
@allow(PEOPLE)
def check() -> str | Response:
    acting = _changer()
    moving = _moving(acting)
    draft = _draft()
    saved = draft.get("needs")
    if not draft.get("start") or (moving is None and not isinstance(saved, dict)):
        return redirect(url_for("bookings.choose_day"))
    try:
        starts_at = datetime.fromisoformat(str(draft["start"]))
    except ValueError:
        return redirect(url_for("bookings.choose_day"))
    form = SendForm()
    if form.validate_on_submit():
        try:
            if moving is not None:
                services.ask_to_move(moving, starts_at, by=acting.account)
                booking = moving
            else:
                assert isinstance(saved, dict)
                booking = services.request_booking(acting.person, starts_at, _needs_from(saved),
                                                   by=acting.account)
        except (services.SlotTaken, services.SlotNotOffered):
            # The loser of a race (or a time posted from outside the list).
            _save(start=None)
            flash(_("That time was just taken. Please pick another."), "error")
            return redirect(url_for("bookings.choose_time"))
        session.pop(DRAFT, None)
        return redirect(url_for("bookings.sent", reference=booking.reference))
    needs_shown = _needs_from(saved) if isinstance(saved, dict) else None
    return render_template(
        "bookings/check.html", form=form, moving=moving, needs=needs_shown,
        day=format_local_date(starts_at.astimezone(organisation_zone()).date()),
        time=_("%(start)s to %(end)s", start=clock(starts_at), end=clock(starts_at + services.slot_length())),
        zone=zone_name(),
        back_url=url_for("bookings.needs") if moving is None else url_for("bookings.choose_time"),
    )


@bp.route("/sent/<reference>")
@allow(PEOPLE)
def sent(reference: str) -> str:
    acting = _acting()
    booking = services.find_booking(acting.person, reference)
    if booking is None:
        abort(404)
    return render_template("bookings/sent.html", booking=booking, clock=clock, zone=zone_name())


@bp.route("/<reference>")
@allow(PEOPLE)
def booking(reference: str) -> str:
    acting = _acting()
    found = services.find_booking(acting.person, reference)
    if found is None:
        abort(404)
    return render_template("bookings/booking.html", acting=acting, booking=found, clock=clock,
                           zone=zone_name(), decline_labels=DECLINE_LABELS,
                           back_url=url_for("bookings.overview"))


@bp.route("/<reference>/cancel", methods=["GET", "POST"])
@allow(PEOPLE)
def cancel(reference: str) -> str | Response:
    acting = _changer()
    found = services.find_booking(acting.person, reference)
    if found is None:
        abort(404)
    form = SendForm()
    if form.validate_on_submit():
        if found.is_active:
            services.cancel(found, by=acting.account)
        flash(_("It is cancelled. You can ask for another time whenever you like."), "success")
        return redirect(url_for("bookings.overview"))
    return render_template("bookings/cancel.html", form=form, booking=found, clock=clock, zone=zone_name(),
                           back_url=url_for("bookings.booking", reference=found.reference))


@bp.route("/<reference>/move", methods=["POST"])
@allow(PEOPLE)
def move(reference: str) -> Response:
    """Start asking for another time: the day and time pages, then check and send."""
    acting = _changer()
    found = services.find_booking(acting.person, reference)
    if found is None or not found.is_active:
        abort(404)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    session[DRAFT] = {"moving": found.reference}
    return redirect(url_for("bookings.choose_day"))


@bp.route("/<reference>/calendar.ics")
@allow(PEOPLE)
def calendar(reference: str) -> Response:
    acting = _acting()
    found = services.find_booking(acting.person, reference)
    if found is None or found.status != BookingStatus.CONFIRMED:
        abort(404)
    response = make_response(services.ics(found))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@bp.route("/copy", methods=["GET", "POST"])
@allow(PEOPLE)
def copy() -> str | Response:
    """Ask for a copy of everything we have written about them (REC-1). An advocate may ask
    only with the person's recorded authority (issue 6; ICO: a third party needs it)."""
    acting = acting_for("request_records")
    if not acting.may_change:
        abort(403)
    form = SendForm()
    if form.validate_on_submit():
        services.request_copy(acting.person, by=acting.account)
        flash(_("We have your request. We will answer within one month."), "success")
        return redirect(url_for("bookings.overview"))
    return render_template("bookings/copy.html", form=form,
                           open_request=services.open_access_request(acting.person),
                           back_url=url_for("bookings.overview"))


@bp.cli.command("remind")
def remind_command() -> None:
    """Make the day-before reminders for confirmed visits. Run it daily, before
    `flask reminders send` (which sends what is queued, at safe times)."""
    import click

    from portal.extensions import db

    with db.transaction():
        made = services.make_reminders()
    click.echo(f"Visit reminders made: {made}.")
