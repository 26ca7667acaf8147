"""Baseline: the ingest store as it was when migrations were introduced (commit cc23925).

The ingest store's tables have not changed since the first build (ed99c0a, 2026-11-25),
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
    if 'records' not in existing:
        op.create_table('records',
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('event_type', sa.String(length=20), nullable=False),
        sa.Column('payload_sha256', sa.String(length=64), nullable=False),
        sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('accepted_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('court', 'event_id')
        )
        with op.batch_alter_table('records', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_records_subject_id'), ['subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_records_subject_id'))

    op.drop_table('records')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    op.drop_table('api_keys')
