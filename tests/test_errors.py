"""Error pages are translated and never show a trace; the health check checks the database."""

from __future__ import annotations

from pathlib import Path

from portal.extensions import db
from portal.security import public
from tests.conftest import make_test_app


def test_404_is_a_translated_page(client) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/no-such-page")
    assert english.status_code == 404
    assert "Page not found" in english.get_data(as_text=True)
    welsh = client.get("/no-such-page", headers={"Accept-Language": "cy"})
    assert 'lang="cy"' in welsh.get_data(as_text=True)


def test_an_unexpected_error_shows_no_trace(database_url: str) -> None:
    app = make_test_app(database_url, TESTING=False)

    @public
    def broken() -> str:
        raise RuntimeError("secret internals /work/main/portal")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page and "secret internals" not in page and "/work/" not in page
    db.dispose(app)


def test_method_not_allowed_and_bad_request_pages(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/sign-out").status_code == 405
    response = client.post("/staff/accounts/abc/disable")
    assert response.status_code == 404


def test_healthz_reports_the_database(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path}/missing-folder/portal.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    page = app.test_client().get("/sign-in")
    assert page.status_code == 200  # pages without the database still render
    db.dispose(app)


def test_a_database_outage_shows_a_translated_503_page(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path}/missing-folder/portal.db")
    response = app.test_client().post(
        "/sign-in", data={"sign_in_name": "sam@example.org", "password": "whatever123"},
        headers={"Accept-Language": "ar"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert 'dir="rtl"' in page and "Traceback" not in page and "sqlite" not in page.lower()
    db.dispose(app)
