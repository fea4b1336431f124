"""Shared fixtures: a real database (a SQLite file, or PostgreSQL when PORTAL_DATABASE_URL
names one), made by the Alembic migrations, cleaned between tests; the app; accounts.

No mocked database: every test talks to a real one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

# Before the app is imported: keep test runs away from the developer's instance folder.
_TMP = Path(tempfile.mkdtemp(prefix="portal-tests-"))
os.environ["PORTAL_INSTANCE_DIR"] = str(_TMP / "instance")
os.environ.setdefault("PORTAL_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ["PORTAL_ENV"] = "test"

from alembic import command  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from jinja2.bccache import Bucket, BytecodeCache  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from werkzeug.routing.rules import Rule  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.models import Account, Role  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.cli import alembic_config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.people.models import AdvocateLink, Person  # noqa: E402

POSTGRES_URL = os.environ.get("PORTAL_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parent.parent
DEMO_PACK = ROOT / "packs" / "harbour-lane"
TEST_PACK = ROOT / "tests" / "fixtures" / "packs" / "riverside"
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")
PASSWORD = "correct horse battery staple"


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + ("PostgreSQL " + POSTGRES_URL.split("@")[-1] if ON_POSTGRES else "SQLite files")


class TestDatabase:
    """One migrated database per run; each test gets it clean."""

    def __init__(self) -> None:
        self.template: Path | None = None
        self._engine: Engine | None = None
        self._probe = self._sequences = ""

    def _empty_postgres(self) -> None:
        """Empty the tables the last test wrote to (one query finds them; truncating all of
        them every time cost 90 ms a test), and restart every id sequence."""
        if self._engine is None:
            self._engine = create_engine(POSTGRES_URL)
            with self._engine.begin() as connection:
                tables = connection.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )).scalars().all()
                sequences = connection.execute(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                )).scalars().all()
            self._probe = " UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")" for table in tables
            )
            self._sequences = "SELECT " + ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
        with self._engine.begin() as connection:
            written = connection.execute(text(self._probe)).scalars().all()
            # Triggers keep the audit trail append-only; replica mode lets tests reset it.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            if written:
                connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in written) + " CASCADE"))
            connection.execute(text(self._sequences))

    def prepare(self) -> None:
        if ON_POSTGRES:
            engine = create_engine(POSTGRES_URL)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            command.upgrade(alembic_config(POSTGRES_URL), "head")
        else:
            self.template = _TMP / "template.db"
            command.upgrade(alembic_config(f"sqlite:///{self.template}"), "head")

    def fresh_url(self, folder: Path) -> str:
        if ON_POSTGRES:
            self._empty_postgres()
            return POSTGRES_URL
        assert self.template is not None
        target = folder / "portal.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"


_DATABASE = TestDatabase()


@pytest.fixture(scope="session")
def test_database() -> TestDatabase:
    _DATABASE.prepare()
    return _DATABASE


@pytest.fixture
def database_url(test_database: TestDatabase, tmp_path: Path) -> str:
    return test_database.fresh_url(tmp_path)


# The suite makes an app for every test (each has its own clean database), and two costs of
# making one repeat the same work every time: Werkzeug compiles two Python functions per URL
# rule, and Jinja compiles each template again for each app. Together about 100 ms a test,
# a fifth of the suite's time. Both results depend only on the code, so they are kept for
# the run: the builders by rule text, trace and defaults (they take the rule as an argument
# and read its converters when called), the templates as Jinja bytecode in memory.
_compile_builder = Rule._compile_builder
_builders: dict[tuple[object, ...], Callable[..., tuple[str, str]]] = {}


def _cached_builder(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())), append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(rule, append_unknown)
    return _builders[key]


Rule._compile_builder = _cached_builder  # type: ignore[method-assign]


class _TemplateBytecode(BytecodeCache):
    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.stored:
            bucket.bytecode_from_string(self.stored[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.stored[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _TemplateBytecode()


def make_test_app(database_url: str, **overrides: object) -> Flask:
    config: dict[str, object] = {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SIGN_IN_RATE_LIMIT": "1000 per minute",
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app, with no application context held open: each test-client request gets its
    own, as in production (a context held here would share `g` across requests). Tests
    that touch the database directly use ``with app.app_context():``."""
    application = make_test_app(database_url)
    yield application
    db.dispose(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_HASHES: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """argon2id at full strength is slow on purpose; hash each test password once."""
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@dataclass
class World:
    """The demo's cast, made directly in the database for tests."""

    sam: Account
    sam_person: Person
    alex: Account
    jo: Account
    vic: Account
    morgan: Account
    ash: Account
    other_person: Person
    other: Account
    sam_change: str = ""

    def by_role(self, role: Role) -> Account:
        return {
            Role.SERVICE_USER: self.sam,
            Role.ADVOCATE: self.alex,
            Role.STAFF: self.jo,
            Role.VOLUNTEER: self.vic,
            Role.MANAGER: self.morgan,
            Role.ADMINISTRATOR: self.ash,
        }[role]


def add_account(email: str, role: Role, *, person: Person | None = None, **extra: object) -> Account:
    account = Account(
        email=email,
        display_name=email.split("@")[0].title(),
        role=role,
        password_hash=password_hash(),
        person_id=person.id if person else None,
        **extra,
    )
    db.session.add(account)
    db.session.flush()
    return account


def add_person(name: str, reference: str) -> Person:
    person = Person(reference=reference, full_name=name, known_as=name.split()[0],
                    date_of_birth=date(2000, 1, 1), preferred_language="en")
    db.session.add(person)
    db.session.flush()
    return person


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return _make_world()


def _make_world() -> World:
    from portal.policy.services import load_pack

    assert load_pack(TEST_PACK).version is not None
    sam_person = add_person("Sam Taylor", "PSAM2345")
    other_person = add_person("Robin Other", "PROB6789")
    sam = add_account("sam@example.org", Role.SERVICE_USER, person=sam_person, phone="+447700900001",
                      username="sam")
    other = add_account("robin@example.org", Role.SERVICE_USER, person=other_person)
    alex = add_account("alex@example.org", Role.ADVOCATE)
    db.session.add(AdvocateLink(advocate_id=alex.id, person_id=sam_person.id,
                                relationship_label="Sister", basis="invited-by-person"))
    world = World(
        sam=sam, sam_person=sam_person, alex=alex,
        jo=add_account("jo@example.org", Role.STAFF),
        vic=add_account("vic@example.org", Role.VOLUNTEER, volunteer_started_on=date(2026, 8, 20)),
        morgan=add_account("morgan@example.org", Role.MANAGER),
        ash=add_account("ash@example.org", Role.ADMINISTRATOR),
        other_person=other_person, other=other,
    )
    from portal.people.models import CaseloadMember

    # Caseworkers have both people on their caseloads, so role tests open records freely;
    # tests/staff/test_need_to_know.py covers opening a record that is not on yours (SEC-1).
    for worker in (world.jo, world.morgan, world.ash):
        for person in (sam_person, other_person):
            db.session.add(CaseloadMember(person_id=person.id, account_id=worker.id))
    from portal.consent.models import Choice
    from portal.consent.services import Wanted, ask, record_change

    ask(sam_person, "family-court", "parenting", reason="For the hearing next month",
        answer_by=date(2099, 1, 1), by=world.jo)
    world.sam_change = record_change(
        sam_person, {("health-visitor", "parenting"): Wanted(Choice.YES)}, by=sam, language="en",
        signed_name="Sam Taylor",
    ).reference
    db.session.commit()
    return world


def sign_in_as(client: FlaskClient, account: Account) -> None:
    """Put a signed-in session on the client without the (deliberately slow) password check."""
    now = time.time()
    with client.session_transaction() as session:
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
        session["sid"] = f"test-{account.id}"
        session["auth_at"] = now
        session["seen_at"] = now


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/sign-in", data={"sign_in_name": name, "password": password})
