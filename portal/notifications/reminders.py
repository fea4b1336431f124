"""Consent review reminders (CON-6: consent has a review date, and the person is reminded
of it and of their right to withdraw).

A reminder is one discreet message per person per review date, made when a decision in
force (yes, or ask me each time) is due within ``REVIEW_WINDOW_DAYS`` or already past. The
message itself says only "you have a message"; the reminder proper is on the person's home
page once they sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.consent import services as consent
from portal.consent.models import Choice, ConsentDecision
from portal.extensions import db
from portal.notifications import services as outbox
from portal.notifications.models import Status
from portal.people.models import Person

PURPOSE = "consent-review"
REVIEW_WINDOW_DAYS = 30


def review_dates_due(person: Person, today: date) -> list[date]:
    """Review dates of the person's decisions in force that are due within the window or
    past. A "no" needs no review: it stays a no until they change it."""
    horizon = today + timedelta(days=REVIEW_WINDOW_DAYS)
    return sorted({
        decision.review_due for decision in consent.decisions_in_force(person).values()
        if decision.choice in (Choice.YES, Choice.ASK) and decision.review_due <= horizon
    })


def dedupe_key(person: Person, review_due: date) -> str:
    return f"{PURPOSE}:{person.id}:{review_due.isoformat()}"


@dataclass
class Made:
    made: int = 0
    held_unsafe: int = 0


def make_review_reminders(*, now: datetime | None = None) -> Made:
    today = consent.local_today(now)
    horizon = today + timedelta(days=REVIEW_WINDOW_DAYS)
    # Only people with some decision due in the window can need one; the in-force check
    # then drops those whose due decision has since been replaced.
    candidates = list(db.session.scalars(
        select(Person).where(Person.id.in_(
            select(ConsentDecision.person_id).where(ConsentDecision.review_due <= horizon)
        )).order_by(Person.id)
    ))
    result = Made()
    for person in candidates:
        for review_due in review_dates_due(person, today):
            enqueued = outbox.enqueue(person, PURPOSE, dedupe_key(person, review_due), now=now)
            if enqueued.created:
                result.made += 1
                if enqueued.message.status == Status.HELD_UNSAFE:
                    result.held_unsafe += 1
    return result
