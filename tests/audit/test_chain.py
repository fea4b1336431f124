"""The audit trail's hash chain: `flask audit verify` finds a changed, a deleted and a
reordered event, and concurrent writers leave a valid chain (issue 7, Done 4; SEC-2)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select, text

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.extensions import db
from tests.conftest import ON_POSTGRES, make_test_app


def _write(app: Flask, count: int) -> list[int]:
    with app.app_context():
        ids = [record_event("test.event", system=True, n=n).id for n in range(count)]
        db.session.commit()
        return ids


def _tamper(app: Flask, *statements: str) -> None:
    """Change the table behind the app's back, as someone with database access could."""
    with app.app_context(), db.engine.begin() as connection:
        if ON_POSTGRES:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        for statement in statements:
            connection.execute(text(statement))


def _verify(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_a_clean_log_verifies(app: Flask) -> None:
    _write(app, 5)
    result = _verify(app)
    assert result.exit_code == 0 and "sound: 5 events" in result.output


def test_a_changed_event_is_found(app: Flask) -> None:
    ids = _write(app, 5)
    _tamper(app, f"UPDATE audit_events SET kind = 'quietly.edited' WHERE id = {ids[2]}")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[2]}: its contents do not match its hash" in result.output


def test_a_deleted_event_is_found(app: Flask) -> None:
    ids = _write(app, 5)
    _tamper(app, f"DELETE FROM audit_events WHERE id = {ids[1]}")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[2]}: does not follow the event before it" in result.output


def test_reordered_events_are_found(app: Flask) -> None:
    ids = _write(app, 5)
    a, b = ids[1], ids[3]
    # Swap two events' places in the order by swapping their ids.
    _tamper(app, f"UPDATE audit_events SET id = -1 WHERE id = {a}",
            f"UPDATE audit_events SET id = {a} WHERE id = {b}",
            f"UPDATE audit_events SET id = {b} WHERE id = -1")
    result = _verify(app)
    assert result.exit_code == 1 and f"BROKEN at event {a}" in result.output


def test_cutting_off_the_end_is_found_with_a_kept_head(app: Flask) -> None:
    _write(app, 3)
    head = app.test_cli_runner().invoke(args=["audit", "head"]).output.split()[1]
    _write(app, 2)
    assert _verify(app, "--expect-head", head).exit_code == 0
    _tamper(app, "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id DESC LIMIT 3)")
    result = _verify(app, "--expect-head", head)
    assert result.exit_code == 1 and "head hash you kept is not in the chain" in result.output


def test_the_database_refuses_a_fork(app: Flask) -> None:
    """Two events may never follow the same one (a unique index on prev_hash)."""
    _write(app, 2)
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        from sqlalchemy.exc import IntegrityError

        db.session.add(AuditEvent(kind="fork", acted_as="system", details={}, prev_hash=last.prev_hash,
                                  hash="f" * 64))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_ten_concurrent_writers_leave_a_valid_chain(database_url: str) -> None:
    """Ten workers (separate app instances, as on separate machines) append at once."""
    workers = [make_test_app(database_url) for _ in range(10)]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def write(worker: Flask) -> None:
        try:
            start.wait()
            for _ in range(5):
                _write(worker, 2)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    result = _verify(workers[0])
    assert result.exit_code == 0, result.output
    assert "sound: 100 events" in result.output
    for worker in workers:
        db.dispose(worker)
