"""Flask commands: demo data (never in production) and the first administrator."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import Account, Role
from portal.extensions import db
from tests.conftest import make_test_app, sign_in


def test_demo_load_creates_the_demo_accounts_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo", "load"]).output
    assert "already there" in runner.invoke(args=["demo", "load"]).output
    with app.app_context():
        roles = dict(db.session.execute(select(Account.email, Account.role)).tuples().all())
    assert roles == {
        "sam@example.org": Role.SERVICE_USER, "alex@example.org": Role.ADVOCATE,
        "jo@example.org": Role.STAFF, "vic@example.org": Role.VOLUNTEER,
        "morgan@example.org": Role.MANAGER, "admin@example.org": Role.ADMINISTRATOR,
    }
    for email in roles:
        assert sign_in(app.test_client(), email, "portal-demo-2026").status_code == 302, email


def test_demo_data_is_never_loaded_in_production(database_url: str) -> None:
    app = make_test_app(database_url, DEMO_DATA_ALLOWED=False)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "never loaded in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Account.id))) == 0
    db.dispose(app)


def test_create_admin_prints_a_code_that_activates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "Lead@Charity.org.uk", "--name", "Lee"])
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", result.output)
    assert code, result.output
    client = app.test_client()
    assert client.post("/activate", data={"code": code.group(1)}).status_code == 302
    password = "a long admin passphrase"
    assert client.post("/activate/password", data={"password": password, "confirm": password}).status_code == 302
    assert client.get("/staff/accounts").status_code == 200
