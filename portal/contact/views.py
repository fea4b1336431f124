"""The person's "how we contact you" page, and the summary staff see before contact.

Only the service user themselves may open the page: advocates never see or change it (the
note may be about them, and there is no grant for it yet), nor do staff-side accounts,
who see the summary on the person's record instead (SEC-1: need to know).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.contact import services
from portal.contact.forms import CHANNEL_LABELS, NO, TIME_LABELS, YES, ContactPreferenceForm
from portal.contact.models import SafeTimes
from portal.people.models import Person
from portal.security import allow, signed_in_account

bp = Blueprint("contact", __name__, template_folder="templates")

SELF_ONLY = frozenset({Role.SERVICE_USER})


@bp.route("/contact", methods=["GET", "POST"])
@allow(SELF_ONLY)
def preferences() -> str | Response:
    account = signed_in_account()
    person = account.person
    assert person is not None  # a service user always has a person (accounts check constraint)
    current = services.in_force(person)
    form = ContactPreferenceForm(
        email=current.email_ok, text=current.text_ok, phone=current.phone_ok,
        safe_times=current.safe_times.value if current.row is not None else None,
        leave_message=YES if current.may_leave_message else NO, note=current.note or "",
    )
    if form.validate_on_submit():
        services.set_preferences(
            person, by=account, email_ok=bool(form.email.data), text_ok=bool(form.text.data),
            phone_ok=bool(form.phone.data),
            safe_times=SafeTimes(form.safe_times.data or SafeTimes.ANY),
            may_leave_message=form.leave_message.data == YES, note=form.note.data,
        )
        flash(_("Saved. Our staff will check these before they contact you."), "success")
        return redirect(url_for("contact.preferences"))
    return render_template("contact/preferences.html", form=form, current=current,
                           account=account, back_url=url_for("home.home"))


@dataclass(frozen=True)
class StaffSummary:
    """What staff read before they contact someone, with the labels already chosen."""

    is_set: bool
    channels: list[str]
    times: str
    may_leave_message: bool
    note: str | None
    set_at: datetime | None


def staff_summary(person: Person) -> StaffSummary:
    current = services.in_force(person)
    channels = [str(label) for key, label in CHANNEL_LABELS.items()
                if getattr(current, f"{key}_ok")]
    return StaffSummary(
        is_set=current.row is not None, channels=channels,
        times=str(TIME_LABELS[current.safe_times]), may_leave_message=current.may_leave_message,
        note=current.note, set_at=current.row.created_at if current.row is not None else None,
    )
