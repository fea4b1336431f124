"""Helpers for the browser tests: signing in through the real form, the footer language
switcher, and per-page checks (axe-core, sideways scrolling, <html lang/dir>, script errors).

Each check adds to a list of problems instead of failing at once, so one failing test reports
every page that has something wrong, not only the first.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import axe_playwright_python
from babel.support import NullTranslations, Translations
from playwright.sync_api import Locator, Page

from portal.cli import DEMO_PASSWORD
from tests.conftest import DEMO_PACK, ROOT

# axe-core as bundled by axe-playwright-python (4.12.1 with 0.1.8).
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")

AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    # WCAG 2.2 2.5.8 "Target Size (Minimum)": asked for by name so it runs whatever the tags say.
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}

_RUN_AXE = """
async (options) => {
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })),
  }));
}
"""

# What <html> must say for each language the tests use: (lang, dir). Written out here, not
# read from portal.i18n, so that a wrong tag or direction in the app is caught.
HTML_LANG = {
    "en": ("en-GB", "ltr"),
    "cy": ("cy", "ltr"),
    "pl": ("pl", "ltr"),
    "ro": ("ro", "ltr"),
    "uk": ("uk", "ltr"),
    "so": ("so", "ltr"),
    "ar": ("ar", "rtl"),
    "ur": ("ur", "rtl"),
    "bn": ("bn", "ltr"),
    "pa": ("pa-Guru", "ltr"),  # Punjabi in Gurmukhi script
}
UI_LANGUAGES = tuple(HTML_LANG)  # the ten the footer switcher offers

ACCOUNTS = {
    "sam": "sam@example.org",
    "alex": "alex@example.org",
    "jo": "jo@example.org",
    "vic": "vic@example.org",
    "morgan": "morgan@example.org",
    "admin": "admin@example.org",
}


@dataclass(frozen=True)
class LiveServer:
    """The app served for one test: its address, and where "Leave this site" goes."""

    base_url: str
    exit_url: str


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def submit(page: Page, button_selector: str) -> int | None:
    """Click a submit button and wait for the page it leads to; return its HTTP status."""
    with page.expect_navigation() as navigation:
        page.locator(button_selector).click()
    response = navigation.value
    return response.status if response is not None else None


def follow(page: Page, link: str | Locator) -> int | None:
    """Click a link (a selector, or a locator for exactly one link) and wait for the page it
    leads to; return its HTTP status."""
    target = page.locator(link) if isinstance(link, str) else link
    with page.expect_navigation() as navigation:
        target.click()
    response = navigation.value
    return response.status if response is not None else None


def submit_main_form(page: Page) -> int | None:
    """Submit the page's one POST form in <main> (sign-in, activation, password, new person…)."""
    return submit(page, "main form[method=post] button[type=submit]")


def sign_in(page: Page, base_url: str, account: str) -> None:
    page.goto(base_url + "/sign-in")
    page.locator("#sign_in_name").fill(ACCOUNTS[account])
    page.locator("#password").fill(DEMO_PASSWORD)
    status = submit_main_form(page)
    assert status == 200 and urlsplit(page.url).path != "/sign-in", (
        f"signing in as {account} did not work: still on {page.url} (HTTP {status})"
    )


def choose_language(page: Page, code: str) -> None:
    """Press the language's button in the footer switcher (a POST that comes back here)."""
    before = path_of(page)
    status = submit(page, f"footer button[name=language][value={code}]")
    assert status == 200, f"choosing language {code} on {before} answered HTTP {status}"
    after = path_of(page)
    assert after == before, f"choosing language {code} moved from {before} to {after}"


def sign_out(page: Page) -> None:
    submit(page, "nav form[action$='/sign-out'] button[type=submit]")
    assert urlsplit(page.url).path == "/sign-in"


@cache
def _catalog(language: str) -> NullTranslations:
    return Translations.load(str(ROOT / "translations"), [language])


