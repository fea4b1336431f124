"""Policy versions: loading a pack, the version in force, reading it in a language, the
handout PDF, and acknowledgements (POL-1 to POL-6, SEC-3)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown as markdown_lib
import nh3
from flask import g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import STAFF_SIDE, Account
from portal.audit.services import record_event
from portal.extensions import db
from portal.people.models import Person
from portal.policy.models import PolicyAcknowledgement, PolicyHandout, PolicyVersion
from portal.policy.pack import Problem, describe_changes, read_pack, split_sections

FALLBACK_LANGUAGE = "en"
EASY_READ = "en-easy"


# --- loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    version: PolicyVersion | None
    problems: list[Problem]
    changes: list[str]


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_pack(path: str | Path) -> LoadResult:
    """Check a pack and, if it is sound and differs from the version in force, store it as
    the next version. A pack with any problem changes nothing."""
    reading = read_pack(path)
    if reading.content is None:
        return LoadResult(None, reading.problems, [])
    content = reading.content
    current = current_version()
    digest = _digest(content)
    if current is not None and current.content_digest == digest:
        return LoadResult(None, [], [])
    changes = describe_changes(current.content if current else None, content)
    version = PolicyVersion(
        number=(current.number + 1) if current else 1,
        label=content["settings"]["version"]["label"],
        substantive=bool(content["settings"]["version"]["substantive"]) or current is None,
        content=content,
        content_digest=digest,
        changes=changes,
    )
    db.session.add(version)
    db.session.flush()
    g.pop("_policy_version", None)
    record_event("policy.version_loaded", system=True, version=version.number, label=version.label)
    return LoadResult(version, [], changes)


def current_version() -> PolicyVersion | None:
    """The version in force: the latest loaded. Looked up once per request."""
    if "_policy_version" not in g:
        g._policy_version = db.session.scalars(
            select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1)
        ).first()
    version: PolicyVersion | None = g._policy_version
    return version


def setting(dotted: str, default: Any = None) -> Any:
    """A setting of the version in force, e.g. ``setting("file_access.notice_hours")``."""
    version = current_version()
    if version is None:
        return default
    value: Any = version.settings
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


# --- reading ------------------------------------------------------------------------------

ALLOWED_TAGS = {"p", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote"}


def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised: the pack checker refuses raw HTML, and this removes
    anything that slipped past it (defence in depth)."""
    html = markdown_lib.markdown(text, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    html: str
    markdown: str


@dataclass(frozen=True)
class Circumstance:
    id: str
    title: str
    description: str
    immediate: bool


@dataclass(frozen=True)
class PolicyText:
    """One version of the policy in one language, ready to show or print."""

    version_number: int
    version_label: str
    effective: str
    organisation: str
    contact: str
    language: str
    reviewed_by: str
    summary: list[str]
    sections: list[Section]
    circumstances: list[Circumstance]
    agencies: list[tuple[str, str]]
    information_kinds: list[tuple[str, str]]


def offered_languages(version: PolicyVersion) -> list[str]:
    languages: list[str] = version.settings["policy"]["languages"]
    return languages


def text_language(version: PolicyVersion, wanted: str) -> str:
    """The language to show: the one wanted if the pack has it, else English."""
    return wanted if wanted in version.content["texts"] else FALLBACK_LANGUAGE


@lru_cache(maxsize=64)
def _sections(policy_markdown: str) -> tuple[Section, ...]:
    # Keyed by the text itself: the same text always renders the same, so a process may
    # keep the result without ever serving a stale one.
    return tuple(
        Section(ident, heading, render_markdown(body), body)
        for ident, heading, body in split_sections(policy_markdown)
    )


def policy_text(version: PolicyVersion, language: str) -> PolicyText:
    language = text_language(version, language)
    content = version.content
    text = content["texts"][language]
    labels = text["labels"]
    organisation = content["settings"]["organisation"]
    return PolicyText(
        version_number=version.number,
        version_label=version.label,
        effective=content["settings"]["version"]["effective"],
        organisation=organisation["name"],
        contact=organisation["contact"],
        language=language,
        reviewed_by=text["reviewed_by"],
        summary=list(text["summary"]),
        sections=list(_sections(text["policy"])),
        circumstances=[
            Circumstance(
                entry["id"],
                labels["exceptional_circumstances"][entry["id"]]["title"],
                labels["exceptional_circumstances"][entry["id"]]["description"],
                bool(entry.get("immediate")),
            )
            for entry in content["exceptional_circumstances"]
        ],
        agencies=[(e["id"], labels["agencies"][e["id"]]) for e in content["agencies"]],
        information_kinds=[
            (e["id"], labels["information_kinds"][e["id"]]) for e in content["information_kinds"]
        ],
    )


# --- the handout --------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _plain(text: str) -> str:
    """Inline Markdown to plain text for print: links keep their address."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2).removeprefix('mailto:')})", text)
    return re.sub(r"(\*\*|__|\*|_|`)", "", text).strip()


def _blocks_from_markdown(body: str) -> list[Any]:
    from portal.pdf import Heading, Paragraph

    blocks: list[Any] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph(_plain(" ".join(paragraph))))
            paragraph.clear()

    for line in body.splitlines():
        if not line.strip():
            flush()
        elif line.lstrip().startswith("#"):
            flush()
            blocks.append(Heading(_plain(line.lstrip("# "))))
        elif _LIST_ITEM.match(line):
            flush()
            blocks.append(Paragraph("• " + _plain(_LIST_ITEM.sub("", line))))
        else:
            paragraph.append(line.strip())
    flush()
    return blocks


def handout_pdf(version: PolicyVersion, language: str, *, labels: dict[str, str]) -> bytes:
    """The printable policy, drawn once per version and language and kept in the database.

    ``labels`` are the page's own words (title, summary heading…) in ``language``.
    """
    language = text_language(version, language)
    cached = db.session.scalars(
        select(PolicyHandout.pdf).where(
            PolicyHandout.version_id == version.id, PolicyHandout.language == language
        )
    ).first()
    if cached is not None:
        return cached
    from portal.pdf import Heading, Paragraph, Spacer, render_pdf

    text = policy_text(version, language)
    blocks: list[Any] = [Paragraph(labels["intro"]), Heading(labels["summary"])]
    blocks += [Paragraph("• " + point) for point in text.summary]
    for section in text.sections:
        if section.id == "summary":
            continue
        blocks += [Spacer(), Heading(section.heading), *_blocks_from_markdown(section.markdown)]
        if section.id == "exceptions":
            for circumstance in text.circumstances:
                blocks += [Paragraph("• " + circumstance.title + ": " + circumstance.description)]
    pdf = render_pdf(title=labels["title"], language=pdf_language(language), blocks=blocks,
                     footer=labels["footer"])
    try:
        with db.session.begin_nested():
            db.session.add(PolicyHandout(version_id=version.id, language=language, pdf=pdf))
    except IntegrityError:
        pass  # another worker drew it at the same moment; theirs is the same document
    return pdf


def pdf_language(language: str) -> str:
    return FALLBACK_LANGUAGE if language == EASY_READ else language


# --- acknowledgements ---------------------------------------------------------------------


def latest_substantive() -> PolicyVersion | None:
    return db.session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.substantive.is_(True))
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    ).first()


def person_acknowledgement(person: Person) -> PolicyAcknowledgement | None:
    return db.session.scalars(
        select(PolicyAcknowledgement)
        .join(PolicyVersion)
        .where(PolicyAcknowledgement.person_id == person.id)
        .order_by(PolicyVersion.number.desc(), PolicyAcknowledgement.id.desc())
        .limit(1)
    ).first()


def needs_acknowledgement(person: Person) -> bool:
    """True until the person has read or been told the latest version that changed in
    substance (POL-5: asked again at their next visit)."""
    required = latest_substantive()
    if required is None:
        return False
    latest = person_acknowledgement(person)
    return latest is None or latest.version.number < required.number


def acknowledge(person: Person, version: PolicyVersion, language: str, *, by: Account,
                method: str = "read-online", interpreter: str | None = None) -> PolicyAcknowledgement:
    row = PolicyAcknowledgement(
        version_id=version.id, person_id=person.id, acted_by_id=by.id, method=method,
        language=language, interpreter=interpreter or None,
    )
    db.session.add(row)
    db.session.flush()
    record_event("policy.acknowledged", actor=by, person=person, version=version.number,
                 language=language, method=method)
    return row


def staff_has_confirmed(account: Account, version: PolicyVersion) -> bool:
    return db.session.scalars(
        select(PolicyAcknowledgement.id).where(
            PolicyAcknowledgement.staff_id == account.id,
            PolicyAcknowledgement.version_id == version.id,
        )
    ).first() is not None


def staff_confirm(account: Account, version: PolicyVersion, language: str) -> None:
    """A staff member confirms they have read the version in force (SEC-3)."""
    if staff_has_confirmed(account, version):
        return
    db.session.add(PolicyAcknowledgement(
        version_id=version.id, staff_id=account.id, acted_by_id=account.id, method="staff-read",
        language=language,
    ))
    db.session.flush()
    record_event("policy.staff_confirmed", actor=account, version=version.number)


def staff_not_confirmed(version: PolicyVersion) -> list[Account]:
    confirmed = select(PolicyAcknowledgement.staff_id).where(
        PolicyAcknowledgement.version_id == version.id, PolicyAcknowledgement.staff_id.is_not(None)
    )
    return list(db.session.scalars(
        select(Account)
        .where(Account.role.in_(STAFF_SIDE), Account.disabled_at.is_(None), Account.id.not_in(confirmed))
        .order_by(func.lower(Account.display_name))
    ))
