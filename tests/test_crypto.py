"""Encrypted free-text notes (security.md, "Headers and data"): stored as Fernet tokens,
read back by the app, rotated to a new key, and refused clearly with the wrong key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DatabaseError, StatementError

from portal.accounts.models import Account
from portal.cli import alembic_config
from portal.config import ConfigError, load_config
from portal.contact.models import ContactPreference, SafeTimes
from portal.crypto import DecryptionError, encrypted_columns, fernet_from_config
from portal.disclosures import services
from portal.disclosures.models import Disclosure, SafetyHold
from portal.extensions import db
from portal.people.models import Person
from tests.conftest import ON_POSTGRES, World, _make_world, make_test_app

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
PURPOSE = "Planning the next home visit"


def _record_share(app: Flask, world: World, purpose: str = PURPOSE) -> str:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        jo = db.session.get(Account, world.jo.id)
        assert person and jo
        disclosure = services.record_disclosure(person, agency="health-visitor", kinds=["parenting"],
                                                purpose=purpose, channel="post", by=jo)
        db.session.commit()
        return disclosure.reference


def _raw(app: Flask, sql: str) -> list[str]:
    with app.app_context():
        return list(db.session.execute(text(sql)).scalars())


def test_notes_are_stored_encrypted_and_read_back(app: Flask, world: World) -> None:
    first, second = _record_share(app, world), _record_share(app, world)
    stored = _raw(app, "SELECT purpose FROM disclosures ORDER BY id")
    assert len(stored) == 2 and PURPOSE not in stored[0] and PURPOSE not in stored[1]
    # Equal words never look equal: a fresh IV each time.
    assert stored[0] != stored[1]
    with app.app_context():
        read = db.session.scalars(select(Disclosure.purpose).order_by(Disclosure.id)).all()
    assert read == [PURPOSE, PURPOSE]
    # The staff page shows the words.
    from tests.conftest import sign_in_as

    client = app.test_client()
    sign_in_as(client, world.jo)
    page = client.get(f"/staff/people/{world.sam_person.reference}/disclosures/{first}").get_data(as_text=True)
    assert PURPOSE in page and second  # noqa: PT018


def test_every_listed_note_is_encrypted_and_nothing_searched_is() -> None:
    columns = encrypted_columns()
    for table, names in {
        "disclosures": ["purpose", "identity_check", "refusal_reason"],
        "disclosure_holds": ["reason"],
        "advocate_links": ["basis_details", "suspended_reason"],
        "contact_preferences": ["note"],
        "file_access_bookings": ["access_needs"],
        "subject_access_requests": ["extension_reason"],
        "competence_assessments": ["notes"],
        "agency_notices": ["how"],
    }.items():
        assert set(names) <= set(columns.get(table, [])), table
    # Names and references are searched: never encrypted.
    assert "full_name" not in columns.get("persons", []) and "reference" not in columns.get("disclosures", [])


def _app_with_keys(database_url: str, keys: str) -> Flask:
    return make_test_app(database_url, ENCRYPTION_KEYS=keys)


def test_rotation_moves_old_notes_to_the_new_key(database_url: str) -> None:
    old_app = _app_with_keys(database_url, OLD)
    with old_app.app_context():
        world = _make_world()
    reference = _record_share(old_app, world)
    with old_app.app_context():
        # An append-only table too: its triggers must be back after the rotation.
        db.session.add(ContactPreference(person_id=world.sam_person.id, email_ok=True, text_ok=False,
                                         phone_ok=False, safe_times=SafeTimes.ANY, may_leave_message=False,
                                         note="My partner reads my texts", set_by_id=world.sam.id))
        db.session.commit()
    db.dispose(old_app)

    both = _app_with_keys(database_url, f"{NEW},{OLD}")
    with both.app_context():
        assert db.session.scalars(select(Disclosure.purpose)).one() == PURPOSE  # old data, read
    runner = both.test_cli_runner()
    result = runner.invoke(args=["crypto", "rotate", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "disclosures: 1 of 1 notes re-encrypted." in result.output
    assert "contact_preferences: 1 of 1 notes re-encrypted." in result.output
    # Idempotent: nothing left to rewrite.
    again = runner.invoke(args=["crypto", "rotate"])
    assert again.exit_code == 0 and "disclosures: 0 of 1 notes re-encrypted." in again.output
    db.dispose(both)

    new_app = _app_with_keys(database_url, NEW)
    with new_app.app_context():
        assert db.session.scalars(select(Disclosure.purpose)).one() == PURPOSE
        assert db.session.scalars(select(ContactPreference.note)).one() == "My partner reads my texts"
        assert db.session.scalars(select(Disclosure.reference)).one() == reference
    # The history table is still append-only in the database itself.
    with pytest.raises(DatabaseError), new_app.app_context():
        db.session.execute(text("UPDATE contact_preferences SET note = NULL"))
    db.dispose(new_app)


def test_the_wrong_key_gives_a_clear_error(database_url: str) -> None:
    writer = _app_with_keys(database_url, OLD)
    with writer.app_context():
        world = _make_world()
    _record_share(writer, world)
    db.dispose(writer)
    reader = _app_with_keys(database_url, NEW)
    with reader.app_context(), pytest.raises((DecryptionError, StatementError)) as caught:
        db.session.scalars(select(Disclosure.purpose)).one()
    message = str(caught.value)
    assert "wrong or missing key" in message and "PORTAL_ENCRYPTION_KEYS" in message
    assert OLD not in message and NEW not in message
    db.dispose(reader)


def test_production_refuses_to_start_without_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-production-secret-key-long-enough-0123456789")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://portal@localhost/portal")
    monkeypatch.delenv("PORTAL_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_ENCRYPTION_KEYS must be set in production"):
        load_config()
    assert not (tmp_path / "encryption_key").exists()
    # A key that is not a Fernet key is named by its place, never printed.
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEYS", f"{NEW},not-a-key")
    with pytest.raises(ConfigError, match="Key 2 in PORTAL_ENCRYPTION_KEYS") as caught:
        load_config()
    assert NEW not in str(caught.value)
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEYS", f" {NEW} , {OLD} ")
    assert load_config()["ENCRYPTION_KEYS"] == (NEW, OLD)


def test_development_makes_one_private_key_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("PORTAL_ENCRYPTION_KEYS", raising=False)
    first = load_config()["ENCRYPTION_KEYS"]
    assert load_config()["ENCRYPTION_KEYS"] == first and len(first) == 1
    key_file = tmp_path / "encryption_key"
    assert key_file.read_text().strip() == first[0]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


SEED = """
INSERT INTO accounts (id, role, display_name, email, session_generation, created_at) VALUES
  (1, 'staff', 'Jo', 'jo@example.org', 0, '2026-01-01 00:00:00'),
  (2, 'advocate', 'Alex', 'alex@example.org', 0, '2026-01-01 00:00:00');
