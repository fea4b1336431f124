"""Staff side of advocates (issue 6): a person's advocates and the basis for each, linking
an advocate on a recorded basis with a review date, suspending a link at once for a
safeguarding worry (the reason is for staff only), ending a link for good with a reason,
reviewing a link on its review date, the never-link list, and the quiet safeguarding alerts
and links due for review shown on the staff home."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.accounts.models import Account
from portal.advocates import services
from portal.advocates.forms import (
    BASIS_LABELS,
    END_REASON_LABELS,
    PERMISSION_LABELS,
    EndLinkForm,
    ReviewForm,
    StaffLinkForm,
    SuspendForm,
)
from portal.advocates.models import AdvocateLinkReview, NeverLink, SafeguardingAlert
from portal.consent.services import local_today
from portal.extensions import db
from portal.i18n import format_local_date
from portal.people.models import AdvocateLink, Person
from portal.people.services import find_person
from portal.security import CASEWORKERS, allow, signed_in_account

bp = Blueprint("staff_advocates", __name__, url_prefix="/staff", template_folder="templates")

LINK_ERRORS = {
    "never-link": _l("The person asked us never to link this advocate. Talk to them first."),
    "already-linked": _l("This advocate is already linked to the person."),
    "not-an-advocate": _l("No advocate account uses this email address. An administrator can "
                          "make one under “Staff, volunteer and advocate accounts”."),
}


def _person(reference: str) -> Person:
    person = find_person(reference)
    if person is None:
        abort(404)
    return person


def _link(person: Person, link_id: int) -> AdvocateLink:
    link = db.session.get(AdvocateLink, link_id)
    if link is None or link.person_id != person.id:
        abort(404)
    return link


def _person_page(person: Person) -> Response:
    return redirect(url_for("staff_advocates.person_advocates", reference=person.reference))


@bp.route("/people/<reference>/advocates")
@allow(CASEWORKERS)
def person_advocates(reference: str) -> str:
    person = _person(reference)
    links = services.staff_links_of(person)
    reviews = services.last_reviews(links)
    return render_template(
        "advocates/staff_person.html", person=person, links=links,
        invitations=services.pending_invitations(person), never=services.never_link_list(person),
        permission_labels=PERMISSION_LABELS, basis_labels=BASIS_LABELS,
        end_reason_labels=END_REASON_LABELS, endings=services.endings_of(links), reviews=reviews,
        accounts={a.id: a for a in _accounts_named(links, reviews.values())},
        today=local_today(), back_url=url_for("staff.person", reference=person.reference),
    )


def _accounts_named(links: list[AdvocateLink],
                    reviews: Iterable[AdvocateLinkReview] = ()) -> list[Account]:
    ids = {i for link in links for i in (link.granted_by_id, link.suspended_by_id, link.ended_by_id) if i}
    ids |= {review.reviewed_by_id for review in reviews}
    return [a for a in (db.session.get(Account, i) for i in ids) if a is not None]


@bp.route("/people/<reference>/advocates/link", methods=["GET", "POST"])
@allow(CASEWORKERS)
def link(reference: str) -> str | Response:
    person = _person(reference)
    form = StaffLinkForm()
    if form.validate_on_submit() and form.review_date.data is not None:
        advocate = services.find_advocate_account(form.email.data or "")
        try:
            if advocate is None:
                raise services.AdvocateError("not-an-advocate")
            services.staff_link(
                person, advocate, relationship_label=form.relationship_label.data or "",
                basis=form.basis.data or "", basis_details=form.basis_details.data,
                review_date=form.review_date.data, grant=form.grant(), by=signed_in_account())
        except services.AdvocateError as error:
            form.email.errors.append(str(LINK_ERRORS.get(error.reason, LINK_ERRORS["not-an-advocate"])))
        else:
            flash(_("Linked. They can help the person from their next page."), "success")
            return _person_page(person)
    return render_template("advocates/staff_link.html", form=form, person=person,
                           back_url=url_for("staff_advocates.person_advocates", reference=reference))


@bp.route("/people/<reference>/advocates/<int:link_id>/suspend", methods=["GET", "POST"])
@allow(CASEWORKERS)
def suspend(reference: str, link_id: int) -> str | Response:
    person = _person(reference)
    found = _link(person, link_id)
    if not found.in_force:
        return _person_page(person)
    form = SuspendForm()
    if form.validate_on_submit():
        services.suspend(found, reason=form.reason.data or "", by=signed_in_account())
        flash(_("Suspended. The advocate can no longer act for the person, from their next page. "
                "They are not told why."), "success")
        return _person_page(person)
    return render_template("advocates/staff_suspend.html", form=form, person=person, link=found,
                           back_url=url_for("staff_advocates.person_advocates", reference=reference))


@bp.route("/people/<reference>/advocates/<int:link_id>/lift", methods=["POST"])
@allow(CASEWORKERS)
def lift(reference: str, link_id: int) -> Response:
    person = _person(reference)
    if services.lift_suspension(_link(person, link_id), by=signed_in_account()):
        flash(_("The suspension is lifted. They can help the person again."), "success")
    else:
        flash(_("That link is not suspended."), "info")
    return _person_page(person)


@bp.route("/people/<reference>/advocates/<int:link_id>/end", methods=["GET", "POST"])
@allow(CASEWORKERS)
def end(reference: str, link_id: int) -> str | Response:
    """End a link for good, with a reason (staff only). A suspended link can be ended too."""
    person = _person(reference)
    found = _link(person, link_id)
    if found.ended_at is not None:
        flash(_("That link has already ended."), "info")
        return _person_page(person)
    form = EndLinkForm()
    if form.validate_on_submit():
        services.end_by_staff(found, reason=form.reason.data or "", details=form.details.data,
                              by=signed_in_account())
        flash(_("Ended. %(name)s can no longer act for the person, from their next page. "
                "They are not told why.", name=found.advocate.display_name), "success")
        return _person_page(person)
    return render_template("advocates/staff_end.html", form=form, person=person, link=found,
                           back_url=url_for("staff_advocates.person_advocates", reference=reference))


@bp.route("/people/<reference>/advocates/<int:link_id>/review", methods=["GET", "POST"])
@allow(CASEWORKERS)
def review(reference: str, link_id: int) -> str | Response:
    """Reviewed: keep the link until a new review date, or go on to end it. Only links staff
    recorded have a review date; the person's own invitations are theirs to end."""
    person = _person(reference)
    found = _link(person, link_id)
    if found.ended_at is not None or found.review_date is None:
        flash(_("That link has no review to record."), "info")
        return _person_page(person)
    form = ReviewForm()
    if form.validate_on_submit() and form.next_review.data is not None:
        services.keep_after_review(found, next_review=form.next_review.data, today=local_today(),
                                   by=signed_in_account())
        flash(_("Reviewed. The link is kept until the next review on %(date)s.",
                date=format_local_date(form.next_review.data)), "success")
        return _person_page(person)
    return render_template(
        "advocates/staff_review.html", form=form, person=person, link=found,
        basis_labels=BASIS_LABELS, latest=services.latest_review_date(local_today()),
        back_url=url_for("staff_advocates.person_advocates", reference=reference))


