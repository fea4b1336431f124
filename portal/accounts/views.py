"""Signing in and out, activating an account with a one-time code, changing a password."""

from __future__ import annotations

import math
import time
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.accounts import services, two_factor
from portal.accounts.forms import (
    ActivationCodeForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    ConfirmPasswordForm,
    ResetTwoStepForm,
    SetUpCodeForm,
    SignInCodeForm,
    SignInForm,
)
from portal.accounts.models import Account, ActivationCode
from portal.accounts.passwords import password_problem, verify_password
from portal.extensions import db, limiter
from portal.security import (
    ADMINISTRATORS,
    ALL_SIGNED_IN,
    STAFF_ANY,
    allow,
    end_session,
    public,
    redirect_home,
    safe_next,
    signed_in_account,
    start_session,
)

bp = Blueprint("accounts", __name__, template_folder="templates")

# How long someone has, after entering a good code, to choose a password.
ACTIVATION_STEP_SECONDS = 30 * 60
# How long someone has, after a right password, to type the code from their app.
SECOND_STEP_SECONDS = 5 * 60
SECOND_STEP_KEY = "second_step"
# Changing how an account signs in needs the password typed in the last 5 minutes
# (ASVS 5 7.5.1): at sign-in, or again on the "Confirm your password" page.
FRESH_PASSWORD_SECONDS = 5 * 60
REAUTHENTICATED_KEY = "reauthenticated_at"


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_RATE_LIMIT"])


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect_home()
    form = SignInForm()
    if form.validate_on_submit():
        result = services.authenticate(form.sign_in_name.data or "", form.password.data or "")
        next_url = safe_next(request.args.get("next"), url_for("home.home"))
        if result.account is not None and result.second_step:
            _begin_second_step(result.account, next_url)
            return redirect(url_for("accounts.sign_in_code"))
        if result.account is not None:
            start_session(result.account)
            return redirect(next_url)
        if result.wait is not None:
            form.password.errors.append(_too_many_tries(result.wait))
        else:
            form.password.errors.append(
                _("The sign-in name or password is not right. Check them and try again.")
            )
    return render_template("accounts/sign_in.html", form=form)


def _too_many_tries(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "There have been too many tries to sign in to this account. "
        "For its safety, wait %(num)d minute and try again.",
        "There have been too many tries to sign in to this account. "
        "For its safety, wait %(num)d minutes and try again.",
        minutes,
    )


# --- the second step of signing in ------------------------------------------------------


def _begin_second_step(account: Account, next_url: str) -> None:
    """Remember, for a few minutes, that this account's password was right. Nothing else
    from before is kept, and the account is not signed in until the code is right too."""
    language_choice = session.get("language")
    session.clear()
    if language_choice:
        session["language"] = language_choice
    session[SECOND_STEP_KEY] = {
        "account": account.id,
        # A password change or "sign out everywhere" meanwhile cancels this half sign-in.
        "generation": account.session_generation,
        "at": time.time(),
        "next": next_url,
    }


