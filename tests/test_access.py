"""Deny by default (ASVS 5 8.2.1): every route has an expected outcome for anonymous and
for every role; a route added without a row here fails this test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from portal.accounts.models import Role
from tests.conftest import World, make_test_app, sign_in_as

ANON = "anonymous"
ROLES = [ANON, *Role]

OK, REDIRECT, SIGN_IN, FORBIDDEN, BAD = 200, 302, "sign-in", 403, 400


def everyone(outcome: object) -> dict[object, object]:
    return {role: outcome for role in ROLES}


def signed_in(outcome: object, anonymous: object = SIGN_IN, **by_role: object) -> dict[object, object]:
    table: dict[object, object] = {role: outcome for role in Role}
    table[ANON] = anonymous
    for name, value in by_role.items():
        table[Role(name)] = value
    return table


def only(allowed: dict[Role, object], others: object = FORBIDDEN) -> dict[object, object]:
    table: dict[object, object] = {role: allowed.get(role, others) for role in Role}
    table[ANON] = SIGN_IN
    return table


PEOPLE = {Role.SERVICE_USER: OK, Role.ADVOCATE: OK}
# A person's own pages: an advocate who has not chosen whom they help is sent to choose.
PERSON_PAGES = {Role.SERVICE_USER: OK, Role.ADVOCATE: REDIRECT}
CASEWORKERS = (Role.STAFF, Role.MANAGER, Role.ADMINISTRATOR)
STAFF_SIDE = (Role.STAFF, Role.VOLUNTEER, Role.MANAGER, Role.ADMINISTRATOR)

UrlFor = Callable[[World], str]

# endpoint -> (method, url, expected outcome per role)
EXPECTED: dict[str, tuple[str, UrlFor, dict[object, object]]] = {
    "home.index": ("GET", lambda w: "/", signed_in(REDIRECT, anonymous=OK)),
    "home.home": ("GET", lambda w: "/home",
                  signed_in(OK, **{r.value: REDIRECT for r in STAFF_SIDE})),
    "policy.read": ("GET", lambda w: "/policy", everyone(OK)),
    "policy.easy_read": ("GET", lambda w: "/policy/easy-read", everyone(OK)),
    "policy.handout": ("GET", lambda w: "/policy/handout/en.pdf", everyone(OK)),
    "policy.acknowledge": ("POST", lambda w: "/policy/acknowledge", only({Role.SERVICE_USER: REDIRECT})),
    "policy.staff_confirm": ("POST", lambda w: "/staff/policy/confirm", only({r: REDIRECT for r in STAFF_SIDE})),
    "staff.policy_explained": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/policy-explained",
                               only({r: OK for r in CASEWORKERS})),
    "staff_consent.person_consent": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/consent",
                                     only({r: OK for r in CASEWORKERS})),
    "staff_consent.record": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/consent/record",
                             only({r: OK for r in CASEWORKERS})),
    "staff_consent.ask": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/consent/ask",
                          only({r: OK for r in CASEWORKERS})),
    "staff_consent.competence": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/consent/competence",
                                 only({r: OK for r in CASEWORKERS})),
    "staff_consent.notice_done": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/consent/notices/999/done",
                                  only({r: 404 for r in CASEWORKERS})),
    "consent.answer_request": ("GET", lambda w: "/consent/requests/1", only(PERSON_PAGES)),
    "consent.overview": ("GET", lambda w: "/consent", only(PERSON_PAGES)),
    "consent.agency": ("GET", lambda w: "/consent/agency/health-visitor", only(PERSON_PAGES)),
    "consent.decide": ("GET", lambda w: "/consent/agency/health-visitor/parenting", only(PERSON_PAGES)),
    "consent.check_answers": ("GET", lambda w: "/consent/check", only(PERSON_PAGES)),
    "consent.done": ("GET", lambda w: f"/consent/done/{w.sam_change}", only(PERSON_PAGES)),
    "consent.stop": ("GET", lambda w: "/consent/stop", only(PERSON_PAGES)),
    "consent.history": ("GET", lambda w: "/consent/history", only(PERSON_PAGES)),
    "consent.receipt_pdf": ("GET", lambda w: f"/consent/receipts/{w.sam_change}.pdf", only(PERSON_PAGES)),
    "consent.receipt_json": ("GET", lambda w: f"/consent/receipts/{w.sam_change}.json", only(PERSON_PAGES)),
    "consent.decision_fhir": ("GET", lambda w: "/consent/decisions/1/fhir.json", only(PERSON_PAGES)),
    # Safe contact: the person themselves only; never an advocate, nor the staff side,
    # who see it on the person's record (domain.md, "Safety of people at risk").
    "contact.preferences": ("GET", lambda w: "/contact", only({Role.SERVICE_USER: OK})),
    # File visits and copies (issue 5): the person, or an advocate once they have chosen whom
    # they help; references that are not theirs (here: none) are 404.
    "bookings.overview": ("GET", lambda w: "/bookings", only(PERSON_PAGES)),
    "bookings.choose_day": ("GET", lambda w: "/bookings/day", only(PERSON_PAGES)),
    "bookings.choose_time": ("GET", lambda w: "/bookings/time", only({r: REDIRECT for r in PEOPLE})),
    "bookings.needs": ("GET", lambda w: "/bookings/needs", only({r: REDIRECT for r in PEOPLE})),
    "bookings.check": ("GET", lambda w: "/bookings/check", only({r: REDIRECT for r in PEOPLE})),
    "bookings.copy": ("GET", lambda w: "/bookings/copy", only(PERSON_PAGES)),
    "bookings.sent": ("GET", lambda w: "/bookings/sent/BNONE234", only({Role.SERVICE_USER: 404, Role.ADVOCATE: REDIRECT})),
    "bookings.booking": ("GET", lambda w: "/bookings/BNONE234", only({Role.SERVICE_USER: 404, Role.ADVOCATE: REDIRECT})),
    "bookings.cancel": ("GET", lambda w: "/bookings/BNONE234/cancel", only({Role.SERVICE_USER: 404, Role.ADVOCATE: REDIRECT})),
    "bookings.move": ("POST", lambda w: "/bookings/BNONE234/move", only({Role.SERVICE_USER: 404, Role.ADVOCATE: REDIRECT})),
    "bookings.calendar": ("GET", lambda w: "/bookings/BNONE234/calendar.ics",
                          only({Role.SERVICE_USER: 404, Role.ADVOCATE: REDIRECT})),
    "staff_bookings.queue": ("GET", lambda w: "/staff/bookings", only({r: OK for r in CASEWORKERS})),
    "staff_bookings.booking": ("GET", lambda w: "/staff/bookings/999", only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.confirm": ("POST", lambda w: "/staff/bookings/999/confirm", only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.decline": ("POST", lambda w: "/staff/bookings/999/decline", only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.checklist": ("POST", lambda w: "/staff/bookings/999/checklist", only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.outcome": ("POST", lambda w: "/staff/bookings/999/outcome/attended",
                               only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.move": ("POST", lambda w: "/staff/bookings/999/move", only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.access_request": ("GET", lambda w: "/staff/bookings/access-requests/999",
                                      only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.extend": ("POST", lambda w: "/staff/bookings/access-requests/999/extend",
                              only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.access_request_done": ("POST", lambda w: "/staff/bookings/access-requests/999/done",
                                           only({r: 404 for r in CASEWORKERS})),
    "staff_bookings.hours": ("GET", lambda w: "/staff/bookings/hours", only({r: OK for r in STAFF_SIDE})),
    "home.start_helping": ("POST", lambda w: "/helping", only({Role.ADVOCATE: REDIRECT})),
    "home.stop_helping": ("POST", lambda w: "/helping/stop", only({Role.ADVOCATE: REDIRECT})),
    "home.choose_language": ("POST", lambda w: "/language", everyone(REDIRECT)),
    "home.healthz": ("GET", lambda w: "/healthz", everyone(OK)),
    "accounts.sign_in": ("GET", lambda w: "/sign-in", signed_in(REDIRECT, anonymous=OK)),
    "accounts.sign_out": ("POST", lambda w: "/sign-out", everyone(REDIRECT)),
    "accounts.activate": ("GET", lambda w: "/activate", signed_in(REDIRECT, anonymous=OK)),
    "accounts.choose_password": ("GET", lambda w: "/activate/password", everyone(REDIRECT)),
    "accounts.account": ("GET", lambda w: "/account", signed_in(OK)),
    "accounts.change_password": ("GET", lambda w: "/account/password", signed_in(OK)),
    "accounts.sign_out_everywhere": ("POST", lambda w: "/account/sign-out-everywhere",
                                     signed_in(REDIRECT)),
    # Two-step sign-in (staff side), with PORTAL_STAFF_TWO_FACTOR=optional as in tests: the
    # code page needs a right password first; pages that change nothing yet redirect.
    "accounts.sign_in_code": ("GET", lambda w: "/sign-in/code", everyone(REDIRECT)),
    "accounts.confirm_password": ("GET", lambda w: "/account/confirm-password", signed_in(OK)),
    "accounts.two_step": ("GET", lambda w: "/account/two-step", only({r: OK for r in STAFF_SIDE})),
    "accounts.two_step_start": ("GET", lambda w: "/account/two-step/new", only({r: OK for r in STAFF_SIDE})),
    "accounts.two_step_set_up": ("GET", lambda w: "/account/two-step/set-up",
                                 only({r: REDIRECT for r in STAFF_SIDE})),
    "accounts.two_step_recovery_codes": ("GET", lambda w: "/account/two-step/recovery-codes",
                                         only({r: REDIRECT for r in STAFF_SIDE})),
    "accounts.two_step_turn_off": ("GET", lambda w: "/account/two-step/turn-off",
                                   only({r: REDIRECT for r in STAFF_SIDE})),
    "accounts.reset_two_step": ("GET", lambda w: f"/staff/accounts/{w.jo.id}/two-step/reset",
                                only({Role.ADMINISTRATOR: OK})),
    "staff.home": ("GET", lambda w: "/staff/", only({r: OK for r in STAFF_SIDE})),
    "staff.people_list": ("GET", lambda w: "/staff/people", only({r: OK for r in CASEWORKERS})),
    "staff.new_person": ("GET", lambda w: "/staff/people/new", only({r: OK for r in CASEWORKERS})),
    "staff.person": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}",
                     only({r: OK for r in CASEWORKERS})),
    # SEC-1: the world's caseworkers have Sam on their caseload, so "why?" sends them on.
    "staff.open_record": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/open",
                          only({r: REDIRECT for r in CASEWORKERS})),
    "staff.add_worker": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/workers",
                         only({Role.MANAGER: REDIRECT, Role.ADMINISTRATOR: REDIRECT})),
    "staff.remove_worker": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/workers/999999/remove",
                            only({Role.MANAGER: 404, Role.ADMINISTRATOR: 404})),
    "staff.access_log": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/access",
                         only({Role.MANAGER: OK, Role.ADMINISTRATOR: OK})),
    "staff_consent.answer_read": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/consent/answers/999999/read",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff.issue_code": ("POST", lambda w: f"/staff/accounts/{w.sam.id}/activation-code",
                         only({r: OK for r in CASEWORKERS})),
    "staff.activation_letter_pdf": ("POST", lambda w: f"/staff/accounts/{w.sam.id}/activation-letter",
                                    only({r: BAD for r in CASEWORKERS})),
    "staff.disable": ("POST", lambda w: f"/staff/accounts/{w.sam.id}/disable",
                      only({r: REDIRECT for r in CASEWORKERS})),
    "staff.enable": ("POST", lambda w: f"/staff/accounts/{w.sam.id}/enable",
                     only({r: REDIRECT for r in CASEWORKERS})),
    "staff.account_list": ("GET", lambda w: "/staff/accounts", only({Role.ADMINISTRATOR: OK})),
    "staff.new_account": ("GET", lambda w: "/staff/accounts/new", only({Role.ADMINISTRATOR: OK})),
    "staff.account": ("GET", lambda w: f"/staff/accounts/{w.jo.id}", only({Role.ADMINISTRATOR: OK})),
    "staff.mark_volunteer_satisfactory": (
        "POST", lambda w: f"/staff/accounts/{w.vic.id}/volunteer-satisfactory",
        only({Role.MANAGER: REDIRECT, Role.ADMINISTRATOR: REDIRECT}),
    ),
    # Advocates (issue 6): only the person manages who helps them; never an advocate, who
    # acts for them and never as them. Link 1 is Sam's link to Alex.
    "advocates.helpers": ("GET", lambda w: "/helpers", only({Role.SERVICE_USER: OK})),
    "advocates.invite": ("GET", lambda w: "/helpers/invite", only({Role.SERVICE_USER: OK})),
    "advocates.invite_safety": ("GET", lambda w: "/helpers/invite/safety",
                                only({Role.SERVICE_USER: REDIRECT})),
    "advocates.cancel_invitation": ("POST", lambda w: "/helpers/invitations/999/cancel",
                                    only({Role.SERVICE_USER: FORBIDDEN})),
    "advocates.change_link": ("GET", lambda w: "/helpers/1", only({Role.SERVICE_USER: OK})),
    "advocates.remove_link": ("POST", lambda w: "/helpers/1/remove", only({Role.SERVICE_USER: REDIRECT})),
    "advocates.never_link": ("GET", lambda w: "/helpers/never", only({Role.SERVICE_USER: OK})),
    "advocates.activity": ("GET", lambda w: "/helpers/activity", only({Role.SERVICE_USER: OK})),
    # Using an invitation: someone not signed in, or a signed-in advocate.
    "advocates.accept": ("GET", lambda w: "/invitation", {**only({Role.ADVOCATE: OK}), ANON: OK}),
    "staff_advocates.person_advocates": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/advocates",
                                         only({r: OK for r in CASEWORKERS})),
    "staff_advocates.link": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/advocates/link",
                             only({r: OK for r in CASEWORKERS})),
    "staff_advocates.suspend": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/advocates/1/suspend",
                                only({r: OK for r in CASEWORKERS})),
    "staff_advocates.lift": ("POST", lambda w: f"/staff/people/{w.sam_person.reference}/advocates/1/lift",
                             only({r: REDIRECT for r in CASEWORKERS})),
    "staff_advocates.end": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/advocates/1/end",
                            only({r: OK for r in CASEWORKERS})),
    # Link 1 is Sam's own invitation, with no review date: sent back to the advocates page.
    "staff_advocates.review": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/advocates/1/review",
                               only({r: REDIRECT for r in CASEWORKERS})),
    "staff_advocates.remove_never_link": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/never-link/999/remove",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff_advocates.close_alert": ("POST", lambda w: "/staff/safeguarding/999/done",
                                    only({r: 404 for r in CASEWORKERS})),
    # Disclosures (issue 7): the person sees what was shared; an advocate only once they
    # have chosen whom they help and their link allows it. Staff record, approve and hold;
    # managers and administrators see the figures without names. DNONE234 does not exist.
    "disclosures.shared": ("GET", lambda w: "/what-we-shared", only(PERSON_PAGES)),
    "staff_disclosures.person_disclosures": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures",
                                             only({r: OK for r in CASEWORKERS})),
    "staff_disclosures.record": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/new",
                                 only({r: OK for r in CASEWORKERS})),
    "staff_disclosures.detail": ("GET", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234",
                                 only({r: 404 for r in CASEWORKERS})),
    "staff_disclosures.approve": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234/approve",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff_disclosures.hold": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234/hold",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff_disclosures.lift_hold": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234/holds/999/lift",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff_disclosures.refuse": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234/refuse",
        only({r: 404 for r in CASEWORKERS}),
    ),
    "staff_disclosures.follow_up": (
        "POST", lambda w: f"/staff/people/{w.sam_person.reference}/disclosures/DNONE234/follow-up",
        only({Role.MANAGER: 404, Role.ADMINISTRATOR: 404}),
    ),
    "staff_disclosures.not_approved": ("GET", lambda w: "/staff/disclosures/not-approved",
                                       only({Role.MANAGER: OK, Role.ADMINISTRATOR: OK})),
    "staff_disclosures.holds": ("GET", lambda w: "/staff/disclosures/holds", only({r: OK for r in CASEWORKERS})),
    "staff_disclosures.report": ("GET", lambda w: "/staff/disclosures/report",
                                 only({Role.MANAGER: OK, Role.ADMINISTRATOR: OK})),
    "staff_disclosures.report_csv": ("GET", lambda w: "/staff/disclosures/report.csv",
                                     only({Role.MANAGER: OK, Role.ADMINISTRATOR: OK})),
}


def test_every_route_has_an_expected_outcome_for_every_role(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = endpoints - EXPECTED.keys()
    assert not missing, f"routes without an authorization row: {sorted(missing)}"
    assert not EXPECTED.keys() - endpoints, "rows for routes that no longer exist"
    for endpoint, (_method, _url, table) in EXPECTED.items():
        assert set(table) == set(ROLES), f"{endpoint} lacks a role"


def test_a_view_without_an_access_rule_is_refused(database_url: str) -> None:
    app = make_test_app(database_url)
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    response = app.test_client().get("/undeclared")
    assert response.status_code == 403
    assert b"secret" not in response.data


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_outcome(endpoint: str, role: object, app: Flask, world: World) -> None:
    method, url_for_world, table = EXPECTED[endpoint]
    client = app.test_client()
    if role != ANON:
        sign_in_as(client, world.by_role(role))  # type: ignore[arg-type]
    data = {"person": world.sam_person.reference, "language": "cy", "next": "/policy"}
    response = client.open(url_for_world(world), method=method, data=data if method == "POST" else None)
    expected = table[role]
    if expected == SIGN_IN:
        assert response.status_code == 302, (endpoint, role, response.status_code)
        assert "/sign-in" in response.headers["Location"]
    else:
        assert response.status_code == expected, (endpoint, role, response.status_code)
        if expected == REDIRECT:
            assert "/sign-in?next" not in response.headers["Location"]


def test_people_side_ids_of_other_people_are_refused(app: Flask, world: World) -> None:
    """Object level (ASVS 5 8.2.2): an advocate can't start helping someone they have no link
    to by sending that person's reference."""
    client = app.test_client()
    sign_in_as(client, world.alex)
    response = client.post("/helping", data={"person": world.other_person.reference})
    assert response.status_code == 403
    home = client.get("/home").get_data(as_text=True)
    assert "Robin" not in home


def test_caseworkers_cannot_act_on_staff_accounts(app: Flask, world: World) -> None:
    """Only administrators issue codes for, or switch off, staff-side accounts."""
    client = app.test_client()
    sign_in_as(client, world.jo)
    assert client.post(f"/staff/accounts/{world.morgan.id}/activation-code").status_code == 403
    assert client.post(f"/staff/accounts/{world.morgan.id}/disable").status_code == 403
