"""Policy packs: checking, loading as versions, and a second organisation's pack driving the
portal with no code change (issue 3, POL-5, POL-6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.policy import services
from portal.policy.models import PolicyVersion
from portal.policy.pack import read_pack
from tests.conftest import DEMO_PACK, TEST_PACK


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the test pack to break."""
    target = tmp_path / "pack"
    shutil.copytree(TEST_PACK, target)
    return target


def problems(path: Path) -> list[str]:
    return [str(problem) for problem in read_pack(path).problems]


def test_the_demo_pack_is_sound() -> None:
    assert problems(DEMO_PACK) == []


def test_the_test_pack_is_sound() -> None:
    assert problems(TEST_PACK) == []


def test_a_missing_field_is_named(pack: Path) -> None:
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace("notice_hours = 48\n", ""))
    assert problems(pack) == ["pack.toml: file_access.notice_hours: required field is missing"]


@pytest.mark.parametrize(("value", "reason"), [
    ("0", "must be a whole number from 1 to 365"),
    ("366", "must be a whole number from 1 to 365"),
    ("-3", "must be a whole number from 1 to 365"),
    ('"14"', "must be int, not str"),
    ("14.5", "must be int, not float"),
    ("true", "must be int, not bool"),
])
def test_a_bad_booking_horizon_is_named(pack: Path, value: str, reason: str) -> None:
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace("horizon_days = 14", f"horizon_days = {value}"))
    assert problems(pack) == [f"pack.toml: bookings.horizon_days: {reason}"]


def test_the_booking_horizon_is_read_and_defaults_to_28_days(pack: Path) -> None:
    reading = read_pack(pack)
    assert reading.content is not None
    assert reading.content["settings"]["bookings"] == {"horizon_days": 14}
    toml = pack / "pack.toml"
    for edge in ("1", "365"):
        toml.write_text(toml.read_text().replace("horizon_days = 14", f"horizon_days = {edge}"))
        edge_reading = read_pack(pack)
        assert edge_reading.content is not None
        assert edge_reading.content["settings"]["bookings"]["horizon_days"] == int(edge)
        toml.write_text(toml.read_text().replace(f"horizon_days = {edge}", "horizon_days = 14"))
    # Optional: a pack without the setting (or without the [bookings] table) gets 28.
    toml.write_text(toml.read_text().replace("[bookings]\nhorizon_days = 14\n", ""))
    assert "horizon_days" not in toml.read_text()
    default = read_pack(pack)
    assert default.content is not None and default.content["settings"]["bookings"] == {"horizon_days": 28}
    demo = read_pack(DEMO_PACK)
    assert demo.content is not None and demo.content["settings"]["bookings"] == {"horizon_days": 28}


def test_an_unknown_agency_id_is_named(pack: Path) -> None:
    labels = pack / "text/en/labels.toml"
    labels.write_text(labels.read_text().replace('family-court = "The family court"',
                                                 'family-court = "The family court"\nbailiffs = "Bailiffs"'))
    assert problems(pack) == [
        "text/en/labels.toml: agencies.bailiffs: unknown id: pack.toml has no agencies 'bailiffs'"
    ]


def test_a_script_tag_in_markdown_is_refused(pack: Path) -> None:
    policy = pack / "text/en/policy.md"
    policy.write_text(policy.read_text() + "\n<script>alert('x')</script>\n")
    found = problems(pack)
    assert "text/en/policy.md: -: a <script> tag is never allowed" in found


def test_a_language_missing_a_section_is_named(pack: Path) -> None:
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace('languages = ["en"]', 'languages = ["en", "cy"]'))
    shutil.copytree(pack / "text/en", pack / "text/cy")
    policy = pack / "text/cy/policy.md"
    text = policy.read_text()
    policy.write_text(text[: text.index("## Seeing your notes")])
    assert problems(pack) == ["text/cy/policy.md: section seeing-your-file: section is missing"]


def test_check_command_exits_1_with_every_problem(app: Flask, pack: Path) -> None:
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace("notice_hours = 48\n", "").replace(
        'time_zone = "Europe/London"', 'time_zone = "Mars/Olympus"'))
    result = app.test_cli_runner().invoke(args=["policy", "check", str(pack)])
    assert result.exit_code == 1
    assert "pack.toml: file_access.notice_hours: required field is missing" in result.output
    assert "pack.toml: organisation.time_zone: unknown time zone 'Mars/Olympus'" in result.output
    assert "2 problem(s) found." in result.output


def test_a_broken_pack_never_half_loads(app: Flask, pack: Path) -> None:
    (pack / "text/en/labels.toml").write_text("reviewed_by = \"\"\n")
    result = app.test_cli_runner().invoke(args=["policy", "load", str(pack)])
    assert result.exit_code == 1 and "Nothing was loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(PolicyVersion.id))) == 0


def test_loading_makes_versions_and_says_what_changed(app: Flask, pack: Path) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["policy", "load", str(pack)])
    assert "Loaded version 1 (R-7)" in first.output
    assert "same as the version in force" in runner.invoke(args=["policy", "load", str(pack)]).output
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace("notice_hours = 48", "notice_hours = 24").replace(
        'label = "R-7"', 'label = "R-8"').replace(
        '[[agencies]]\nid = "family-court"\n', '[[agencies]]\nid = "family-court"\n\n[[agencies]]\nid = "school"\n'))
    labels = pack / "text/en/labels.toml"
    labels.write_text(labels.read_text().replace('family-court = "The family court"',
                                                 'family-court = "The family court"\nschool = "Your school"'))
    second = runner.invoke(args=["policy", "load", str(pack)])
    assert "Loaded version 2 (R-8)" in second.output
    assert "file_access.notice_hours: 48 -> 24" in second.output
    assert "agencies: added school" in second.output
    with app.app_context():
        versions = db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.number)).all()
        assert [v.settings["file_access"]["notice_hours"] for v in versions] == [48, 24]
        assert services.current_version().number == 2  # type: ignore[union-attr]


def test_a_second_organisations_pack_drives_the_portal(app: Flask, pack: Path) -> None:
    """Riverside: 48 hours' notice, its own agencies, two approvers, six-month reviews."""
    app.test_cli_runner().invoke(args=["policy", "load", str(pack)])
    page = app.test_client().get("/policy").get_data(as_text=True)
    assert "Riverside Families Project" in page
    assert "at least 48 hours before" in page
    assert "every 6 months" in page
    assert "2 senior members of staff must agree" in page
    assert "Your health visitor" in page and "The family court" in page
    assert "Police" not in page
    with app.app_context():
        assert services.setting("disclosure.approvals_needed") == 2
        assert services.setting("disclosure.channels") == ["secure-email", "post"]
        assert services.setting("organisation.time_zone") == "Europe/London"


def test_the_demo_pack_drives_the_portal(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["policy", "load", str(DEMO_PACK)])
    assert result.exit_code == 0, result.output
    page = app.test_client().get("/policy").get_data(as_text=True)
    assert "Harbour Lane Trust" in page and "at least 24 hours before" in page
    assert "1 senior member of staff must agree" in page


def test_markdown_is_sanitised_on_render() -> None:
    html = services.render_markdown(
        "Hello [click](javascript:alert(1)) <img src=x onerror=alert(1)> **bold**"
    )
    assert "javascript" not in html and "onerror" not in html and "<img" not in html
    assert "<strong>bold</strong>" in html
