"""The person's "people who help you" pages (invite, narrow, remove, never link, what they
did) and the page where an invited advocate uses their code (issue 6).

Only the person themselves manages who helps them: an advocate acts *for* the person,
never *as* them (000 §4.3a), so these pages refuse advocates.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.accounts.services import format_code
from portal.advocates import services
from portal.advocates.forms import (
    BASIS_LABELS,
    PERMISSION_LABELS,
    AcceptForm,
    InviteForm,
    NeverLinkForm,
    PermissionsForm,
    PressureForm,
)
from portal.extensions import limiter
from portal.people.models import Person
from portal.security import allow, public, signed_in_account

bp = Blueprint("advocates", __name__, template_folder="templates")

SERVICE_USER = frozenset({Role.SERVICE_USER})
DRAFT = "advocate_invitation_draft"

# What an advocate's recorded act means, in the person's words; anything else is shown as
# "Did something else for you" with the event's kind, so no act is ever hidden.
ACT_LABELS = {
    "advocate.started_helping": _l("Opened your pages to help you"),
    "advocate.invitation_accepted": _l("Accepted your invitation to help you"),
    "consent.changed": _l("Changed your choices about sharing"),
    "bookings.requested": _l("Asked for an appointment to see your file"),
    "bookings.cancelled": _l("Cancelled an appointment to see your file"),
    "bookings.move_asked": _l("Asked to move an appointment to see your file"),
    "access_request.made": _l("Asked for a copy of your records"),
}


def _person() -> Person:
    person = signed_in_account().person
    assert person is not None  # a service user's account always has one
    return person


def _labels() -> dict[str, Any]:
    return {"permission_labels": PERMISSION_LABELS, "basis_labels": BASIS_LABELS}


@bp.route("/helpers")
@allow(SERVICE_USER)
def helpers() -> str:
    person = _person()
    return render_template(
        "advocates/helpers.html", links=services.links_of(person),
        ended=services.ended_by_staff(person), invitations=services.pending_invitations(person),
        never=services.never_link_list(person), **_labels(),
    )


@bp.route("/helpers/invite", methods=["GET", "POST"])
@allow(SERVICE_USER)
def invite() -> str | Response:
    form = InviteForm(data=session.get(DRAFT))
    if form.validate_on_submit():
        person = _person()
        if services.is_never_linked(person, email=form.email.data, name=form.name.data):
            form.email.errors.append(
                _("You asked us never to link this person. If that has changed, talk to us."))
        else:
            session[DRAFT] = {
                "name": (form.name.data or "").strip(),
                "relationship_label": (form.relationship_label.data or "").strip(),
                "email": (form.email.data or "").strip(),
                **{name: bool(form[name].data) for name in PERMISSION_LABELS},
            }
            return redirect(url_for("advocates.invite_safety"))
    return render_template("advocates/invite.html", form=form, back_url=url_for("advocates.helpers"))


@bp.route("/helpers/invite/safety", methods=["GET", "POST"])
@allow(SERVICE_USER)
def invite_safety() -> str | Response:
    """The private question before any link starts: is anyone pressuring you? A "yes" makes
    no invitation and quietly tells staff (CON-4; issue 6)."""
    draft = session.get(DRAFT)
    if not draft:
        return redirect(url_for("advocates.invite"))
    form = PressureForm()
    if form.validate_on_submit():
        person = _person()
        account = signed_in_account()
        session.pop(DRAFT, None)
        if form.pressured.data == "yes":
            services.raise_pressure_alert(person, about=draft.get("email"), by=account)
            return render_template("advocates/not_set_up.html")
        grant = services.Grant(**{name: bool(draft.get(name)) for name in PERMISSION_LABELS})
        try:
            issued = services.invite(person, email=draft["email"], name=draft["name"],
                                     relationship_label=draft["relationship_label"], grant=grant,
                                     by=account)
        except services.AdvocateError:
            flash(_("You asked us never to link this person. If that has changed, talk to us."), "error")
            return redirect(url_for("advocates.helpers"))
        # Shown once, on the person's own screen, for them to pass on: we do not email
        # someone who has no account, and the code is never stored or put in a URL.
        return render_template(
            "advocates/invitation_code.html", code=format_code(issued.code),
            invitation=issued.invitation, address=current_app.config["PORTAL_BASE_URL"]
            .rstrip("/") + url_for("advocates.accept"),
        )
    return render_template("advocates/pressure.html", form=form, name=draft.get("name", ""),
                           back_url=url_for("advocates.invite"))


@bp.route("/helpers/invitations/<int:invitation_id>/cancel", methods=["POST"])
@allow(SERVICE_USER)
def cancel_invitation(invitation_id: int) -> Response:
    invitation = services.invitation_of(_person(), invitation_id)
    if invitation is None:
        abort(403)  # not theirs (or no such invitation): the same answer either way
    services.cancel_invitation(invitation, by=signed_in_account())
    flash(_("The invitation is cancelled. The code no longer works."), "success")
    return redirect(url_for("advocates.helpers"))


@bp.route("/helpers/<int:link_id>", methods=["GET", "POST"])
@allow(SERVICE_USER)
def change_link(link_id: int) -> str | Response:
    link = services.link_of(_person(), link_id)
    if link is None:
        abort(403)
    form = PermissionsForm(obj=link)
    if form.validate_on_submit():
        try:
            services.change_grant(link, form.grant(), by=signed_in_account())
        except services.AdvocateError:
            flash(_("Our team agreed what they may do with you. To let them do more, talk to us. "
                    "You can always let them do less."), "error")
        else:
            flash(_("Saved. This applies straight away."), "success")
            return redirect(url_for("advocates.helpers"))
    return render_template("advocates/change.html", form=form, link=link,
                           back_url=url_for("advocates.helpers"), **_labels())


@bp.route("/helpers/<int:link_id>/remove", methods=["POST"])
@allow(SERVICE_USER)
def remove_link(link_id: int) -> Response:
    """One step (issue 6): no confirmation page between the person and removing someone."""
    link = services.link_of(_person(), link_id)
    if link is None:
        abort(403)
    services.end_link(link, by=signed_in_account())
    flash(_("%(name)s can no longer help you. This applies straight away.",
            name=link.advocate.display_name), "success")
    return redirect(url_for("advocates.helpers"))


@bp.route("/helpers/never", methods=["GET", "POST"])
@allow(SERVICE_USER)
def never_link() -> str | Response:
    form = NeverLinkForm()
    if form.validate_on_submit():
        services.add_never_link(_person(), name=form.name.data or "", email=form.email.data or None,
                                by=signed_in_account())
        flash(_("We will never link this person to you. Only our team can change that."), "success")
        return redirect(url_for("advocates.helpers"))
    return render_template("advocates/never.html", form=form, back_url=url_for("advocates.helpers"))


@bp.route("/helpers/activity")
@allow(SERVICE_USER)
def activity() -> str:
    return render_template("advocates/activity.html", acts=services.acts_for(_person()),
                           act_labels=ACT_LABELS, back_url=url_for("advocates.helpers"))


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_RATE_LIMIT"])


@bp.route("/invitation", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def accept() -> str | Response:
    """Where an invited helper uses their code: signed in as an advocate, or not signed in
    (then they give the address they were invited at, and choose a password next)."""
    signed_in = current_user.is_authenticated
    if signed_in and signed_in_account().role != Role.ADVOCATE:
        abort(403)
    form = AcceptForm()
    if form.validate_on_submit():
        result = services.accept(form.code.data or "",
                                 account=signed_in_account() if signed_in else None,
                                 email=None if signed_in else form.email.data)
        if result.outcome == "linked":
            assert result.link is not None
            flash(_("You can now help %(name)s.", name=result.link.person.known_as), "success")
            return redirect(url_for("home.home"))
        if result.outcome == "new-account":
            # The ordinary activation step sets the password: this page posts the one-time
            # activation code to it, so the code never appears in a URL.
            return render_template("advocates/accepted.html", activation_code=result.activation_code)
        if result.outcome == "sign-in":
            flash(_("You already have an account. Sign in, then enter your invitation code again."),
                  "info")
            return redirect(url_for("accounts.sign_in", next=url_for("advocates.accept")))
        form.code.errors.append(_(
            "That code is not right, has been used or cancelled, has expired, or was not for "
            "this email address. Check it, or ask the person who invited you for a new one."))
    return render_template("advocates/accept.html", form=form, signed_in=signed_in)
