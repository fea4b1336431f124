"""Headers set by the app itself, CSRF on every form, no cache of signed-in pages."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import World, make_test_app, sign_in_as


def test_security_headers_on_every_page(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/sign-in", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'",
                          "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_signed_in_pages_are_not_stored(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    assert client.get("/home").headers["Cache-Control"] == "no-store"


def test_production_adds_hsts_and_host_cookie(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_ALLOW_SQLITE", "1")
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEYS", Fernet.generate_key().decode())  # required in production
    app = make_test_app(database_url)
    response = app.test_client().get("/sign-in", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    db.dispose(app)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from portal.config import ConfigError, load_config

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_ALLOW_SQLITE", "1")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_config()


def test_no_inline_script_or_style_in_pages(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/sign-in").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_every_post_without_a_csrf_token_is_refused(database_url: str, world_factory=None) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    from tests.conftest import _make_world

    with app.app_context():
        world = _make_world()
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or set())]
    assert len(posts) >= 10
    for account in (None, world.ash, world.alex, world.sam):
        client = app.test_client()
        if account is not None:
            sign_in_as(client, account)
        for rule in posts:
            url = rule.rule.replace("<int:account_id>", str(world.sam.id)).replace("<reference>", "PSAM2345")
            url = re.sub(r"<int:\w+>", "1", url)
            response = client.post(url, data={"language": "cy", "person": "PSAM2345",
                                              "sign_in_name": "sam@example.org", "password": "x"})
            assert response.status_code == 400, (rule.rule, account)
            assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    db.dispose(app)
