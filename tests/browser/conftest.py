"""Fixtures for the browser tests: one Debian chromium per session, a fresh 360 px wide
browser context per test, and the app (with CSRF on and the demo data) served by a real
HTTP server on a free local port for each test: `live_server` with the suite's small policy
pack (tests/fixtures/packs/riverside), `demo_server` with the demo organisation's own pack
(packs/harbour-lane: twelve agencies, ten kinds of information, ten languages).

Where /usr/bin/chromium is missing every test here is skipped with a reason that says so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.extensions import db
from tests.conftest import DEMO_PACK, TEST_PACK, make_test_app

from .support import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium)"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """No chromium: skip this folder's tests, visibly (-ra prints the reason)."""
    if CHROMIUM.exists():
        return
    if os.environ.get("PORTAL_REQUIRE_BROWSER"):
        # CI sets this: there a skipped browser test would hide a broken set-up.
        raise pytest.UsageError(NO_CHROMIUM + " and PORTAL_REQUIRE_BROWSER is set")
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Never `playwright install`: Debian's chromium, the one the server would have too.
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """Make a page in a new, empty browser context (no cookies), the size of a small phone.

    bypass_csp=True: the app's Content-Security-Policy (script-src 'self') blocks the inline
    <script> that page.add_script_tag(content=...) uses to inject axe-core. Bypassing it in
    the test browser changes nothing else the pages do (portal.js is served from 'self').
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        """options: more browser.new_context() settings, e.g. java_script_enabled=False."""
        settings: dict[str, Any] = {
            "viewport": PHONE,
            "screen": PHONE,
            # Desktop emulation at phone width: mobile emulation may zoom out to fit wide
            # content, which would hide the sideways scrolling the tests look for.
            "is_mobile": False,
            "locale": "en-GB",
            "bypass_csp": True,
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    return new_page()


# --- the app, served -------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


_DEMO_HASHES: dict[str, str] = {}


def _hash_once(password: str) -> str:
    """argon2id at full strength takes ~0.4 s; the demo's six accounts share one password,
    so hash it once per run (a real hash: signing in still checks it in full)."""
    from portal.accounts.passwords import hasher

    if password not in _DEMO_HASHES:
        _DEMO_HASHES[password] = hasher.hash(password)
    return _DEMO_HASHES[password]


@pytest.fixture
def live_server(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """The app with real forms (CSRF on) and the demo data, on a free local port.

    The server is made first so that its port is known: "Leave this site" (EXIT_URL) then
    points at /healthz on this same server, so no test ever leaves the machine.
    """
    # A policy pack first (/policy and the home pages need one), as `make run` does. The
    # suite's own fixture pack, known to be sound, rather than the demo's (packs/), which
    # is still being written and translated.
    yield from _serve(database_url, monkeypatch, TEST_PACK)


@pytest.fixture
def demo_server(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """As live_server, but with the demo organisation's policy pack (packs/harbour-lane), as
    `make run` loads it: its agencies (gp, police…), kinds of information (health,
    contact-details…) and its policy text in all ten languages plus easy read."""
    yield from _serve(database_url, monkeypatch, DEMO_PACK)


def _serve(database_url: str, monkeypatch: pytest.MonkeyPatch, pack: Path) -> Iterator[LiveServer]:
    from portal.cli import load_demo_data
    from portal.policy.services import load_pack

    def not_ready(_environ: Any, _start_response: Any) -> Any:
        raise RuntimeError("the test server's app is not set yet")

    server = make_server("127.0.0.1", 0, not_ready, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    exit_url = f"{base_url}/healthz"
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True, EXIT_URL=exit_url)
    with app.app_context(), monkeypatch.context() as patch:
        loaded = load_pack(pack)
        assert not loaded.problems, f"the policy pack {pack} has problems: {loaded.problems}"
        db.session.commit()
        patch.setattr("portal.accounts.passwords.hash_password", _hash_once)
        load_demo_data()
        db.session.commit()
    server.app = app
    thread = threading.Thread(target=server.serve_forever, name="portal-test-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(base_url=base_url, exit_url=exit_url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        db.dispose(app)