@bp.route("/people/<reference>/never-link/<int:entry_id>/remove", methods=["POST"])
@allow(CASEWORKERS)
def remove_never_link(reference: str, entry_id: int) -> Response:
    person = _person(reference)
    entry = db.session.get(NeverLink, entry_id)
    if entry is None or entry.person_id != person.id:
        abort(404)
    services.remove_never_link(entry, by=signed_in_account())
    flash(_("Taken off their “never link” list."), "success")
    return _person_page(person)


@bp.route("/safeguarding/<int:alert_id>/done", methods=["POST"])
@allow(CASEWORKERS)
def close_alert(alert_id: int) -> Response:
    alert = db.session.get(SafeguardingAlert, alert_id)
    if alert is None:
        abort(404)
    services.close_alert(alert, by=signed_in_account())
    flash(_("Marked as dealt with."), "success")
    return redirect(url_for("staff.home"))


# Template helpers, so the staff home and the staff person page show this feature's blocks
# without their views knowing about it.


@bp.app_template_global("safeguarding_alerts")
def _safeguarding_alerts() -> list[SafeguardingAlert]:
    """Open alerts, for caseworkers only (not volunteers, 000 §2.4a)."""
    from flask_login import current_user

    if not current_user.is_authenticated or current_user.role not in CASEWORKERS:
        return []
    return services.open_alerts()


@bp.app_template_global("advocates_of")
def _advocates_of(person: Person) -> list[AdvocateLink]:
    return services.links_of(person)
