"""Staff side of the disclosure register: record a share (with the consent check shown),
approve or refuse one made without consent, safety holds and their review, emergency shares
whose approval was refused, and the anonymous report (DIS-1 to DIS-5)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import Role
from portal.consent.services import local_today
from portal.consent.staff_views import ANSWER_LABELS
from portal.consent.views import names_in_language
from portal.disclosures import report as figures
from portal.disclosures import services
from portal.disclosures.forms import CHANNEL_LABELS, FollowUpForm, HoldForm, RecordDisclosureForm, RefuseForm
from portal.disclosures.models import Disclosure, SafetyHold, Status
from portal.extensions import db
from portal.i18n import current_language
from portal.people.models import Person
from portal.people.services import find_person
from portal.policy import services as policy
from portal.security import CASEWORKERS, allow, signed_in_account

bp = Blueprint("staff_disclosures", __name__, url_prefix="/staff", template_folder="templates")

# Figures for outside agencies are the managers' to give (000 §4.4b).
REPORT_READERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})
# Emergency shares whose approval was refused are for managers to look at (DIS-2).
MANAGERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})

STATUS_LABELS = {
    Status.PENDING: _l("Waiting for approval: do not share yet"),
    Status.DONE_PENDING_APPROVAL: _l("Shared in an emergency: approval still needed"),
    Status.DONE: _l("Done"),
    Status.REFUSED: _l("Refused: not shared"),
    Status.DONE_APPROVAL_REFUSED: _l("Shared in an emergency: approval refused"),
}
CONSENT_ANSWERS = {"yes": _l("yes"), "no": _l("no"), "ask": _l("not given: ask first")}


def _person(reference: str) -> Person:
    person = find_person(reference)
    if person is None:
        abort(404)
    return person


def _disclosure(person: Person, disclosure_ref: str) -> Disclosure:
    disclosure = services.find_disclosure(person, disclosure_ref)  # scoped to this person
    if disclosure is None:
        abort(404)
    return disclosure


def _names() -> dict[str, Any]:
    agencies, kinds = names_in_language()
    return {"agencies": agencies, "kinds": kinds,
            "circumstances": services.circumstance_names(current_language().code),
            "channels": CHANNEL_LABELS, "status_labels": STATUS_LABELS,
            "consent_answers": CONSENT_ANSWERS}


@bp.route("/people/<reference>/disclosures")
@allow(CASEWORKERS)
def person_disclosures(reference: str) -> str:
    person = _person(reference)
    return render_template("disclosures/staff_list.html", person=person,
                           disclosures=services.for_person(person), **_names(),
                           back_url=url_for("staff.person", reference=person.reference))


@bp.route("/people/<reference>/disclosures/new", methods=["GET", "POST"])
@allow(CASEWORKERS)
def record(reference: str) -> str | Response:
    person = _person(reference)
    names = _names()
    form = RecordDisclosureForm()
    form.agency.choices = [SelectChoice(k, v) for k, v in names["agencies"].items()]
    form.kinds.choices = [SelectChoice(k, v) for k, v in names["kinds"].items()]
    form.channel.choices = [SelectChoice(c, str(CHANNEL_LABELS.get(c, c))) for c in services.channels()]
    immediate = services.circumstances()
    form.circumstance.choices = [SelectChoice("", _("None: they agreed to all of it"))] + [
        SelectChoice(ident, _("%(title)s (may be shared at once)", title=title)
                     if immediate.get(ident) else title)
        for ident, title in names["circumstances"].items()
    ]
    checks = None
    if form.validate_on_submit():
        agency, kinds = form.agency.data or "", list(form.kinds.data or [])
        checks = services.check_consent(person, agency, kinds)
        consented = services.all_consented(checks)
        if request.form.get("action") == "record":
            if not consented and not form.circumstance.data:
                form.circumstance.errors = [*form.circumstance.errors, _(
                    "They have not agreed to all of this. Name the exceptional circumstance, or "
                    "share only what they agreed to.")]
            else:
                try:
                    disclosure = services.record_disclosure(
                        person, agency=agency, kinds=kinds, purpose=form.purpose.data or "",
                        channel=form.channel.data or "", identity_check=form.identity_check.data,
                        circumstance=form.circumstance.data or None, by=signed_in_account(),
                    )
                except services.DisclosureError:
                    # The form checks every rule first; only a policy change in between lands here.
                    flash(_("That could not be recorded because the policy has just changed. "
                            "Check and try again."), "error")
                else:
                    flash(_("Recorded, with reference %(reference)s.", reference=disclosure.reference),
                          "success")
                    return redirect(url_for("staff_disclosures.detail", reference=person.reference,
                                            disclosure_ref=disclosure.reference))
    check_rows = [{"kind": names["kinds"].get(item.kind, item.kind), "answer": item.check.answer.value,
                   "text": ANSWER_LABELS[item.check.reason], "decision": item.check.decision}
                  for item in checks or []]
    return render_template(
        "disclosures/staff_record.html", person=person, form=form, check_rows=check_rows,
        consented=checks is not None and services.all_consented(checks),
        approvals_needed=policy.setting("disclosure.approvals_needed", 1), **names,
        back_url=url_for("staff_disclosures.person_disclosures", reference=person.reference),
    )


def _render_detail(person: Person, disclosure: Disclosure, hold_form: HoldForm | None = None,
                   refuse_form: RefuseForm | None = None, follow_up_form: FollowUpForm | None = None) -> str:
    account = signed_in_account()
    return render_template(
        "disclosures/staff_detail.html", person=person, disclosure=disclosure,
        form=hold_form or HoldForm(formdata=None), refuse_form=refuse_form or RefuseForm(formdata=None),
        follow_up_form=follow_up_form or FollowUpForm(formdata=None),
        may_follow_up=services.may_follow_up(disclosure, account),
        may_approve=services.may_approve(disclosure, account),
        recorded_by_me=disclosure.recorded_by_id == account.id, **_names(),
        back_url=url_for("staff_disclosures.person_disclosures", reference=person.reference),
    )


@bp.route("/people/<reference>/disclosures/<disclosure_ref>")
@allow(CASEWORKERS)
def detail(reference: str, disclosure_ref: str) -> str:
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    # The view is in the audit trail with the disclosure's reference (need_to_know, SEC-1).
    return _render_detail(person, disclosure)


@bp.route("/people/<reference>/disclosures/<disclosure_ref>/approve", methods=["POST"])
@allow(CASEWORKERS)
def approve(reference: str, disclosure_ref: str) -> Response:
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    try:
        approved = services.approve(disclosure, by=signed_in_account())
    except services.DisclosureError:
        flash(_("You can't approve this disclosure: it is not waiting for you, you recorded it, "
                "or you have already approved it."), "error")
    else:
        if approved.status == Status.DONE:
            flash(_("Approved. It now counts as done."), "success")
        else:
            flash(_("Approved. It still needs another approval."), "success")
    return redirect(url_for("staff_disclosures.detail", reference=person.reference,
                            disclosure_ref=disclosure.reference))


@bp.route("/people/<reference>/disclosures/<disclosure_ref>/follow-up", methods=["POST"])
@allow(MANAGERS)
def follow_up(reference: str, disclosure_ref: str) -> str | Response:
    """A manager has looked into an emergency share whose approval was refused."""
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    detail_url = url_for("staff_disclosures.detail", reference=person.reference,
                         disclosure_ref=disclosure.reference)
    if not services.may_follow_up(disclosure, signed_in_account()):
        flash(_("There is nothing to follow up on this disclosure."), "error")
        return redirect(detail_url)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _render_detail(person, disclosure, follow_up_form=form)
    services.follow_up(disclosure, by=signed_in_account(), note=form.follow_up_note.data or "")
    flash(_("Recorded. It is no longer on the list of emergency shares not approved."), "success")
    return redirect(detail_url)


@bp.route("/people/<reference>/disclosures/<disclosure_ref>/refuse", methods=["POST"])
@allow(CASEWORKERS)
def refuse(reference: str, disclosure_ref: str) -> str | Response:
    """An approver refuses a share waiting for approval (DIS-2): the same people who may
    approve it. One refusal ends the wait."""
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    account = signed_in_account()
    if account.role.value not in services.approver_roles():
        abort(403)
    detail_url = url_for("staff_disclosures.detail", reference=person.reference,
                         disclosure_ref=disclosure.reference)
    cannot = _("You can't refuse this disclosure: it is not waiting for you, you recorded it, "
               "or you have already approved it.")
    if not services.may_approve(disclosure, account):
        flash(cannot, "error")
        return redirect(detail_url)
    form = RefuseForm()
    if not form.validate_on_submit():
        return _render_detail(person, disclosure, refuse_form=form)
    try:
        refused = services.refuse(disclosure, by=account, reason=form.refusal_reason.data or "")
    except services.DisclosureError:
        # Someone else decided it in the moment between the page and the button.
        flash(cannot, "error")
    else:
        if refused.status == Status.REFUSED:
            flash(_("Refused. It must not be shared."), "success")
        else:
            flash(_("Approval refused. It was already shared in an emergency, so managers will "
                    "look at it."), "success")
    return redirect(detail_url)


@bp.route("/people/<reference>/disclosures/<disclosure_ref>/hold", methods=["POST"])
@allow(CASEWORKERS)
def hold(reference: str, disclosure_ref: str) -> str | Response:
    """A safety hold: the person (and their advocate) are not told of it (DIS-3)."""
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    form = HoldForm()
    if form.validate_on_submit() and form.review_on.data is not None:
        try:
            services.place_hold(disclosure, reason=form.reason.data or "", review_on=form.review_on.data,
                                by=signed_in_account())
        except services.DisclosureError:
            flash(_("It is already on hold."), "error")
        else:
            flash(_("On hold: they will not see it until the hold is lifted."), "success")
        return redirect(url_for("staff_disclosures.detail", reference=person.reference,
                                disclosure_ref=disclosure.reference))
    return _render_detail(person, disclosure, form)


@bp.route("/people/<reference>/disclosures/<disclosure_ref>/holds/<int:hold_id>/lift", methods=["POST"])
@allow(CASEWORKERS)
def lift_hold(reference: str, disclosure_ref: str, hold_id: int) -> Response:
    person = _person(reference)
    disclosure = _disclosure(person, disclosure_ref)
    found = db.session.get(SafetyHold, hold_id)
    if found is None or found.disclosure_id != disclosure.id:
        abort(404)
    services.lift_hold(found, by=signed_in_account())
    flash(_("Hold lifted: they can now see this disclosure."), "success")
    return redirect(url_for("staff_disclosures.detail", reference=person.reference,
                            disclosure_ref=disclosure.reference))


@bp.route("/disclosures/holds")
@allow(CASEWORKERS)
def holds() -> str:
    """Every safety hold in place, the one due for review first (DIS-3)."""
    return render_template("disclosures/holds.html", holds=services.holds_for_review(),
                           today=local_today(), **_names(),
                           back_url=url_for("staff.home"))


@bp.route("/disclosures/not-approved")
@allow(MANAGERS)
def not_approved() -> str:
    """Emergency shares whose approval was refused afterwards, oldest first (DIS-2)."""
    return render_template("disclosures/not_approved.html",
                           disclosures=services.not_approved_after_the_event(), **_names(),
                           back_url=url_for("staff.home"))


@bp.route("/disclosures/report")
@allow(REPORT_READERS)
def report() -> str:
    rows = figures.report()
    return render_template("disclosures/report.html", rows=rows, chart=figures.chart_svg(rows),
                           month_label=figures.month_label, shown=figures.shown, **_names(),
                           back_url=url_for("staff.home"))


@bp.route("/disclosures/report.csv")
@allow(REPORT_READERS)
def report_csv() -> Response:
    agencies, kinds = names_in_language()
    response = make_response(figures.csv_text(figures.report(), agencies, kinds))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="figures.csv"'
    return response
