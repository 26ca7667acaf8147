"""Baseline: the eligibility store as it was when migrations were introduced (commit cc23925).

The eligibility store's tables have not changed since the first build (ed99c0a, 2026-11-25),
so every store made before migrations has them as they are here.

A store made before migrations existed (tables, no alembic_version) is taken to be at this
baseline except for tables it lacks: each table is created here only when missing, a
table present is left as it is, and the store is recorded at 0001.

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
    if 'decisions' not in existing:
        op.create_table('decisions',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.String(length=36), nullable=False),
        sa.Column('relief', sa.String(length=30), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court', 'case_number', 'count', 'version'),
        sa.UniqueConstraint('decision_id')
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
    if 'subject_events' not in existing:
        op.create_table('subject_events',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court', 'event_id')
        )


def downgrade() -> None:
    op.drop_table('subject_events')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    op.drop_table('decisions')
    op.drop_table('api_keys')