def _second_step_account() -> Account | None:
    pending = session.get(SECOND_STEP_KEY)
    if not isinstance(pending, dict):
        return None
    if not 0 <= time.time() - float(pending.get("at", 0)) <= SECOND_STEP_SECONDS:
        return None
    account = db.session.get(Account, int(pending.get("account", 0)))
    if (
        account is None
        or not account.is_active
        or account.session_generation != pending.get("generation")
        or not account.two_step_on
    ):
        return None
    return account


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in_code() -> str | Response:
    if current_user.is_authenticated:
        return redirect_home()
    account = _second_step_account()
    if account is None:
        if session.pop(SECOND_STEP_KEY, None) is not None:
            flash(_("Signing in took more than 5 minutes. For your safety, please start again."),
                  "info")
        return redirect(url_for("accounts.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        check = two_factor.check_sign_in_code(account, form.code.data or "")
        if check.accepted:
            next_url = safe_next(session[SECOND_STEP_KEY].get("next"), url_for("home.home"))
            start_session(account)
            if check.recovery_codes_left is not None:
                _flash_recovery_codes_left(check.recovery_codes_left)
            return redirect(next_url)
        if check.wait is not None:
            form.code.errors.append(_too_many_tries(check.wait))
        else:
            form.code.errors.append(
                _("That code is not right, or it has been used already. "
                  "Wait for a new code in your app and type that.")
            )
    return render_template("accounts/sign_in_code.html", form=form)


def _flash_recovery_codes_left(left: int) -> None:
    message = ngettext(
        "You used a recovery code. You have %(num)d recovery code left.",
        "You used a recovery code. You have %(num)d recovery codes left.",
        left,
    )
    if left <= 3:
        message += " " + _("Make new recovery codes soon, from “Two-step sign-in” in your account.")
    flash(message, "info")


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Response:
    if current_user.is_authenticated:
        from portal.audit.services import record_event

        account = signed_in_account()
        record_event("account.signed_out", actor=account, person=account.person)
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/activate", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def activate() -> str | Response:
    if current_user.is_authenticated:
        return redirect_home()
    form = ActivationCodeForm()
    if form.validate_on_submit():
        activation = services.find_activation(form.code.data or "")
        if activation is not None:
            session["activation"] = {"id": activation.id, "at": time.time()}
            return redirect(url_for("accounts.choose_password"))
        form.code.errors.append(
            _(
                "That code is not right, has been used, or is more than 7 days old. "
                "Check it, or ask us for a new one."
            )
        )
    return render_template("accounts/activate.html", form=form)


def _sign_in_names(account: Account) -> tuple[str, ...]:
    return tuple(name for name in (account.email, account.username, account.phone) if name)


def _pending_activation() -> ActivationCode | None:
    pending = session.get("activation")
    if not pending or time.time() - pending.get("at", 0) > ACTIVATION_STEP_SECONDS:
        return None
    activation = db.session.get(ActivationCode, pending["id"])
    if activation is None or activation.used_at or activation.revoked_at:
        return None
    return activation


@bp.route("/activate/password", methods=["GET", "POST"])
@public
def choose_password() -> str | Response:
    activation = _pending_activation()
    if activation is None:
        session.pop("activation", None)
        flash(_("Enter your activation code first."), "info")
        return redirect(url_for("accounts.activate"))
    account = activation.account
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data or "", names=_sign_in_names(account))
        if problem:
            form.password.errors.append(problem)
        else:
            activated = services.complete_activation(activation.id, form.password.data or "")
            session.pop("activation", None)
            if activated is None:
                flash(_("That code has just been used. Ask us for a new one."), "error")
                return redirect(url_for("accounts.activate"))
            start_session(activated)
            flash(_("Your account is ready. You are signed in."), "success")
            return redirect_home()
    return render_template("accounts/choose_password.html", form=form, account=account)


@bp.route("/account")
@allow(ALL_SIGNED_IN)
def account() -> str:
    return render_template("accounts/account.html", account=signed_in_account())


@bp.route("/account/password", methods=["GET", "POST"])
@allow(ALL_SIGNED_IN)
def change_password() -> str | Response:
    account = signed_in_account()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Re-authentication before a credential change (ASVS 5 7.5.1).
        if not verify_password(account.password_hash, form.current_password.data or ""):
            form.current_password.errors.append(_("Your current password is not right."))
        else:
            problem = password_problem(form.password.data or "", names=_sign_in_names(account))
            if problem:
                form.password.errors.append(problem)
            else:
                services.change_password(account, form.password.data or "")
                # Every other session has ended; this one carries on with the new generation.
                start_session(account)
                flash(
                    _("Your password has been changed. You have been signed out everywhere else."),
                    "success",
                )
                return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@allow(ALL_SIGNED_IN)
def sign_out_everywhere() -> Response:
    account = signed_in_account()
    services.end_all_sessions(account, by=account)
    end_session()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("accounts.sign_in"))


# --- two-step sign-in: setting up, recovery codes, turning off ------------------------------

# What an account that must set up two-step sign-in may still reach (sign out stays possible).
_WHILE_SETTING_UP = frozenset({
    "static",
    "accounts.sign_out",
    "accounts.two_step_start",
    "accounts.two_step_set_up",
    "accounts.confirm_password",
    "home.choose_language",
    "home.healthz",
})


@bp.before_app_request
def _require_two_step_set_up() -> Response | None:
    """Where the setting is "required", a staff-side account without two-step sign-in sets
    it up before any other page (security.md, ASVS 5 6.3.3)."""
    if request.endpoint in _WHILE_SETTING_UP or not current_user.is_authenticated:
        return None
    if not two_factor.required_for(signed_in_account()):
        return None
    return redirect(url_for("accounts.two_step_start"))


def _password_is_fresh() -> bool:
    typed_at = max(float(session.get("auth_at", 0)), float(session.get(REAUTHENTICATED_KEY, 0)))
    return 0 <= time.time() - typed_at <= FRESH_PASSWORD_SECONDS


def _confirm_password_first() -> Response | None:
    """A redirect to "Confirm your password" unless the password was typed just now; it
    comes back to this page's address afterwards."""
    if _password_is_fresh():
        return None
    return redirect(url_for("accounts.confirm_password", next=request.path))


