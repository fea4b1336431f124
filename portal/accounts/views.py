"""Signing in and out, activating an account with a one-time code, changing a password."""

from __future__ import annotations

import math
import time

from flask import (
    Blueprint,
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
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import (
    ActivationCodeForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    SignInForm,
)
from portal.accounts.models import Account, ActivationCode
from portal.accounts.passwords import password_problem, verify_password
from portal.extensions import db, limiter
from portal.security import (
    ALL_SIGNED_IN,
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
        if result.account is not None:
            start_session(result.account)
            return redirect(safe_next(request.args.get("next"), url_for("home.home")))
        if result.wait is not None:
            minutes = max(1, math.ceil(result.wait.total_seconds() / 60))
            form.password.errors.append(
                ngettext(
                    "There have been too many tries to sign in to this account. "
                    "For its safety, wait %(num)d minute and try again.",
                    "There have been too many tries to sign in to this account. "
                    "For its safety, wait %(num)d minutes and try again.",
                    minutes,
                )
            )
        else:
            form.password.errors.append(
                _("The sign-in name or password is not right. Check them and try again.")
            )
    return render_template("accounts/sign_in.html", form=form)


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
