"""Consent review reminders (CON-6): made once per person per review date by
`flask reminders send`, sent only where safe; and the reminder on the person's home page."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.accounts.models import Account
from portal.consent.models import Choice
from portal.consent.services import Wanted, local_today, record_change
from portal.contact import services as contact
from portal.contact.models import SafeTimes
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage, Status
from portal.notifications.reminders import dedupe_key, review_dates_due
from portal.people.models import Person
from tests.conftest import World, sign_in_as

NOTICE = "Some of your choices about sharing need looking at again."


def decide_long_ago(world: World, person_id: int, account_id: int, days_ago: int,
                    wanted: dict[tuple[str, str], Choice]) -> None:
    """A change signed ``days_ago``: the test pack's review period is 6 months."""
    person = db.session.get(Person, person_id)
    account = db.session.get(Account, account_id)
    assert person is not None and account is not None
    record_change(person, {pair: Wanted(choice) for pair, choice in wanted.items()}, by=account,
                  language="en", signed_name="x", now=utcnow() - timedelta(days=days_ago))
    db.session.commit()


def email_is_safe(account_id: int, person_id: int) -> None:
    person = db.session.get(Person, person_id)
    account = db.session.get(Account, account_id)
    assert person is not None and account is not None
    contact.set_preferences(person, by=account, email_ok=True, text_ok=False, phone_ok=False,
                            safe_times=SafeTimes.ANY, may_leave_message=False, note=None)
    db.session.commit()


def test_reminders_send_twice_makes_one_message_per_due_review(app: Flask, world: World) -> None:
    with app.app_context():
        # Sam: two decisions in one old change, so one review date: one message.
        decide_long_ago(world, world.sam_person.id, world.sam.id, 200, {
            ("family-court", "parenting"): Choice.YES, ("family-court", "contact-details"): Choice.ASK})
        email_is_safe(world.sam.id, world.sam_person.id)
        # Robin: due too, but never said email is safe: held, never sent.
        decide_long_ago(world, world.other_person.id, world.other.id, 190,
                        {("health-visitor", "parenting"): Choice.YES})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "Reminders made: 2." in first.output
    assert "Sent: 1." in first.output and "Held as unsafe: 1." in first.output
    second = runner.invoke(args=["reminders", "send"])
    assert "Reminders made: 0." in second.output and "Sent: 0." in second.output
    assert "Held as unsafe: 0." in second.output
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.person_id, m.purpose, m.status) for m in messages] == [
            (world.sam_person.id, "consent-review", Status.SENT),
            (world.other_person.id, "consent-review", Status.HELD_UNSAFE),
        ]
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        [due] = review_dates_due(sam, local_today())
        assert messages[0].dedupe_key == dedupe_key(sam, due) == f"consent-review:{sam.id}:{due.isoformat()}"
    assert "sam@example.org" not in first.output


def test_no_reminder_for_a_no_a_replaced_decision_or_one_not_yet_due(app: Flask, world: World) -> None:
    with app.app_context():
        # A refusal needs no review; a yes later replaced by a no is not in force.
        decide_long_ago(world, world.sam_person.id, world.sam.id, 200,
                        {("family-court", "parenting"): Choice.NO,
                         ("family-court", "contact-details"): Choice.YES})
        decide_long_ago(world, world.sam_person.id, world.sam.id, 1,
                        {("family-court", "contact-details"): Choice.NO})
        email_is_safe(world.sam.id, world.sam_person.id)
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        # The world's own yes was signed today: due in 6 months, not within 30 days.
        assert review_dates_due(sam, local_today()) == []
    output = app.test_cli_runner().invoke(args=["reminders", "send"]).output
    assert "Reminders made: 0." in output


def test_a_review_due_within_30_days_counts(app: Flask, world: World) -> None:
    with app.app_context():
        decide_long_ago(world, world.sam_person.id, world.sam.id, 160,  # due in about 3 weeks
                        {("family-court", "parenting"): Choice.ASK})
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        [due] = review_dates_due(sam, local_today())
        assert local_today() < due <= local_today() + timedelta(days=30)


def test_the_home_page_reminds_them_they_can_change_or_stop(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    assert NOTICE not in client.get("/home").get_data(as_text=True)
    with app.app_context():
        decide_long_ago(world, world.sam_person.id, world.sam.id, 200,
                        {("family-court", "parenting"): Choice.YES})
    page = client.get("/home").get_data(as_text=True)
    assert NOTICE in page and "You can change or stop any of them at any time." in page
    assert 'href="/consent"' in page.split(NOTICE)[1].split("</div>")[0]
    # Someone else (Robin) has nothing due.
    other = app.test_client()
    sign_in_as(other, world.other)
    assert NOTICE not in other.get("/home").get_data(as_text=True)