def _continue_session(account: Account) -> None:
    """After a change that ended the account's other sessions: a new session here, with the
    same absolute limit as before (the change does not extend it)."""
    signed_in_at = session.get("auth_at")
    start_session(account)
    if signed_in_at:
        session["auth_at"] = signed_in_at


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@allow(ALL_SIGNED_IN)
@limiter.limit(_sign_in_limit, methods=["POST"])
def confirm_password() -> str | Response:
    account = signed_in_account()
    next_url = safe_next(request.args.get("next"), url_for("accounts.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        result = services.confirm_password(account, form.password.data or "")
        if result.account is not None:
            session[REAUTHENTICATED_KEY] = time.time()
            return redirect(next_url)
        if result.wait is not None:
            form.password.errors.append(_too_many_tries(result.wait))
        else:
            form.password.errors.append(_("That password is not right. Check it and try again."))
    return render_template("accounts/confirm_password.html", form=form)


@bp.route("/account/two-step")
@allow(STAFF_ANY)
def two_step() -> str:
    account = signed_in_account()
    return render_template(
        "accounts/two_step.html", account=account,
        codes_left=two_factor.recovery_codes_left(account) if account.two_step_on else 0,
        may_turn_off=two_factor.may_turn_off(account),
        back_url=url_for("accounts.account"),
    )


@bp.route("/account/two-step/new", methods=["GET", "POST"])
@allow(STAFF_ANY)
def two_step_start() -> str | Response:
    """What is needed, then a new secret (made on POST: a GET changes nothing)."""
    account = signed_in_account()
    confirm = _confirm_password_first()
    if confirm is not None:
        return confirm
    if request.method == "POST":
        two_factor.begin_set_up(account)
        return redirect(url_for("accounts.two_step_set_up"))
    required = two_factor.required_for(account)
    return render_template(
        "accounts/two_step_start.html", account=account, required=required,
        back_url=None if required else url_for("accounts.two_step"),
    )


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@allow(STAFF_ANY)
def two_step_set_up() -> str | Response:
    account = signed_in_account()
    secret = two_factor.pending_secret(account)
    if secret is None:
        return redirect(url_for("accounts.two_step_start"))
    form = SetUpCodeForm()
    if form.validate_on_submit():
        codes = two_factor.confirm_set_up(account, form.code.data or "")
        if codes is not None:
            # Every other session of this account has ended; this one carries on.
            _continue_session(account)
            return _recovery_codes_page(codes, first=True)
        form.code.errors.append(
            _("That code is not right. Check that the time on your phone is correct, "
              "then type the newest code the app shows.")
        )
    uri = two_factor.provisioning_uri(account, secret)
    qr_code = Markup(two_factor.qr_code_svg(uri, _("QR code for your authenticator app")))  # noqa: S704  (drawn by segno from our own data)
    return render_template(
        "accounts/two_step_set_up.html", form=form, qr_code=qr_code,
        key=two_factor.grouped_key(secret), account=account, issuer=two_factor.issuer(),
        back_url=url_for("accounts.two_step_start"),
    )


def _recovery_codes_page(codes: list[str], *, first: bool) -> str:
    """The codes, shown this once (only their digests are kept)."""
    return render_template(
        "accounts/recovery_codes.html", codes=[services.format_code(code) for code in codes],
        first=first,
    )


@bp.route("/account/two-step/recovery-codes", methods=["GET", "POST"])
@allow(STAFF_ANY)
def two_step_recovery_codes() -> str | Response:
    account = signed_in_account()
    if not account.two_step_on:
        return redirect(url_for("accounts.two_step"))
    confirm = _confirm_password_first()
    if confirm is not None:
        return confirm
    if request.method == "POST":
        return _recovery_codes_page(two_factor.new_recovery_codes(account), first=False)
    return render_template(
        "accounts/new_recovery_codes.html", codes_left=two_factor.recovery_codes_left(account),
        back_url=url_for("accounts.two_step"),
    )


@bp.route("/account/two-step/turn-off", methods=["GET", "POST"])
@allow(STAFF_ANY)
def two_step_turn_off() -> str | Response:
    account = signed_in_account()
    if not two_factor.may_turn_off(account):
        return redirect(url_for("accounts.two_step"))
    confirm = _confirm_password_first()
    if confirm is not None:
        return confirm
    if request.method == "POST":
        two_factor.turn_off(account)
        _continue_session(account)
        flash(_("Two-step sign-in is off. You have been signed out everywhere else."), "success")
        return redirect(url_for("accounts.two_step"))
    return render_template("accounts/two_step_turn_off.html", back_url=url_for("accounts.two_step"))


@bp.route("/staff/accounts/<int:account_id>/two-step/reset", methods=["GET", "POST"])
@allow(ADMINISTRATORS)
def reset_two_step(account_id: int) -> str | Response:
    """An administrator resets someone's two-step sign-in when they have lost their phone
    and their recovery codes. Never one's own: that would make a stolen administrator
    password enough to remove the second step."""
    found = db.session.get(Account, account_id)
    if found is None or not found.is_staff_side:
        abort(404)
    admin = signed_in_account()
    if found.id == admin.id:
        flash(_("You can't reset your own two-step sign-in. Use one of your recovery codes, "
                "or ask another administrator."), "error")
        return redirect(url_for("accounts.two_step"))
    account_page = url_for("staff.account", account_id=found.id)
    form = ResetTwoStepForm()
    if found.two_step_on and form.validate_on_submit():
        two_factor.reset(found, by=admin, reason=form.reason.data or "")
        flash(_("Two-step sign-in is reset for %(name)s, and they have been signed out "
                "everywhere. They can set it up again when they next sign in.",
                name=found.display_name), "success")
        return redirect(account_page)
    return render_template("accounts/reset_two_step.html", form=form, found=found,
                           back_url=account_page)
