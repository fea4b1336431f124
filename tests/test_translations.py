"""Every catalog is complete: no missing, fuzzy or placeholder-broken message, and the
catalogs hold exactly the strings the code and templates use (issue 2, POL-2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
TRANSLATED = [language.code for language in LANGUAGES if language.code != "en"]


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=code.replace("-", "_"))


def _template_ids() -> set[str]:
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_template_matches_the_code(tmp_path: Path) -> None:
    """Like SecureDrop's CI check: re-extract and compare; run `make translations` if this fails."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "translations/babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "--omit-header", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(fresh, "rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    assert extracted == _template_ids(), (
        f"new: {sorted(map(str, extracted - _template_ids()))[:5]} "
        f"gone: {sorted(map(str, _template_ids() - extracted))[:5]}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete_and_placeholders_match(code: str) -> None:
    catalog = _catalog(code)
    assert not catalog.fuzzy, f"{code}: the header is marked fuzzy"
    ids = {message.id for message in catalog if message.id}
    assert ids == _template_ids(), f"{code}: out of date with messages.pot (run make translations)"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        # A plural message has several source and translated forms: each translated form
        # must be there, and together they must use the source's placeholders.
        source = message.id if isinstance(message.id, str) else message.id[-1]
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(source))
        if not forms or not all(form.strip() for form in forms):
            problems.append(f"missing: {source!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {source!r}")
        elif any(set(PLACEHOLDER.findall(form)) - wanted for form in forms) or (
            wanted != set().union(*(PLACEHOLDER.findall(form) for form in forms))
        ):
            problems.append(f"placeholders differ: {source!r} -> {forms!r}")
        elif any(form.replace("%%", "").count("%") != len(PLACEHOLDER.findall(form)) for form in forms):
            problems.append(f"stray %: {source!r} -> {forms!r}")
    assert not problems, f"{code}: {len(problems)} problems, e.g. {problems[:3]}"


def test_startup_refuses_a_language_without_a_compiled_catalog(tmp_path: Path, database_url: str) -> None:
    from tests.conftest import make_test_app

    with pytest.raises(RuntimeError, match="Compiled translations are missing"):
        make_test_app(database_url, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
