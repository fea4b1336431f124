"""Whose page this is: for people-side views, the person themselves or the person an
advocate is helping, and what the signed-in account may change (000 §4.3a, issue 6).

Every people-side feature asks this the same way, so a narrowed or ended advocate link is
obeyed everywhere on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from portal.accounts.models import Account, Role
from portal.people.models import AdvocateLink, Person
from portal.people.services import link_for, person_in_view
from portal.security import signed_in_account


@dataclass(frozen=True)
class Acting:
    account: Account
    person: Person
    link: AdvocateLink | None  # None when the person acts for themselves
    may_change: bool


def acting_for(right: str) -> Acting:
    """The person in view and whether this account holds ``right`` (a link's ``may_<right>``,
    e.g. "book", "decide_consent", "see_disclosures"). An advocate who has not chosen whom
    they help is sent to choose; one whose link no longer allows reading gets 403."""
    account = signed_in_account()
    person = person_in_view(account)
    if person is None:
        flash(_("Choose who you are helping first."), "info")
        abort(redirect(url_for("home.home")))
    link = None
    if account.role == Role.ADVOCATE:
        link = link_for(account, person)
        if link is None or not link.may_read:
            abort(403)
    may_change = link is None or bool(getattr(link, f"may_{right}"))
    return Acting(account, person, link, may_change)
