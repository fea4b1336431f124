"""The staff check before sharing, and consent recorded by staff (issue 4, Done 2; CON-5, CON-6)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts.models import Account
from portal.consent import services
from portal.consent.models import Choice, ConsentChange, Method
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import Person
from tests.conftest import World, sign_in_as

PAIR = ("family-court", "parenting")


def _record(app: Flask, world: World, choice: Choice, *, days_ago: int = 0) -> None:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        sam = db.session.get(Account, world.sam.id)
        assert person and sam
        services.record_change(person, {PAIR: services.Wanted(choice)}, by=sam, language="en",
                               now=utcnow() - timedelta(days=days_ago))
        db.session.commit()


def _staff_check(app: Flask, world: World) -> str:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    return staff.post(f"/staff/people/{world.sam_person.reference}/consent",
                      data={"agency": PAIR[0], "kind": PAIR[1], "purpose": "Court report"}).get_data(as_text=True)


def test_check_permit(app: Flask, world: World) -> None:
    _record(app, world, Choice.YES)
    page = _staff_check(app, world)
    assert "Yes: they agreed." in page and "panel--yes" in page and "Based on their decision of" in page


def test_check_deny(app: Flask, world: World) -> None:
    _record(app, world, Choice.NO)
    assert "No: they said no." in _staff_check(app, world)


def test_check_ask_each_time(app: Flask, world: World) -> None:
    _record(app, world, Choice.ASK)
    assert "Ask first: they want to be asked each time." in _staff_check(app, world)


def test_check_never_asked(app: Flask, world: World) -> None:
    assert "Ask first: they have never been asked about this." in _staff_check(app, world)


def test_check_expired_after_the_packs_review_period(app: Flask, world: World) -> None:
    """The test pack reviews every 6 months: a yes from 190 days ago no longer counts."""
    _record(app, world, Choice.YES, days_ago=190)
    assert "past its review date" in _staff_check(app, world)
    _record(app, world, Choice.YES, days_ago=150)
    assert "Yes: they agreed." in _staff_check(app, world)


def test_check_withdrawn_and_after_stop_all_sharing(app: Flask, world: World) -> None:
    _record(app, world, Choice.YES)
    client = app.test_client()
    sign_in_as(client, world.sam)
    client.post("/consent/stop")
    assert "No: they said no." in _staff_check(app, world)
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        assert person is not None
        # The world's own yes (health visitor, parenting) is withdrawn too.
        assert services.check(person, "health-visitor", "parenting").answer == Choice.NO


def test_checks_are_audited(app: Flask, world: World) -> None:
    from portal.audit.models import AuditEvent

    _staff_check(app, world)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "consent.checked")).one()
        assert event.actor_id == world.jo.id and event.person_id == world.sam_person.id


def test_staff_record_paper_consent(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    response = staff.post(f"/staff/people/{world.sam_person.reference}/consent/record", data={
        "agency": "family-court", "kinds": ["parenting", "contact-details"], "choice": "yes",
        "method": "paper", "purpose": "Child arrangements hearing"})
    assert response.status_code == 302
    with app.app_context():
        change = db.session.scalars(select(ConsentChange).order_by(ConsentChange.id.desc())).first()
        assert change is not None
        assert (change.method, change.acted_as, change.acted_by_id) == (Method.PAPER, "staff", world.jo.id)
        assert sorted(d.information_kind for d in change.decisions) == ["contact-details", "parenting"]
        assert change.decisions[0].purpose == "Child arrangements hearing"


def test_verbal_consent_is_offered_only_where_the_pack_allows(app: Flask, world: World) -> None:
    """The test pack (Riverside) does not accept verbal consent: it is not offered and a
    forged post is refused; the rule would come from the pack, not from code."""
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    url = f"/staff/people/{world.sam_person.reference}/consent/record"
    assert 'value="verbal"' not in staff.get(url).get_data(as_text=True)
    page = staff.post(url, data={"agency": "family-court", "kinds": ["parenting"], "choice": "yes",
                                 "method": "verbal", "witness": "Kim"}).get_data(as_text=True)
    assert "Choose how they gave it." in page


def test_verbal_consent_needs_a_witness(app: Flask, world: World) -> None:
    from portal.policy.services import load_pack
    from tests.conftest import DEMO_PACK

    with app.app_context():
        load_pack(DEMO_PACK)
        db.session.commit()
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    url = f"/staff/people/{world.sam_person.reference}/consent/record"
    page = staff.post(url, data={"agency": "gp", "kinds": ["health"], "choice": "yes",
                                 "method": "verbal", "witness": ""}).get_data(as_text=True)
    assert "Name the witness: verbal consent needs one." in page
    assert staff.post(url, data={"agency": "gp", "kinds": ["health"], "choice": "yes", "method": "verbal",
                                 "witness": "Kim Lee (duty worker)"}).status_code == 302


# --- the property: the check always agrees with the latest in-force decision ---------------

PAIRS = [("family-court", "parenting"), ("family-court", "contact-details"),
         ("health-visitor", "parenting"), ("health-visitor", "contact-details")]
step = st.one_of(
    st.tuples(st.just("decide"), st.sampled_from(PAIRS), st.sampled_from(list(Choice)),
              st.integers(min_value=0, max_value=400)),
    st.tuples(st.just("stop"), st.none(), st.none(), st.integers(min_value=0, max_value=400)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_the_check_agrees_with_the_latest_in_force_decision(app: Flask, world: World, steps) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        sam = db.session.get(Account, world.sam.id)
        assert person and sam
        today = services.local_today()
        model: dict[tuple[str, str], tuple[Choice, date]] = {("health-visitor", "parenting"): (Choice.YES, today)}
        savepoint = db.session.begin_nested()
        # Changes happen in time order; a later step never predates an earlier one.
        days = sorted((s[3] for s in steps), reverse=True)
        for (action, pair, choice, _), days_ago in zip(steps, days, strict=True):
            when = utcnow() - timedelta(days=days_ago)
            if action == "decide":
                services.record_change(person, {pair: services.Wanted(choice)}, by=sam, language="en", now=when)
                model[pair] = (choice, services.local_today(when))
            elif services.stop_all_sharing(person, by=sam, language="en") is not None:
                for key, (old, _day) in list(model.items()):
                    if old != Choice.NO:
                        model[key] = (Choice.NO, today)
        for pair in PAIRS:
            result = services.check(person, *pair)
            if pair not in model:
                assert result.answer == Choice.ASK
                continue
            choice, decided_on = model[pair]
            expired = services.add_months(decided_on, 6) < today  # the test pack reviews every 6 months
            if choice == Choice.NO:
                assert result.answer == Choice.NO
            elif expired:
                assert result.reason == "expired"
            else:
                assert result.answer == choice
        savepoint.rollback()
        db.session.rollback()


def test_a_yes_for_an_agency_a_new_policy_dropped_can_still_be_withdrawn(app: Flask, world: World) -> None:
    """CON-6: withdrawal always works, even when the policy in force no longer lists the agency."""
    from portal.policy.services import load_pack
    from tests.conftest import DEMO_PACK

    with app.app_context():
        load_pack(DEMO_PACK)  # has no health visitor; the world's yes was for one
        db.session.commit()
    client = app.test_client()
    sign_in_as(client, world.sam)
    assert "/consent/done/" in client.post("/consent/stop").headers["Location"]
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        assert person is not None
        assert services.check(person, "health-visitor", "parenting").answer == Choice.NO
