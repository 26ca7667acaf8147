"""Baseline: the filing store as it was when migrations were introduced (commit cc23925).

Stores made by any build from 9722b89 (2026-11-25) to the first with migrations have
these tables exactly. One from 3f23fab to 9722b89 kept its dedupe keys in
processed_records: it gets a new, empty processed_events (redelivered events are still
absorbed by motion keys and decision versions) and the old table is left unread. One
made before 3f23fab lacks columns: it fails the check after upgrading and is left
unchanged (bring it to this schema by hand, or recreate it).

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
    if 'bulk_motions' not in existing:
        op.create_table('bulk_motions',
        sa.Column('bulk_motion_id', sa.String(length=36), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('motion_count', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('document_sha256', sa.String(length=64), nullable=False),
        sa.Column('csv_sha256', sa.String(length=64), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('prepared_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('filed_at', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('bulk_motion_id')
        )
        with op.batch_alter_table('bulk_motions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_bulk_motions_court'), ['court'], unique=False)
    if 'cases' not in existing:
        op.create_table('cases',
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('occurred_at', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.Column('counts', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('court', 'case_number')
        )
        with op.batch_alter_table('cases', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_cases_subject_id'), ['subject_id'], unique=False)
    if 'court_orders' not in existing:
        op.create_table('court_orders',
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('relief', sa.String(length=30), nullable=False),
        sa.Column('order_date', sa.Date(), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('court', 'case_number', 'count')
        )
    if 'latest_decisions' not in existing:
        op.create_table('latest_decisions',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.String(length=64), nullable=False),
        sa.Column('relief', sa.String(length=30), nullable=False),
        sa.Column('procedure', sa.String(length=20), nullable=True),
        sa.Column('statute', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court', 'case_number', 'count')
        )
        with op.batch_alter_table('latest_decisions', schema=None) as batch_op:
            batch_op.create_index('ix_latest_case', ['court', 'case_number'], unique=False)
    if 'motions' not in existing:
        op.create_table('motions',
        sa.Column('motion_id', sa.String(length=36), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=40), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('grants', sa.LargeBinary(), nullable=False),
        sa.Column('facts_sha256', sa.String(length=64), nullable=True),
        sa.Column('document_sha256', sa.String(length=64), nullable=True),
        sa.Column('prepared_on', sa.Date(), nullable=True),
        sa.Column('outcomes', sa.LargeBinary(), nullable=True),
        sa.Column('bulk_motion_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('motion_id')
        )
        with op.batch_alter_table('motions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_motions_bulk_motion_id'), ['bulk_motion_id'], unique=False)
            batch_op.create_index('ix_motions_case', ['court', 'case_number'], unique=False)
            batch_op.create_index('ix_motions_court_status', ['court', 'status', 'case_number'], unique=False)
            batch_op.create_index(batch_op.f('ix_motions_status'), ['status'], unique=False)
            batch_op.create_index(batch_op.f('ix_motions_subject_id'), ['subject_id'], unique=False)
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
    if 'people' not in existing:
        op.create_table('people',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=False),
        sa.Column('occurred_at', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('subject_id')
        )
    if 'processed_events' not in existing:
        op.create_table('processed_events',
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('court', 'event_id')
        )


def downgrade() -> None:
    op.drop_table('processed_events')
    op.drop_table('people')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motions_subject_id'))
        batch_op.drop_index(batch_op.f('ix_motions_status'))
        batch_op.drop_index('ix_motions_court_status')
        batch_op.drop_index('ix_motions_case')
        batch_op.drop_index(batch_op.f('ix_motions_bulk_motion_id'))

    op.drop_table('motions')
    with op.batch_alter_table('latest_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_latest_case')

    op.drop_table('latest_decisions')
    op.drop_table('court_orders')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_subject_id'))

    op.drop_table('cases')
    with op.batch_alter_table('bulk_motions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_motions_court'))

    op.drop_table('bulk_motions')
    op.drop_table('api_keys')
