"""The demo organisation's policy (packs/harbour-lane) read by someone not signed in, in each
of the ten languages the footer switcher offers, on a 360 px screen: axe-core finds no WCAG
2.2 AA violation, nothing scrolls sideways, <html lang/dir> match the language, and every
"when we may share without asking" circumstance is on the page in that language (POL-3:
always listed in full, never folded away). Then the easy read version, once, in English.
"""

from __future__ import annotations

from typing import Any

import pytest

from .support import UI_LANGUAGES, Audit, LiveServer, choose_language, demo_labels


def _titles(language: str) -> list[str]:
    circumstances = demo_labels(language)["exceptional_circumstances"]
    return [str(circumstance["title"]) for circumstance in circumstances.values()]


def _missing_titles(page: Any, titles: list[str]) -> list[str]:
    """The titles not visible in <main> (hidden or absent)."""
    main = page.locator("main")
    missing = []
    for title in titles:
        found = main.get_by_text(title, exact=False)
        if not any(found.nth(i).is_visible() for i in range(found.count())):
            missing.append(title)
    return missing


def _circumstances_shown(audit: Audit, label: str, language: str) -> None:
    missing = _missing_titles(audit.page, _titles(language))
    if missing:
        audit.problems.append(
            f"{label}  [{audit.who}, {audit.language}]\n  - exceptional circumstances not shown "
            f"({len(missing)} of {len(_titles(language))}), from "
            f"packs/harbour-lane/text/{language}/labels.toml: "
            + "; ".join(repr(title) for title in missing)
        )


@pytest.mark.browser
def test_policy_page_in_every_language_is_accessible(demo_server: LiveServer, page: Any) -> None:
    audit = Audit(page, demo_server.base_url, "anonymous", "en")
    for language in UI_LANGUAGES:
        page.goto(demo_server.base_url + "/")
        choose_language(page, language)  # the footer switcher, as a person would
        audit.language = language
        audit.visit("/policy")
        _circumstances_shown(audit, "/policy", language)

    # The easy read version is in English only (en-easy), whatever the page language.
    page.goto(demo_server.base_url + "/")
    choose_language(page, "en")
    audit.language = "en"
    audit.visit("/policy/easy-read")
    _circumstances_shown(audit, "/policy/easy-read", "en-easy")

    assert audit.pages_checked == len(UI_LANGUAGES) + 1
    audit.assert_clean()
