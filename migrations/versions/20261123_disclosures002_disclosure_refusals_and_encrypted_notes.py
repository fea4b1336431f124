"""Disclosure refusals and encrypted free-text notes (issue 7, DIS-2, security.md).

An approver may refuse a disclosure waiting for approval: two new statuses and who refused,
when and why. Free-text notes that are never searched become TEXT holding Fernet tokens
(portal.crypto), encrypted here with the configured keys (PORTAL_ENCRYPTION_KEYS, or the
development key in the instance folder); downgrade decrypts them back.

Revision ID: disclosures002
Revises: disclosures001
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)
from portal.crypto import current_fernet, decrypt, encrypt
from portal.db import add_append_only_triggers, drop_append_only_triggers, rebuilding_sqlite_tables

revision = 'disclosures002'
down_revision = 'disclosures001'
branch_labels = None
depends_on = None

# table -> {column: (length it had, nullable)}
NOTES: dict[str, dict[str, tuple[int, bool]]] = {
    'disclosures': {'purpose': (500, False), 'identity_check': (300, True)},
    'disclosure_holds': {'reason': (1000, False)},
    'advocate_links': {'basis_details': (500, True), 'suspended_reason': (500, True)},
    'contact_preferences': {'note': (300, True)},
    'file_access_bookings': {'access_needs': (500, True)},
    'subject_access_requests': {'extension_reason': (500, True)},
    'competence_assessments': {'notes': (1000, False)},
    'agency_notices': {'how': (300, True)},
}
# Append-only tables (their triggers refuse UPDATE): the triggers are lifted while the notes
# are rewritten in place, and put back. The words do not change, only how they are stored.
HISTORY = ('contact_preferences', 'competence_assessments')

OLD_STATUSES = ('pending', 'done-pending-approval', 'done')
NEW_STATUSES = (*OLD_STATUSES, 'refused', 'done-approval-refused')
REFUSED = ('refused', 'done-approval-refused')


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _rewrite(table: str, columns: dict[str, tuple[int, bool]], change: Callable[[str], str]) -> None:
    """Apply ``change`` (encrypt or decrypt) to every non-empty value of ``columns``."""
    bind = op.get_bind()
    raw = sa.table(table, sa.column('id', sa.Integer), *(sa.column(name, sa.Text) for name in columns))
    rows = bind.execute(sa.select(raw).order_by(raw.c.id)).all()
    for row in rows:
        values = {name: change(getattr(row, name)) for name in columns if getattr(row, name) is not None}
        if values:
            bind.execute(sa.update(raw).where(raw.c.id == row.id).values(**values))


def upgrade() -> None:
    fernet = current_fernet()
    with rebuilding_sqlite_tables():
        drop_append_only_triggers(*HISTORY)
        for table, columns in NOTES.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, (length, nullable) in columns.items():
                    batch_op.alter_column(name, type_=sa.Text(), existing_type=sa.String(length=length),
                                          existing_nullable=nullable)
                if table == 'disclosures':
                    batch_op.add_column(sa.Column('refused_by_id', sa.Integer(), nullable=True))
                    batch_op.add_column(sa.Column('refused_at', portal.db.UTCDateTime(timezone=True),
                                                  nullable=True))
                    batch_op.add_column(sa.Column('refusal_reason', sa.Text(), nullable=True))
                    batch_op.create_foreign_key(batch_op.f('fk_disclosures_refused_by_id_accounts'),
                                                'accounts', ['refused_by_id'], ['id'])
                    batch_op.drop_constraint(batch_op.f('ck_disclosures_status'), type_='check')
                    batch_op.create_check_constraint(batch_op.f('ck_disclosures_status'),
                                                     _status_check(NEW_STATUSES))
                    batch_op.create_check_constraint(
                        batch_op.f('ck_disclosures_refusal_explained'),
                        "status NOT IN ('refused', 'done-approval-refused') "
                        "OR (refused_by_id IS NOT NULL AND refusal_reason IS NOT NULL)",
                    )
            _rewrite(table, columns, lambda plain: encrypt(plain, fernet))
        add_append_only_triggers(*HISTORY)


def downgrade() -> None:
    bind = op.get_bind()
    disclosures = sa.table('disclosures', sa.column('status', sa.String))
    refused = bind.execute(
        sa.select(sa.func.count()).select_from(disclosures).where(disclosures.c.status.in_(REFUSED))
    ).scalar_one()
    if refused:
        raise RuntimeError(f'{refused} disclosure(s) were refused; the older schema cannot record '
                           'a refusal, so this downgrade would lose it. Nothing was changed.')
    fernet = current_fernet()
    with rebuilding_sqlite_tables():
        drop_append_only_triggers(*HISTORY)
        for table, columns in NOTES.items():
            # Decrypt while the columns are still TEXT: a token is longer than the old limit.
            _rewrite(table, columns, lambda token: decrypt(token, fernet))
            with op.batch_alter_table(table, schema=None) as batch_op:
                if table == 'disclosures':
                    batch_op.drop_constraint(batch_op.f('ck_disclosures_refusal_explained'), type_='check')
                    batch_op.drop_constraint(batch_op.f('ck_disclosures_status'), type_='check')
                    batch_op.create_check_constraint(batch_op.f('ck_disclosures_status'),
                                                     _status_check(OLD_STATUSES))
                    batch_op.drop_constraint(batch_op.f('fk_disclosures_refused_by_id_accounts'),
                                             type_='foreignkey')
                    batch_op.drop_column('refusal_reason')
                    batch_op.drop_column('refused_at')
                    batch_op.drop_column('refused_by_id')
                for name, (length, nullable) in columns.items():
                    batch_op.alter_column(name, type_=sa.String(length=length), existing_type=sa.Text(),
                                          existing_nullable=nullable)
        add_append_only_triggers(*HISTORY)
