"""The person's "What we shared" page (DIS-3): each share that has happened, in their
language, except any under a safety hold. Their advocate sees it only if their link allows."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Account, Role
from portal.consent.views import names_in_language
from portal.disclosures import services
from portal.disclosures.forms import CHANNEL_LABELS
from portal.disclosures.models import Basis
from portal.i18n import current_language
from portal.people.acting import acting_for
from portal.people.models import Person
from portal.people.services import link_for, person_in_view
from portal.security import PEOPLE, allow, signed_in_account

bp = Blueprint("disclosures", __name__, url_prefix="/what-we-shared", template_folder="templates")


def _may_see(account: Account, person: Person) -> bool:
    """The person themselves, or an advocate whose link grants seeing disclosures."""
    if account.role == Role.ADVOCATE:
        link = link_for(account, person)
        return bool(link and link.may_see_disclosures)
    return account.role == Role.SERVICE_USER and account.person_id == person.id


def may_see_what_we_shared() -> bool:
    """For templates (the person's home): whether to offer the link to this page."""
    if not current_user.is_authenticated:
        return False
    account = signed_in_account()
    person = person_in_view(account)
    return person is not None and _may_see(account, person)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"may_see_what_we_shared": may_see_what_we_shared}


@bp.route("")
@allow(PEOPLE)
def shared() -> str | Response:
    acting = acting_for("see_disclosures")
    if not acting.may_change:
        abort(403)
    account, person = acting.account, acting.person
    agencies, kinds = names_in_language()
    return render_template(
        "disclosures/shared.html", person=person, helping=account.role == Role.ADVOCATE,
        disclosures=services.told_to_person(person), agencies=agencies, kinds=kinds,
        circumstances=services.circumstance_names(current_language().code), channels=CHANNEL_LABELS,
        consent_basis=Basis.CONSENT,
        back_url=url_for("home.home"),
    )
