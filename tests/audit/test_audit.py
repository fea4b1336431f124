"""The audit trail is append-only, in the ORM and in the database (SEC-2)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.db import AppendOnlyError
from portal.extensions import db
from tests.conftest import World, sign_in_as


def test_events_cannot_be_changed_or_deleted_through_the_orm(app: Flask, world: World) -> None:
    with app.app_context():
        event = record_event("test.event", system=True)
        db.session.commit()
        event.kind = "edited"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        event = db.session.get(AuditEvent, event.id)
        db.session.delete(event)
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET kind = 'edited'",
    "DELETE FROM audit_events",
])
def test_the_database_refuses_to_change_events(app: Flask, world: World, statement: str) -> None:
    with app.app_context():
        record_event("test.event", system=True)
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalars(select(AuditEvent.kind)).all()[-1] == "test.event"


def test_details_may_not_carry_secrets(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError):
        record_event("test.event", system=True, password="hunter2hunter2")


def test_an_advocate_acts_for_the_person_and_it_is_recorded_so(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.alex)
    assert client.post("/helping", data={"person": world.sam_person.reference}).status_code == 302
    page = client.get("/home").get_data(as_text=True)
    assert "You are helping Sam." in page
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "advocate.started_helping")).one()
        assert (event.actor_id, event.person_id, event.acted_as) == (world.alex.id, world.sam_person.id, "advocate")


def test_a_link_ended_mid_session_stops_the_advocate_at_once(app: Flask, world: World) -> None:
    from portal.db import utcnow
    from portal.people.models import AdvocateLink

    client = app.test_client()
    sign_in_as(client, world.alex)
    client.post("/helping", data={"person": world.sam_person.reference})
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink)).one()
        link.ended_at = utcnow()
        db.session.commit()
    page = client.get("/home").get_data(as_text=True)
    assert "You are helping Sam" not in page
    assert "Who are you helping today?" in page


def test_staff_viewing_a_person_is_recorded(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.jo)
    client.get(f"/staff/people/{world.sam_person.reference}")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "person.viewed")).one()
        assert (event.actor_id, event.person_id, event.acted_as) == (world.jo.id, world.sam_person.id, "staff")
