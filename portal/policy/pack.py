"""Reading and checking a policy pack folder (docs/policy-pack.md, POL-6).

``read_pack`` returns either the pack's whole content, ready to store as a version, or every
problem found, each with the file, the field and the reason. Nothing is half-read: a pack
with any problem yields no content.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ID = re.compile(r"^[a-z][a-z0-9-]*$")
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
SECTION_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*(?:\{#([^}]*)\})?\s*$")
HTML_TAG = re.compile(r"<\s*(/?\s*[a-zA-Z!][^>]*)>")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ROLES = ("staff", "volunteer", "manager", "administrator")
LIST_KEYS = ("agencies", "information_kinds", "exceptional_circumstances")
KNOWN_LANGUAGES = ("en", "en-easy", "cy", "pl", "ro", "uk", "so", "ar", "ur", "bn", "pa")
# bookings.horizon_days: how many days ahead people may ask for a file visit (optional).
HORIZON_DAYS_DEFAULT = 28
HORIZON_DAYS_RANGE = (1, 365)


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


@dataclass
class PackReading:
    content: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, file: str, field_name: str, reason: str) -> None:
        self.problems.append(Problem(file, field_name, reason))

    def toml(self, relative: str) -> dict[str, Any] | None:
        path = self.root / relative
        if not path.is_file():
            self.problem(relative, "-", "file is missing")
            return None
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            self.problem(relative, "-", f"not valid TOML: {error}")
            return None

    def need(self, table: dict[str, Any], file: str, dotted: str, kind: type | tuple[type, ...],
             *, optional: bool = False) -> Any:
        """The value at a dotted key, checked for type; a problem if missing or wrong."""
        value: Any = table
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                if not optional:
                    self.problem(file, dotted, "required field is missing")
                return None
            value = value[part]
        # bool is an int in Python; a true/false where a number belongs is still wrong.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            names = " or ".join(k.__name__ for k in _as_tuple(kind))
            self.problem(file, dotted, f"must be {names}, not {type(value).__name__}")
            return None
        return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _check_settings(check: _Checker, pack: dict[str, Any]) -> dict[str, Any]:
    file = "pack.toml"
    settings: dict[str, Any] = {}
    settings["organisation"] = {
        "name": check.need(pack, file, "organisation.name", str),
        "time_zone": check.need(pack, file, "organisation.time_zone", str),
        "contact": check.need(pack, file, "organisation.contact", str),
        # Optional: used in consent receipts (Kantara piiControllers).
        "email": check.need(pack, file, "organisation.email", str, optional=True) or "",
        "address": check.need(pack, file, "organisation.address", str, optional=True) or "",
        "website": check.need(pack, file, "organisation.website", str, optional=True) or "",
    }
    zone = settings["organisation"]["time_zone"]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            check.problem(file, "organisation.time_zone", f"unknown time zone {zone!r}")
    effective = check.need(pack, file, "version.effective", date)
    settings["version"] = {
        "label": check.need(pack, file, "version.label", str),
        "effective": effective.isoformat() if effective else None,
        "substantive": check.need(pack, file, "version.substantive", bool),
        "summary": check.need(pack, file, "version.summary", str),
    }
    hours: dict[str, list[str]] = {}
    for day in DAYS:
        ranges = check.need(pack, file, f"opening_hours.{day}", list) or []
        for text in ranges:
            match = HOURS.match(text) if isinstance(text, str) else None
            if not match or (match.group(1), match.group(2)) >= (match.group(3), match.group(4)):
                check.problem(file, f"opening_hours.{day}", f"{text!r} is not a range like \"09:30-17:00\"")
        hours[day] = ranges
    closures = check.need(pack, file, "opening_hours.closures", list, optional=True) or []
    if any(not isinstance(day, date) for day in closures):
        check.problem(file, "opening_hours.closures", "must be a list of dates like 2026-12-25")
        closures = []
    settings["opening_hours"] = {**hours, "closures": [day.isoformat() for day in closures]}

    settings["file_access"] = {
        "notice_hours": _positive(check, pack, "file_access.notice_hours"),
        "supervisor_roles": _roles(check, pack, "file_access.supervisor_roles"),
        "volunteer_months_before_files": _positive(
            check, pack, "file_access.volunteer_months_before_files", zero=True
        ),
        "slot_minutes": _positive(check, pack, "file_access.slot_minutes"),
        "buffer_minutes": _positive(check, pack, "file_access.buffer_minutes", zero=True),
    }
    settings["bookings"] = {"horizon_days": _horizon_days(check, pack)}
    settings["disclosure"] = {
        "approvals_needed": _positive(check, pack, "disclosure.approvals_needed"),
        "approver_roles": _roles(check, pack, "disclosure.approver_roles"),
        "channels": _ids(check, pack, "disclosure.channels"),
    }
    settings["consent"] = {
        "review_months": _positive(check, pack, "consent.review_months"),
        "verbal_allowed": check.need(pack, file, "consent.verbal_allowed", bool),
    }
    settings["retention"] = {
        key: _positive(check, pack, f"retention.{key}")
        for key in ("case_records_months", "audit_months", "closed_without_contact_months")
    }
    sections = _ids(check, pack, "policy.sections")
    languages = check.need(pack, file, "policy.languages", list) or []
    for code in languages:
        if code not in KNOWN_LANGUAGES:
            check.problem(file, "policy.languages", f"{code!r} is not a language the portal offers")
    if "en" not in languages:
        check.problem(file, "policy.languages", "must include en (the fall-back language)")
    if sections and "exceptions" not in sections:
        check.problem(file, "policy.sections", "must include the \"exceptions\" section (POL-3)")
    settings["policy"] = {"sections": sections, "languages": languages}
    return settings


def _positive(check: _Checker, pack: dict[str, Any], dotted: str, *, zero: bool = False) -> int | None:
    value = check.need(pack, "pack.toml", dotted, int)
    if value is not None and (value < 0 or (value == 0 and not zero)):
        check.problem("pack.toml", dotted, "must be a whole number above zero" if not zero
                      else "must be zero or more")
        return None
    return value  # type: ignore[no-any-return]


def _horizon_days(check: _Checker, pack: dict[str, Any]) -> int | None:
    """Optional; a pack without it gets the default (a month of diary, as before)."""
    dotted = "bookings.horizon_days"
    value = check.need(pack, "pack.toml", dotted, int, optional=True)
    if value is None:  # missing, or of the wrong type (a problem named by ``need``)
        return HORIZON_DAYS_DEFAULT
    low, high = HORIZON_DAYS_RANGE
    if not low <= value <= high:
        check.problem("pack.toml", dotted, f"must be a whole number from {low} to {high}")
        return None
    return value  # type: ignore[no-any-return]


def _roles(check: _Checker, pack: dict[str, Any], dotted: str) -> list[str]:
    roles = check.need(pack, "pack.toml", dotted, list) or []
    for role in roles:
        if role not in ROLES:
            check.problem("pack.toml", dotted, f"{role!r} is not a staff role ({', '.join(ROLES)})")
    if not roles:
        check.problem("pack.toml", dotted, "must name at least one role")
    return roles  # type: ignore[no-any-return]


def _ids(check: _Checker, pack: dict[str, Any], dotted: str) -> list[str]:
    values = check.need(pack, "pack.toml", dotted, list) or []
    for value in values:
        if not isinstance(value, str) or not ID.match(value):
            check.problem("pack.toml", dotted, f"{value!r} is not an id (lower case, digits, hyphens)")
    if len(set(values)) != len(values):
        check.problem("pack.toml", dotted, "has the same id twice")
    return values  # type: ignore[no-any-return]


def _check_lists(check: _Checker, pack: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for key in LIST_KEYS:
        entries = check.need(pack, "pack.toml", key, list) or []
        seen: set[str] = set()
        cleaned = []
        for index, entry in enumerate(entries):
            where = f"{key}[{index}].id"
            identifier = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(identifier, str) or not ID.match(identifier):
                check.problem("pack.toml", where, f"{identifier!r} is not an id (lower case, digits, hyphen)")
                continue
            if identifier in seen:
                check.problem("pack.toml", where, f"id {identifier!r} is used twice")
            seen.add(identifier)
            flags = {name: bool(entry.get(name, False)) for name in ("express_permission", "immediate")
                     if name in entry}
            cleaned.append({"id": identifier, **flags})
        if not cleaned:
            check.problem("pack.toml", key, "must list at least one")
        lists[key] = cleaned
    return lists


def split_sections(markdown: str) -> list[tuple[str, str, str]]:
    """(id, heading, body) for each ``## Heading {#id}`` section, in order."""
    sections: list[tuple[str, str, list[str]]] = []
    for line in markdown.splitlines():
        match = SECTION_HEADING.match(line)
        if match:
            sections.append((match.group(2) or "", match.group(1), []))
        elif sections:
            sections[-1][2].append(line)
    return [(ident, heading, "\n".join(body).strip()) for ident, heading, body in sections]


