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
from portal.bookings import services as bookings
from portal.bookings.staff_views import format_local_slot
from portal.consent.services import local_today
from portal.contact.views import staff_summary
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import BY_CODE
from portal.people import need_to_know
from portal.people import services as people
from portal.policy import services as policy
from portal.security import ADMINISTRATORS, CASEWORKERS, STAFF_ANY, allow, signed_in_account
from portal.staff import workspace
from portal.staff.forms import (
    STAFF_ROLE_LABELS,
    AddWorkerForm,
    NewAccountForm,
    NewPersonForm,
    OpenRecordForm,
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
    queue, everyone, kind = None, False, None
    if account.role != Role.VOLUNTEER:  # volunteers open no records (REC-3)
        show = request.args.get("show")
        everyone = show == "everyone" if show in ("everyone", "mine") else workspace.default_everyone(account)
        kind = request.args.get("kind") if request.args.get("kind") in workspace.KINDS else None
        queue = workspace.build(account, everyone=everyone, kind=kind,
                                page=request.args.get("page", 1, type=int))
    return render_template(
        "staff/home.html", account=account, volunteers=volunteers, version=version,
        confirmed=version is None or policy.staff_has_confirmed(account, version),
        not_confirmed=not_confirmed, queue=queue, everyone=everyone, kind=kind,
        kinds=workspace.KINDS, titles=workspace.ITEM_TITLES, search_form=SearchForm(),
        format_slot=format_local_slot, today=local_today(),
    )


@bp.route("/people", methods=["GET", "POST"])
@allow(CASEWORKERS)
def people_list() -> str:
    # Searched by POST so that a name never lands in a URL, the browser history or a
    # server log (security.md, ASVS 5 14.2.1).
    # Before any search the page lists the worker's own caseload.
    form = SearchForm()
    viewer = signed_in_account()
    searched, found = False, need_to_know.caseload(viewer)
    if form.validate_on_submit():
        try:
            found, searched = people.search_people(form.q.data or ""), True
        except ValueError as error:  # a date of birth that doesn't exist
            form.q.errors = [*form.q.errors, str(error)]
    return render_template("staff/people.html", form=form, people=found, searched=searched,
                           mine=need_to_know.caseload_person_ids(viewer))


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
    # Who may open it, and the audit of the view, are need_to_know's request hook (SEC-1).
    found = _person_or_404(reference)
    account = people.account_of(found)
    status = accounts.activation_status(account) if account else "none"
    viewer = signed_in_account()
    worker_form = None
    if viewer.role in need_to_know.CASELOAD_MANAGERS:
        worker_form = AddWorkerForm()
        worker_form.worker.choices = _worker_choices(found)
    return render_template(
        "staff/person.html", person=found, account=account, status=status,
        acknowledgement=policy.person_acknowledgement(found),
        needs_policy=policy.needs_acknowledgement(found),
        safe_contact=staff_summary(found),  # read before any contact (domain.md, "Safety")
        workers=need_to_know.workers_for(found), worker_form=worker_form,
        on_my_caseload=need_to_know.on_caseload(viewer, found),
        bookings=bookings.bookings_of(found), access_requests=bookings.access_requests_of(found),
        format_slot=format_local_slot,
    )


def _worker_choices(found: people.Person) -> list[SelectChoice]:
    return [SelectChoice(worker.id, worker.display_name) for worker in need_to_know.assignable_workers(found)]


def _safe_next(found: people.Person) -> str:
    """Only back into this person's record: never a page elsewhere (no open redirect)."""
    wanted = request.values.get("next", "")
    home = url_for("staff.person", reference=found.reference)
    return wanted if wanted == home or wanted.startswith(home + "/") else home


@bp.route("/people/<reference>/open", methods=["GET", "POST"])
@allow(CASEWORKERS)
def open_record(reference: str) -> str | Response:
    """Asked before opening the record of someone not on your caseload (SEC-1)."""
    found = _person_or_404(reference)
    viewer = signed_in_account()
    if need_to_know.access_basis(viewer, found) is not None:
        return redirect(_safe_next(found))
    form = OpenRecordForm()
    if form.validate_on_submit():
        need_to_know.open_with_reason(found, account=viewer, reason=form.reason.data or "",
                                      details=form.details.data)
        return redirect(_safe_next(found))
    return render_template("staff/open_record.html", form=form, person=found,
                           next_url=_safe_next(found), hours=need_to_know.ACCESS_HOURS)


@bp.route("/people/<reference>/workers", methods=["POST"])
@allow(need_to_know.CASELOAD_MANAGERS)
def add_worker(reference: str) -> str | Response:
    found = _person_or_404(reference)
    form = AddWorkerForm()
    form.worker.choices = _worker_choices(found)
    if not form.validate_on_submit():
        flash(form.worker.errors[0] if form.worker.errors else _("Choose a worker from the list."), "error")
        return redirect(url_for("staff.person", reference=found.reference))
    worker = db.session.get(Account, form.worker.data)
    assert worker is not None  # the choices hold only existing caseworkers
    need_to_know.add_to_caseload(found, worker, by=signed_in_account())
    flash(_("%(name)s now has them on their caseload.", name=worker.display_name), "success")
    return redirect(url_for("staff.person", reference=found.reference))


@bp.route("/people/<reference>/workers/<int:member_id>/remove", methods=["POST"])
@allow(need_to_know.CASELOAD_MANAGERS)
def remove_worker(reference: str, member_id: int) -> Response:
    found = _person_or_404(reference)
    member = db.session.get(need_to_know.CaseloadMember, member_id)
    if member is None or member.person_id != found.id or member.ended_at is not None:
        abort(404)
    need_to_know.remove_from_caseload(member, by=signed_in_account())
    flash(_("%(name)s no longer has them on their caseload.", name=member.account.display_name), "success")
    return redirect(url_for("staff.person", reference=found.reference))


@bp.route("/people/<reference>/access")
@allow(need_to_know.CASELOAD_MANAGERS)
def access_log(reference: str) -> str:
    """Managers see who opened the record without being the person's worker, and why."""
    found = _person_or_404(reference)
    return render_template("staff/access_log.html", person=found, rows=need_to_know.access_log(found),
                           reasons=need_to_know.LOGGED_REASONS)


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
    if account.person is not None and need_to_know.access_basis(actor, account.person) is None:
        abort(403)  # their record is opened first, with a reason if not on your caseload (SEC-1)
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