INSERT INTO persons (id, reference, full_name, known_as, preferred_language, created_at) VALUES
  (1, 'PSAM2345', 'Sam Taylor', 'Sam', 'en', '2026-01-01 00:00:00');
INSERT INTO policy_versions (id, number, label, substantive, content, content_digest, changes, loaded_at) VALUES
  (1, 1, 'v1', true, '{}', 'x', '[]', '2026-01-01 00:00:00');
INSERT INTO disclosures (id, reference, person_id, agency, purpose, channel, identity_check, basis,
  circumstance, status, approvals_needed, policy_version_id, recorded_by_id, recorded_at) VALUES
  (1, 'DAAA2345', 1, 'police', 'Plain purpose', 'phone', 'Called back', 'circumstance', 'x', 'pending',
   1, 1, 1, '2026-01-01 00:00:00');
INSERT INTO disclosure_kinds (id, disclosure_id, information_kind, consent_answer) VALUES (1, 1, 'health', 'no');
INSERT INTO disclosure_holds (id, disclosure_id, reason, review_on, placed_by_id, placed_at) VALUES
  (1, 1, 'Hold reason', '2027-01-01', 1, '2026-01-01 00:00:00');
INSERT INTO advocate_links (id, advocate_id, person_id, relationship_label, basis, may_read, may_book,
  may_decide_consent, may_see_disclosures, started_at, may_request_records, basis_details,
  suspended_reason) VALUES
  (1, 2, 1, 'Sister', 'lpa', true, false, false, false, '2026-01-01 00:00:00', false, 'Basis details',
   'Suspended because');
INSERT INTO contact_preferences (id, person_id, email_ok, text_ok, phone_ok, safe_times, may_leave_message,
  note, set_by_id, created_at) VALUES
  (1, 1, true, false, false, 'any', false, 'Partner reads texts', 1, '2026-01-01 00:00:00');
INSERT INTO competence_assessments (id, person_id, competent, notes, assessed_by_id, created_at) VALUES
  (1, 1, true, 'Understood well', 1, '2026-01-01 00:00:00');
"""
NOTES = {
    "SELECT purpose FROM disclosures": "Plain purpose",
    "SELECT identity_check FROM disclosures": "Called back",
    "SELECT reason FROM disclosure_holds": "Hold reason",
    "SELECT suspended_reason FROM advocate_links": "Suspended because",
    "SELECT note FROM contact_preferences": "Partner reads texts",
    "SELECT notes FROM competence_assessments": "Understood well",
}


@pytest.mark.skipif(ON_POSTGRES, reason="a scratch SQLite file; test_migrations covers PostgreSQL's DDL")
def test_the_migration_encrypts_existing_notes_and_downgrade_decrypts(tmp_path: Path) -> None:
    """Existing rows, with rows referring to them (SQLite rebuilds the tables)."""
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    config = alembic_config(url)
    command.upgrade(config, "disclosures001")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in SEED.split(";"):
            if statement.strip():
                connection.execute(text(statement))
    command.upgrade(config, "disclosures002")
    fernet = fernet_from_config(load_config())
    with engine.connect() as connection:
        for query, plain in NOTES.items():
            stored = connection.execute(text(query)).scalar_one()
            assert stored != plain and fernet.decrypt(stored.encode()).decode() == plain, query
        assert connection.execute(text("SELECT disclosure_id FROM disclosure_kinds")).scalar_one() == 1
    command.downgrade(config, "disclosures001")
    with engine.connect() as connection:
        for query, plain in NOTES.items():
            assert connection.execute(text(query)).scalar_one() == plain, query
    engine.dispose()


def test_hold_reasons_and_refusals_are_encrypted_too(app: Flask, world: World) -> None:
    from datetime import date, timedelta

    _record_share(app, world)
    with app.app_context():
        disclosure = db.session.scalars(select(Disclosure)).one()
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None
        services.place_hold(disclosure, reason="Partner reads her phone",
                            review_on=date.today() + timedelta(days=7), by=jo)
        db.session.commit()
        assert db.session.scalars(select(SafetyHold.reason)).one() == "Partner reads her phone"
    assert "Partner" not in _raw(app, "SELECT reason FROM disclosure_holds")[0]