def ui_text(language: str, message: str) -> str:
    """The app's own words for `message` in `language`, from its compiled catalog (English
    where a string is not translated yet, as the app itself shows it)."""
    if language == "en":
        return message
    return _catalog(language).gettext(message)


@cache
def demo_labels(language: str) -> dict[str, Any]:
    """packs/harbour-lane/text/<language>/labels.toml: agency, kind and circumstance names."""
    return tomllib.loads((DEMO_PACK / "text" / language / "labels.toml").read_text("utf-8"))


@dataclass
class Audit:
    """Runs the page checks and keeps what went wrong, page by page."""

    page: Page
    base_url: str
    who: str
    language: str
    problems: list[str] = field(default_factory=list, repr=False)
    pages_checked: int = 0
    _script_errors: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.page.on("pageerror", lambda error: self._script_errors.append(str(error)))

    def visit(self, path: str, status: int = 200) -> None:
        """Open a page by its address (following redirects), then check where it ends up."""
        response = self.page.goto(self.base_url + path)
        got = response.status if response is not None else None
        label = path if path_of(self.page) == path else f"{path} -> {path_of(self.page)}"
        self.check(label, status=got, expect_status=status)

    def check(
        self, label: str | None = None, *, status: int | None = None, expect_status: int = 200
    ) -> None:
        """Check the page the browser is on now."""
        label = label or path_of(self.page)
        found: list[str] = []
        if status is not None and status != expect_status:
            found.append(f"HTTP status {status}, expected {expect_status}")
        found += self._html_lang_and_dir()
        found += self._sideways_scrolling()
        found += self._axe()
        if self._script_errors:
            found += [f"JavaScript error: {error}" for error in self._script_errors]
            self._script_errors.clear()
        self.pages_checked += 1
        if found:
            self._add(label, found)

    def assert_clean(self) -> None:
        assert self.pages_checked, "no page was checked"
        assert not self.problems, (
            f"{len(self.problems)} of {self.pages_checked} pages failed "
            f"(as {self.who}, language {self.language}):\n\n" + "\n\n".join(self.problems)
        )

    # --- the checks ---------------------------------------------------------------------

    def _html_lang_and_dir(self) -> list[str]:
        lang, direction = self.page.evaluate(
            "() => [document.documentElement.getAttribute('lang'),"
            " document.documentElement.getAttribute('dir')]"
        )
        want_lang, want_dir = HTML_LANG[self.language]
        found = []
        if lang != want_lang:
            found.append(f'<html lang="{lang}">, expected lang="{want_lang}"')
        if direction != want_dir:
            found.append(f'<html dir="{direction}">, expected dir="{want_dir}"')
        return found

    def _sideways_scrolling(self) -> list[str]:
        scroll_width, inner_width = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            return [
                f"scrolls sideways: document.documentElement.scrollWidth {scroll_width}px > "
                f"window.innerWidth {inner_width}px"
            ]
        return []

    def _axe(self) -> list[str]:
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            # An inline <script>: the app's CSP (script-src 'self') would block it, which is
            # why the test contexts are made with bypass_csp=True (see conftest.new_page).
            self.page.add_script_tag(content=AXE_SOURCE)
        violations = self.page.evaluate(_RUN_AXE, AXE_OPTIONS)
        found = []
        for violation in violations:
            lines = [f"axe {violation['id']} ({violation['impact']}): {violation['help']}"]
            for node in violation["nodes"]:
                parts = node["target"]
                target = " ".join(t if isinstance(t, str) else json.dumps(t) for t in parts)
                html = node["html"] if len(node["html"]) <= 160 else node["html"][:157] + "..."
                lines.append(f"      at {target}    {html}")
            found.append("\n".join(lines))
        return found

    # --- bookkeeping ---------------------------------------------------------------------

    def _add(self, label: str, found: list[str]) -> None:
        self.problems.append(f"{label}  [{self.who}, {self.language}]\n  - " + "\n  - ".join(found))
