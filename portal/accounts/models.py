"""Sign-in accounts, separate from the person a service user is (portal.people)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.people.models import Person


class Role(enum.StrEnum):
    SERVICE_USER = "service_user"
    ADVOCATE = "advocate"
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"

    @property
    def is_staff_side(self) -> bool:
        return self in STAFF_SIDE


PEOPLE_SIDE = frozenset({Role.SERVICE_USER, Role.ADVOCATE})
STAFF_SIDE = frozenset({Role.STAFF, Role.VOLUNTEER, Role.MANAGER, Role.ADMINISTRATOR})


class Account(Base):
    """Someone who can sign in. A service user's account points at their Person record;
    an advocate's account acts for people through AdvocateLink, never as them."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL OR username IS NOT NULL",
            name="has_sign_in_name",
        ),
        CheckConstraint(
            "(role = 'service_user') = (person_id IS NOT NULL)", name="person_iff_service_user"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, create_constraint=True,
             values_callable=lambda roles: [r.value for r in roles], name="role")
    )
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="RESTRICT"), unique=True
    )
    # Bumped to end every session of this account (password change, disabling, "sign out
    # everywhere"): a counter rather than a "valid after" time, so several machines with
    # slightly different clocks cannot disagree about it.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Volunteers (REC-3): may not supervise or see files until enough months are served
    # and the volunteering is marked satisfactory.
    volunteer_started_on: Mapped[date | None]
    volunteer_satisfactory_on: Mapped[date | None]
    volunteer_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    two_factor: Mapped[TwoFactorCredential | None] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol. The id carries the generation so that bumping it ends sessions.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and self.password_hash is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    @property
    def is_staff_side(self) -> bool:
        return self.role in STAFF_SIDE

    @property
    def sign_in_name(self) -> str:
        return self.email or self.phone or self.username or ""

    @property
    def two_step_on(self) -> bool:
        """Whether signing in asks for a code from an authenticator app after the password."""
        return self.two_factor is not None and self.two_factor.enabled_at is not None


class ActivationCode(Base):
    """A one-time code staff give a new account holder. Only a keyed digest is stored."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    account: Mapped[Account] = relationship(foreign_keys=[account_id])


class SignInThrottle(Base):
    """Failed sign-ins in a row, per account (or per unknown sign-in name), in the database
    so that every worker on every machine sees the same count (security.md, ASVS 4 2.2.1)."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TwoFactorCredential(Base):
    """A staff-side account's authenticator app (security.md, ASVS 5 6.3.3): the TOTP secret,
    encrypted at rest, and the last time step accepted, so that each code works only once.

    While the person is setting up (a first phone or a new one) the new secret waits in
    ``pending_secret``; the one in use, if any, keeps working until the new one is confirmed.
    """

    __tablename__ = "two_factor_credentials"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The TOTP counter (Unix time // 30) of the last code accepted: a code is accepted only
    # for a later counter, by a conditional UPDATE, so a code seen over a shoulder or
    # replayed by a second worker is refused (ASVS 5 6.5.1).
    last_used_step: Mapped[int | None] = mapped_column(Integer)
    pending_secret: Mapped[str | None] = mapped_column(EncryptedText)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(back_populates="two_factor")


class RecoveryCode(Base):
    """A single-use code for signing in without the phone. Only a keyed digest is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