def _check_language(check: _Checker, code: str, settings: dict[str, Any],
                    lists: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    folder = f"text/{code}"
    labels = check.toml(f"{folder}/labels.toml")
    policy_path = check.root / folder / "policy.md"
    if not policy_path.is_file():
        check.problem(f"{folder}/policy.md", "-", "file is missing")
        return None
    markdown = policy_path.read_text(encoding="utf-8")
    if labels is None:
        return None
    file = f"{folder}/labels.toml"
    for key in LIST_KEYS:
        table = labels.get(key, {})
        wanted = {entry["id"] for entry in lists[key]}
        for identifier in sorted(wanted - set(table)):
            check.problem(file, f"{key}.{identifier}", "label is missing")
        for identifier in sorted(set(table) - wanted):
            check.problem(file, f"{key}.{identifier}", f"unknown id: pack.toml has no {key} {identifier!r}")
        for identifier, label in table.items():
            if key == "exceptional_circumstances":
                if not (isinstance(label, dict) and isinstance(label.get("title"), str)
                        and isinstance(label.get("description"), str)):
                    check.problem(file, f"{key}.{identifier}", "needs a title and a description")
            elif not isinstance(label, str) or not label.strip():
                check.problem(file, f"{key}.{identifier}", "must be some text")
    points = labels.get("summary", {}).get("points")
    if not isinstance(points, list) or not points or not all(isinstance(p, str) for p in points):
        check.problem(file, "summary.points", "needs a list of short sentences")
    reviewed_by = labels.get("reviewed_by", None)
    if not isinstance(reviewed_by, str):
        check.problem(file, "reviewed_by", "required field is missing (\"\" if nobody has reviewed it yet)")

    md_file = f"{folder}/policy.md"
    for match in HTML_TAG.finditer(markdown):
        tag = match.group(1).split()[0].strip("/").lower()
        reason = "a <script> tag is never allowed" if tag.startswith("script") else \
            f"raw HTML is not allowed (found <{match.group(1)[:30]}>)"
        check.problem(md_file, "-", reason)
    if re.search(r"\]\(\s*javascript:", markdown, re.IGNORECASE):
        check.problem(md_file, "-", "a javascript: link is never allowed")
    found = split_sections(markdown)
    found_ids = [ident for ident, _heading, _body in found]
    for ident, heading, _body in found:
        if not ident:
            check.problem(md_file, f"## {heading}", "section heading has no {#id}")
    sections = settings["policy"]["sections"] or []
    for ident in sections:
        if ident not in found_ids:
            check.problem(md_file, f"section {ident}", "section is missing")
    for ident in found_ids:
        if ident and ident not in sections:
            check.problem(md_file, f"section {ident}", "not a section listed in pack.toml [policy].sections")
        elif ident and found_ids.count(ident) > 1:
            check.problem(md_file, f"section {ident}", "appears more than once")
    if [i for i in found_ids if i in sections] != [i for i in sections if i in found_ids]:
        check.problem(md_file, "-", "sections are not in the order of pack.toml [policy].sections")
    return {
        "reviewed_by": reviewed_by or "",
        "reviewed_on": str(labels.get("reviewed_on", "") or ""),
        "labels": {key: labels.get(key, {}) for key in LIST_KEYS},
        "summary": points or [],
        "policy": markdown,
    }


def read_pack(path: str | Path) -> PackReading:
    root = Path(path)
    check = _Checker(root)
    if not root.is_dir():
        check.problem(str(root), "-", "not a folder")
        return PackReading(None, check.problems)
    pack = check.toml("pack.toml")
    if pack is None:
        return PackReading(None, check.problems)
    settings = _check_settings(check, pack)
    lists = _check_lists(check, pack)
    texts: dict[str, Any] = {}
    for code in settings["policy"]["languages"]:
        if code in KNOWN_LANGUAGES:
            text = _check_language(check, code, settings, lists)
            if text is not None:
                texts[code] = text
    if check.problems:
        return PackReading(None, check.problems)
    return PackReading({"settings": settings, **lists, "texts": texts})


def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What a new version changes, in lines a person can read."""
    if old is None:
        return ["first version"]
    lines: list[str] = []

    def walk(before: Any, after: Any, where: str) -> None:
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted(set(before) | set(after)):
                walk(before.get(key), after.get(key), f"{where}.{key}" if where else key)
        elif before != after and where != "version.label" and not where.startswith("version."):
            lines.append(f"{where}: {before!r} -> {after!r}")

    walk(old["settings"], new["settings"], "")
    for key in LIST_KEYS:
        before = {entry["id"] for entry in old[key]}
        after = {entry["id"] for entry in new[key]}
        lines += [f"{key}: added {ident}" for ident in sorted(after - before)]
        lines += [f"{key}: removed {ident}" for ident in sorted(before - after)]
    for code in sorted(set(old["texts"]) | set(new["texts"])):
        if code not in old["texts"]:
            lines.append(f"text {code}: added")
        elif code not in new["texts"]:
            lines.append(f"text {code}: removed")
        elif old["texts"][code] != new["texts"][code]:
            lines.append(f"text {code}: changed")
    return lines
