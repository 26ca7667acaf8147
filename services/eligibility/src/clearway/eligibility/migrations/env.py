"""Alembic environment of the eligibility store; `clearway.common.migrations` hands it the
connection (inside its locked transaction) and the store's MetaData."""
from clearway.common.migrations import run_environment

run_environment()
