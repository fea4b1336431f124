"""Flask commands: the database schema, demo data, a first administrator, and reminders."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.extensions import db


def alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%"))
    return config


DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - documented demo password, never in production


def load_demo_data() -> bool:
    """Create the demo accounts once (the demo organisation itself is its policy pack,
    packs/harbour-lane). Returns False if already there."""
    from portal.accounts.models import Account, Role
    from portal.accounts.passwords import hash_password
    from portal.audit.services import record_event
    from portal.db import utcnow
    from portal.people.models import AdvocateLink, CaseloadMember, Person
    from portal.people.services import new_reference

    session = db.session
    if session.scalars(select(Account).where(Account.email == "sam@example.org")).first():
        return False
    now = utcnow()
    sam = Person(reference=new_reference(), full_name="Sam Taylor", known_as="Sam",
                 date_of_birth=date(2001, 5, 14), preferred_language="en")
    session.add(sam)
    session.flush()

    def account(email: str, name: str, role: Role, **extra: object) -> Account:
        row = Account(email=email, display_name=name, role=role, language=None,
                      password_hash=hash_password(DEMO_PASSWORD), activated_at=now,
                      password_changed_at=now, **extra)
        session.add(row)
        session.flush()
        return row

    account("sam@example.org", "Sam", Role.SERVICE_USER, person_id=sam.id, username="sam")
    alex = account("alex@example.org", "Alex", Role.ADVOCATE)
    jo = account("jo@example.org", "Jo", Role.STAFF)
    account("vic@example.org", "Vic", Role.VOLUNTEER,
            volunteer_started_on=(now - timedelta(days=91)).date())
    morgan = account("morgan@example.org", "Morgan", Role.MANAGER)
    account("admin@example.org", "Ash", Role.ADMINISTRATOR)
    session.add(AdvocateLink(advocate_id=alex.id, person_id=sam.id, relationship_label="Sister",
                             basis="invited-by-person", may_book=True))
    # Caseloads (SEC-1): Sam is Jo's; Robin, met at a drop-in and not yet given an account, is
    # Morgan's, so Jo opening Robin's record is asked why first.
    robin = Person(reference=new_reference(), full_name="Robin Green", known_as="Robin",
                   date_of_birth=date(1988, 11, 2), preferred_language="pl")
    session.add(robin)
    session.flush()
    session.add(CaseloadMember(person_id=sam.id, account_id=jo.id, added_by_id=morgan.id))
    session.add(CaseloadMember(person_id=robin.id, account_id=morgan.id, added_by_id=morgan.id))
    session.flush()
    record_event("demo.loaded", system=True)
    return True


def init_app(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """The database schema (made only by Alembic migrations)."""

    @db_group.command("upgrade")
    def upgrade() -> None:
        """Bring the schema up to date."""
        from alembic import command

        command.upgrade(alembic_config(), "head")
        click.echo("Database schema is up to date.")

    @app.cli.group("demo")
    def demo_group() -> None:
        """Demo organisation and accounts (never in production)."""

    @demo_group.command("load")
    def demo_load() -> None:
        if not current_app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException("Demo data is never loaded in production.")
        with db.transaction():
            created = load_demo_data()
        click.echo("Demo data loaded." if created else "Demo data was already there.")

    @app.cli.group("policy")
    def policy_group() -> None:
        """Policy packs: an organisation's rules and policy text (docs/policy-pack.md)."""

    @policy_group.command("check")
    @click.argument("path", type=click.Path())
    def policy_check(path: str) -> None:
        """Report every problem in a pack, with file, field and reason."""
        from portal.policy.pack import read_pack

        reading = read_pack(path)
        for problem in reading.problems:
            click.echo(str(problem))
        if reading.problems:
            click.echo(f"{len(reading.problems)} problem(s) found.")
            raise SystemExit(1)
        click.echo("The pack is sound.")

    @policy_group.command("load")
    @click.argument("path", type=click.Path())
    def policy_load(path: str) -> None:
        """Store the pack as a new version, if it is sound and has changed."""
        from portal.policy.services import load_pack

        with db.transaction():
            result = load_pack(path)
        for problem in result.problems:
            click.echo(str(problem))
        if result.problems:
            click.echo(f"{len(result.problems)} problem(s) found. Nothing was loaded.")
            raise SystemExit(1)
        if result.version is None:
            click.echo("The pack is the same as the version in force. Nothing was loaded.")
            return
        click.echo(f"Loaded version {result.version.number} ({result.version.label}). Changes:")
        for line in result.changes:
            click.echo(f"  {line}")

    @app.cli.group("reminders")
    def reminders_group() -> None:
        """Reminders to people (CON-6), sent through the outbox."""

    @reminders_group.command("send")
    def reminders_send() -> None:
        """Make consent review reminders (once per person per review date), then send what
        is queued, by channels and at times the person marked safe. Run it daily."""
        from portal.notifications.reminders import make_review_reminders
        from portal.notifications.services import deliver

        with db.transaction():
            made = make_review_reminders()
        delivery = deliver()
        click.echo(f"Reminders made: {made.made}.")
        click.echo(f"Sent: {delivery.sent}.")
        click.echo(f"Held as unsafe: {made.held_unsafe + delivery.held_unsafe}.")
        click.echo(f"Waiting for a safe time: {delivery.waiting}.")
        if delivery.retrying or delivery.failed:
            click.echo(f"Not sent, will retry: {delivery.retrying}. Given up: {delivery.failed}.")

    @app.cli.group("audit")
    def audit_group() -> None:
        """The tamper-evident audit trail (SEC-2)."""

    @audit_group.command("verify")
    @click.option("--expect-head", default="",
                  help="A head hash kept elsewhere earlier; it must still be in the chain.")
    def audit_verify(expect_head: str) -> None:
        """Check every event's hash and link; name the first broken event. Exit 1 if broken."""
        from portal.audit.chain import verify

        result = verify(db.session)
        if not result.ok:
            click.echo(f"BROKEN at event {result.first_broken_id}: {result.reason}. "
                       f"{result.checked} events before it are sound.")
            raise SystemExit(1)
        if expect_head:
            from sqlalchemy import select as select_

            from portal.audit.models import AuditEvent

            known = db.session.scalars(select_(AuditEvent.id).where(AuditEvent.hash == expect_head)).first()
            if known is None:
                click.echo("BROKEN: the head hash you kept is not in the chain: "
                           "events were removed or rewritten.")
                raise SystemExit(1)
        click.echo(f"The audit trail is sound: {result.checked} events. Head: {result.head}")

    @audit_group.command("head")
    def audit_head() -> None:
        """Print the latest event's id and hash, to keep somewhere the database can't change."""
        from sqlalchemy import select as select_

        from portal.audit.models import AuditEvent

        latest = db.session.scalars(select_(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
        if latest is None:
            click.echo("The audit trail is empty.")
            return
        click.echo(f"{latest.id} {latest.hash} {latest.occurred_at.isoformat()}")

    @app.cli.group("crypto")
    def crypto_group() -> None:
        """Encrypted free-text notes (portal.crypto, PORTAL_ENCRYPTION_KEYS)."""

    @crypto_group.command("rotate")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
    def crypto_rotate(batch_size: int) -> None:
        """Re-encrypt every encrypted note with the newest key (the first listed). Safe to run
        again; once it has run, the old keys can be removed."""
        from portal.audit.services import record_event
        from portal.crypto import rotate_all

        counts = rotate_all(db.engine, current_app.config, batch_size=batch_size)
        for table, count in counts.items():
            click.echo(f"{table}: {count.rewritten} of {count.checked} notes re-encrypted.")
        with db.transaction():
            record_event("crypto.rotated", system=True,
                         rewritten={table: count.rewritten for table, count in counts.items()})
        click.echo("Every encrypted note is now under the newest key.")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    def create_admin(email: str, name: str) -> None:
        """Create an administrator and print a one-time activation code for them."""
        from portal.accounts.models import Account, Role
        from portal.accounts.services import format_code, issue_activation_code, normalise_email
        from portal.audit.services import record_event

        with db.transaction() as session:
            if session.scalars(select(Account).where(Account.email == normalise_email(email))).first():
                raise click.ClickException("An account with that email address already exists.")
            admin = Account(role=Role.ADMINISTRATOR, display_name=name, email=normalise_email(email))
            session.add(admin)
            session.flush()
            record_event("account.created", system=True, account_id=admin.id, role="administrator")
            code = issue_activation_code(admin, by=None)
        # Printed once for the person running the command; never logged.
        click.echo(f"Activation code (valid 7 days, once): {format_code(code)}")
        click.echo("Open /activate to use it.")

