"""The outbox's message for each booking event, snapshot-tested in two languages: always the
same discreet text, never naming the charity's work, the file, or the person."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.bookings import services
from portal.bookings.models import DeclineReason
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.people.models import Person
from tests.bookings.support import at, load_pack_variant, next_weekday
from tests.conftest import World

SNAPSHOTS = {
    "en": ("You have a message", "You have a message. Sign in to read it.\n\nhttp://127.0.0.1:5000\n"),
    "cy": ("Mae gennych chi neges",
           "Mae gennych chi neges. Mewngofnodwch i'w darllen.\n\nhttp://127.0.0.1:5000\n"),
}
EVENTS = ["booking-received", "booking-confirmed", "booking-changed", "booking-reminder",
          "booking-declined", "access-request-received", "access-request-extended", "access-request-done"]
NEVER = ["file", "record", "booking", "appointment", "visit", "supervis", "harbour", "sam", "taylor",
         "ffeil", "cofnod"]


@pytest.mark.parametrize("language", sorted(SNAPSHOTS))
def test_every_event_makes_the_same_discreet_message(app: Flask, world: World, tmp_path: Path,
                                                     language: str) -> None:
    load_pack_variant(app, tmp_path)
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        assert person is not None
        person.preferred_language = language
        day = next_weekday(1)
        first = services.request_booking(person, at(day, "09:30"), services.Needs(), by=world.sam)
        services.confirm(first, world.jo, by=world.jo)
        services.move_by_staff(first, at(day, "10:45"), reason="Room needed", by=world.jo)
        services.make_reminders(now=at(day, "08:00") - timedelta(days=1))
        second = services.request_booking(person, at(day, "14:30"), services.Needs(), by=world.sam)
        services.decline(second, DeclineReason.CLOSED, by=world.jo)
        sar = services.request_copy(person, by=world.sam)
        services.extend_access_request(sar, 1, reason="Many papers", by=world.jo)
        services.complete_access_request(sar, by=world.jo)
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {m.purpose for m in messages} == set(EVENTS)
    for message in messages:
        assert (message.subject, message.body) == SNAPSHOTS[language], message.purpose
        assert message.language == language
        text = (message.subject + message.body).lower()
        assert not [word for word in NEVER if word in text], message.purpose
