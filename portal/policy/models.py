"""Policy versions (POL-5), acknowledgements (POL-1, SEC-3) and cached handouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, append_only, utcnow


@append_only
class PolicyVersion(Base):
    """One loaded policy pack, whole: settings, lists and every language's text. Never
    edited; a changed pack is a new version."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(60))
    substantive: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_digest: Mapped[str] = mapped_column(String(64))
    changes: Mapped[list[str]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.content["settings"]
        return settings


@append_only
class PolicyAcknowledgement(Base):
    """Someone read, or was told, a version of the policy in a language.

    For a service user, ``person_id`` is set (and ``acted_by_id`` says who clicked or
    recorded it: the person, their advocate, or a staff member who explained it). For a
    staff member confirming they have read it (SEC-3), ``staff_id`` is set.
    """

    __tablename__ = "policy_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # read-online, explained-in-person, or staff-read
    method: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    interpreter: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[PolicyVersion] = relationship()


class PolicyHandout(Base):
    """The printable PDF of one version in one language, made once and kept, so every
    worker on every machine serves the same bytes without drawing it again."""

    __tablename__ = "policy_handouts"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    language: Mapped[str] = mapped_column(String(10))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
