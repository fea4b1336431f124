"""The staff side: home, people (first contact), and account administration."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.accounts import services as accounts
from portal.accounts.letters import activation_letter
from portal.accounts.models import Account, ActivationCode, Role
from portal.audit.services import record_event
from portal.contact.views import staff_summary
from portal.db import utcnow
from portal.disclosures import services as disclosures
from portal.extensions import db
from portal.i18n import BY_CODE
from portal.people import services as people
from portal.policy import services as policy
from portal.security import ADMINISTRATORS, CASEWORKERS, STAFF_ANY, allow, signed_in_account
from portal.staff.forms import (
    STAFF_ROLE_LABELS,
    NewAccountForm,
    NewPersonForm,
    PolicyExplainedForm,
    SearchForm,
)

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@bp.route("/")
@allow(STAFF_ANY)
def home() -> str:
    account = signed_in_account()
    volunteers: list[Account] = []
    not_confirmed: list[Account] = []
    version = policy.current_version()
    if account.role in (Role.MANAGER, Role.ADMINISTRATOR):
        volunteers = list(db.session.scalars(
            select(Account).where(Account.role == Role.VOLUNTEER).order_by(Account.display_name)
        ))
        if version is not None:
            not_confirmed = policy.staff_not_confirmed(version)
    return render_template(
        "staff/home.html", account=account, volunteers=volunteers, version=version,
        confirmed=version is None or policy.staff_has_confirmed(account, version),
        not_confirmed=not_confirmed,
        # DIS-2: shares without consent waiting for this approver (volunteers open no records).
        disclosures_waiting=disclosures.waiting_for(account) if account.role != Role.VOLUNTEER else [],
    )


@bp.route("/people", methods=["GET", "POST"])
@allow(CASEWORKERS)
def people_list() -> str:
    # Searched by POST so that a name never lands in a URL, the browser history or a
    # server log (security.md, ASVS 5 14.2.1).
    form = SearchForm()
    query = form.q.data or "" if form.validate_on_submit() else ""
    found = people.search_people(query)
    return render_template("staff/people.html", form=form, people=found)


def _normalised_names(form: NewPersonForm | NewAccountForm) -> dict[str, str | None]:
    return {
        "email": accounts.normalise_email(form.email.data) if form.email.data else None,
        "phone": accounts.normalise_phone(form.phone.data) if form.phone.data else None,
        "username": accounts.normalise_username(form.username.data) if form.username.data else None,
    }


def _names_free(form: NewPersonForm | NewAccountForm, names: dict[str, str | None]) -> bool:
    taken = accounts.sign_in_name_taken(
        email=names["email"], phone=names["phone"], username=names["username"]
    )
    for field in taken:
        getattr(form, field).errors.append(
            _("Another account already uses this. Use a different one.")
        )
    return not taken


@bp.route("/people/new", methods=["GET", "POST"])
@allow(CASEWORKERS)
def new_person() -> str | Response:
    form = NewPersonForm()
    if form.validate_on_submit():
        names = _normalised_names(form)
        if _names_free(form, names):
            created = people.create_service_user(
                full_name=form.full_name.data or "",
                known_as=form.known_as.data or "",
                date_of_birth=form.date_of_birth.data,
                language=form.language.data or "en",
                by=signed_in_account(),
                **names,
            )
            return _code_page(created.account, created.activation_code, new=True)
    return render_template("staff/new_person.html", form=form)


def _person_or_404(reference: str) -> people.Person:
    person = people.find_person(reference)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<reference>")
@allow(CASEWORKERS)
def person(reference: str) -> str:
    found = _person_or_404(reference)
    record_event("person.viewed", person=found)  # every view is attributable (SEC-1)
    account = people.account_of(found)
    status = accounts.activation_status(account) if account else "none"
    return render_template(
        "staff/person.html", person=found, account=account, status=status,
        acknowledgement=policy.person_acknowledgement(found),
        needs_policy=policy.needs_acknowledgement(found),
        safe_contact=staff_summary(found),  # read before any contact (domain.md, "Safety")
    )


@bp.route("/people/<reference>/policy-explained", methods=["GET", "POST"])
@allow(CASEWORKERS)
def policy_explained(reference: str) -> str | Response:
    """Staff record that they explained the policy in person (POL-1, POL-2)."""
    found = _person_or_404(reference)
    version = policy.current_version()
    if version is None:
        abort(404)
    form = PolicyExplainedForm(language=found.preferred_language)
    form.language.choices = [
        SelectChoice(code, BY_CODE[code].native_name if code in BY_CODE else code)
        for code in policy.offered_languages(version) if code in BY_CODE
    ]
    if form.validate_on_submit():
        policy.acknowledge(found, version, form.language.data or "en", by=signed_in_account(),
                           method="explained-in-person", interpreter=form.interpreter.data)
        flash(_("Recorded: you explained the policy to them."), "success")
        return redirect(url_for("staff.person", reference=found.reference))
    return render_template("staff/policy_explained.html", form=form, person=found, version=version,
                           back_url=url_for("staff.person", reference=found.reference))


def _account_for_staff_action(account_id: int) -> Account:
    """Caseworkers act on service users' accounts; only administrators on anyone else's."""
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    actor = signed_in_account()
    if account.role != Role.SERVICE_USER and actor.role != Role.ADMINISTRATOR:
        abort(403)
    return account


def _code_page(account: Account, code: str, *, new: bool = False) -> str:
    activation = db.session.scalars(
        select(ActivationCode).where(ActivationCode.account_id == account.id)
        .order_by(ActivationCode.id.desc())
    ).first()
    assert activation is not None
    return render_template(
        "staff/activation_code.html",
        account=account,
        code=accounts.format_code(code),
        raw_code=code,
        expires_at=activation.expires_at,
        new=new,
    )


@bp.route("/accounts/<int:account_id>/activation-code", methods=["POST"])
@allow(CASEWORKERS)
def issue_code(account_id: int) -> str | Response:
    account = _account_for_staff_action(account_id)
    if account.disabled_at is not None:
        flash(_("This account is switched off. Switch it on before giving a new code."), "error")
        return redirect(_account_page(account))
    code = accounts.issue_activation_code(account, by=signed_in_account())
    return _code_page(account, code)


@bp.route("/accounts/<int:account_id>/activation-letter", methods=["POST"])
@allow(CASEWORKERS)
def activation_letter_pdf(account_id: int) -> Response:
    account = _account_for_staff_action(account_id)
    # The code comes back from the page that showed it: only its digest is stored, so the
    # letter can only be made by someone who has just seen the code.
    activation = accounts.find_activation(request.form.get("code", ""))
    if activation is None or activation.account_id != account.id:
        abort(400)
    language = account.language or "en"
    pdf = activation_letter(accounts.normalise_code(request.form["code"]), activation.expires_at, language)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="letter.pdf"'
    return response


def _account_page(account: Account) -> str:
    if account.person is not None:
        return url_for("staff.person", reference=account.person.reference)
    return url_for("staff.account", account_id=account.id)


# --- administration: staff, volunteers, managers, administrators, advocates ---------------


@bp.route("/accounts")
@allow(ADMINISTRATORS)
def account_list() -> str:
    rows = db.session.scalars(
        select(Account).where(Account.role != Role.SERVICE_USER).order_by(Account.display_name)
    ).all()
    return render_template("staff/accounts.html", accounts=rows, labels=STAFF_ROLE_LABELS)


@bp.route("/accounts/new", methods=["GET", "POST"])
@allow(ADMINISTRATORS)
def new_account() -> str | Response:
    form = NewAccountForm()
    if form.validate_on_submit():
        names = _normalised_names(form)
        if _names_free(form, names):
            role = Role(form.role.data)
            account = Account(
                role=role,
                display_name=(form.display_name.data or "").strip(),
                volunteer_started_on=form.volunteer_started_on.data if role == Role.VOLUNTEER else None,
                **names,
            )
            db.session.add(account)
            db.session.flush()
            record_event("account.created", account_id=account.id, role=role.value)
            code = accounts.issue_activation_code(account, by=signed_in_account())
            return _code_page(account, code, new=True)
    return render_template("staff/new_account.html", form=form)


@bp.route("/accounts/<int:account_id>")
@allow(ADMINISTRATORS)
def account(account_id: int) -> str:
    found = db.session.get(Account, account_id)
    if found is None or found.role == Role.SERVICE_USER:
        abort(404)
    return render_template(
        "staff/account.html", found=found, status=accounts.activation_status(found),
        labels=STAFF_ROLE_LABELS,
    )


@bp.route("/accounts/<int:account_id>/disable", methods=["POST"])
@allow(CASEWORKERS)
def disable(account_id: int) -> Response:
    account = _account_for_staff_action(account_id)
    if account.id == signed_in_account().id:
        flash(_("You can't switch off your own account."), "error")
    else:
        accounts.disable_account(account, by=signed_in_account())
        flash(_("The account is switched off. Anyone using it has been signed out."), "success")
    return redirect(_account_page(account))


@bp.route("/accounts/<int:account_id>/enable", methods=["POST"])
@allow(CASEWORKERS)
def enable(account_id: int) -> Response:
    account = _account_for_staff_action(account_id)
    accounts.enable_account(account, by=signed_in_account())
    flash(_("The account is switched on again."), "success")
    return redirect(_account_page(account))


@bp.route("/accounts/<int:account_id>/volunteer-satisfactory", methods=["POST"])
@allow(frozenset({Role.MANAGER, Role.ADMINISTRATOR}))
def mark_volunteer_satisfactory(account_id: int) -> Response:
    account = db.session.get(Account, account_id)
    if account is None or account.role != Role.VOLUNTEER:
        abort(404)
    account.volunteer_satisfactory_on = utcnow().date()
    account.volunteer_marked_by_id = signed_in_account().id
    record_event("volunteer.marked_satisfactory", account_id=account.id)
    flash(_("Their volunteering is marked as satisfactory from today."), "success")
    return redirect(url_for("staff.home"))
