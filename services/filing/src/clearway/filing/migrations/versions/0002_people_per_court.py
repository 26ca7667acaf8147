"""People per court: a motion prints its own court's record of the person (issue #19).

Until now filing kept one row per person, the latest record from any court, so a court's
record of a person could change what another court's motion says. From here each court's
record is its own: `people` is keyed by (subject_id, court). The upgrade gives every court in
which the person has a case a copy of the row they had (the record the motions already
rendered say); each court's next record of the person replaces its own copy only.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'people_by_court',
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('court', sa.String(length=20), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=False),
        sa.Column('occurred_at', sa.String(length=40), nullable=False),
        sa.Column('event_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('subject_id', 'court'),
    )
    op.execute(
        "INSERT INTO people_by_court (subject_id, court, first_name, last_name, "
        "date_of_birth, occurred_at, event_id) "
        "SELECT p.subject_id, c.court, p.first_name, p.last_name, p.date_of_birth, "
        "p.occurred_at, p.event_id "
        "FROM people p JOIN (SELECT DISTINCT subject_id, court FROM cases) c "
        "ON c.subject_id = p.subject_id")
    op.drop_table('people')
    op.rename_table('people_by_court', 'people')


def downgrade() -> None:
    raise NotImplementedError("one row per person cannot be rebuilt from the courts' rows")
