"""Baseline: the notify store as it was when migrations were introduced (commit cc23925).

A store made before migrations existed (tables, no alembic_version) is taken to be at this
baseline except for tables it lacks: each table is created here only when missing, a
table present is left as it is, and the store is recorded at 0001.

Stores made by builds from 6966e23 (2026-12-02) on have these tables exactly; those made
from 9722b89 (2026-11-25) to the build before it have every one but court_contacts,
which 6966e23 added: it is created, empty, and notices use a
person's one `contacts` row for a court that has given no contact since, as the store
code did for such stores before migrations (nothing is copied). A store from
before 9722b89 kept its dedupe keys in processed_records: it gets a new, empty
processed_events (notices are deduplicated by their own keys too) and the old table is
left unread; one made before e313ce3 lacks columns and fails the check after upgrading,
left unchanged.

Revision ID: 0001
Revises:
"""
# ruff: noqa: E501
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clearway.common.migrations import existing_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = existing_tables()
    if 'api_keys' not in existing:
        op.create_table('api_keys',
        sa.Column('key_id', sa.String(length=32), nullable=False),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('scopes', sa.String(length=500), nullable=False),
        sa.Column('courts', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('revoked_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('key_id')
        )
    if 'contacts' not in existing:
        op.create_table('contacts',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=True),
        sa.Column('last_name', sa.String(length=100), nullable=True),
        sa.Column('names_at', sa.Float(), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('postal_address', sa.LargeBinary(), nullable=True),
        sa.Column('language', sa.String(length=35), nullable=True),
        sa.Column('contact_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('subject_id')
        )
    if 'count_decisions' not in existing:
        op.create_table('count_decisions',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('relief', sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court', 'case_number', 'count')
        )
    if 'court_contacts' not in existing:
        op.create_table('court_contacts',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=True),
        sa.Column('last_name', sa.String(length=100), nullable=True),
        sa.Column('names_at', sa.Float(), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('postal_address', sa.LargeBinary(), nullable=True),
        sa.Column('language', sa.String(length=35), nullable=True),
        sa.Column('contact_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('subject_id', 'court')
        )
    if 'deaths' not in existing:
        op.create_table('deaths',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('date', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('subject_id')
        )
    if 'deliveries' not in existing:
        op.create_table('deliveries',
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('dedupe_key', sa.String(length=320), nullable=False),
        sa.Column('notice_id', sa.String(length=36), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('stage', sa.String(length=10), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('round_base', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.Float(), nullable=False),
        sa.Column('lease_owner', sa.String(length=32), nullable=True),
        sa.Column('lease_until', sa.Float(), nullable=True),
        sa.Column('provider_id', sa.String(length=200), nullable=True),
        sa.Column('language', sa.String(length=35), nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('delivery_id'),
        sa.UniqueConstraint('dedupe_key'),
        sa.UniqueConstraint('notice_id', 'channel', name='uq_deliveries_notice_channel')
        )
        with op.batch_alter_table('deliveries', schema=None) as batch_op:
            batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_deliveries_subject_id'), ['subject_id'], unique=False)
    if 'notices' not in existing:
        op.create_table('notices',
        sa.Column('notice_id', sa.String(length=36), nullable=False),
        sa.Column('dedupe_key', sa.String(length=300), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reliefs', sa.String(length=200), nullable=False),
        sa.Column('source_id', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('not_before', sa.Float(), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('notice_id'),
        sa.UniqueConstraint('dedupe_key')
        )
        with op.batch_alter_table('notices', schema=None) as batch_op:
            batch_op.create_index('ix_notices_state', ['state', 'not_before'], unique=False)
            batch_op.create_index(batch_op.f('ix_notices_subject_id'), ['subject_id'], unique=False)
    if 'opt_outs' not in existing:
        op.create_table('opt_outs',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'channel')
        )
    if 'outbox' not in existing:
        op.create_table('outbox',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=True),
        sa.Column('value', sa.LargeBinary(), nullable=False),
        sa.Column('headers', sa.Text(), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('published_at', sa.Float(), nullable=True),
        sa.Column('partition', sa.Integer(), nullable=True),
        sa.Column('offset', sa.BigInteger(), nullable=True),
        sa.Column('lease_owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('outbox', schema=None) as batch_op:
            batch_op.create_index('ix_outbox_unpublished', ['published_at', 'id'], unique=False)
    if 'processed_events' not in existing:
        op.create_table('processed_events',
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('court', 'event_id')
        )
    if 'subject_courts' not in existing:
        op.create_table('subject_courts',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court')
        )


def downgrade() -> None:
    op.drop_table('subject_courts')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    op.drop_table('opt_outs')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_subject_id'))
        batch_op.drop_index('ix_notices_state')

    op.drop_table('notices')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_subject_id'))
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('deliveries')
    op.drop_table('deaths')
    op.drop_table('court_contacts')
    op.drop_table('count_decisions')
    op.drop_table('contacts')
    op.drop_table('api_keys')
