"""Ingest fixtures: the app in-process over a fresh store (SQLite, then PostgreSQL)."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

# Starlette's TestClient still works on httpx; its notice about httpx2 is not ours to act on.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from clearway.ingest.api import build_app  # noqa: E402
from clearway.ingest.settings import IngestSettings  # noqa: E402
from tests.ingest.builders import ADMIN_KEY  # noqa: E402


def settings_for(database_url: str, data_dir: Path, **overrides: object) -> IngestSettings:
    return IngestSettings(
        database_url=database_url,
        data_dir=data_dir,
        # No lifespan runs in these tests, so nothing connects; an unused port regardless.
        kafka_bootstrap_servers="127.0.0.1:9",
        bootstrap_api_key=ADMIN_KEY,
        **overrides,
    )


@pytest.fixture
def make_client(database_url: str, tmp_path: Path) -> Iterator:
    """Build the app with settings overrides; the client sends the admin key."""
    apps = []

    def make(**overrides: object) -> TestClient:
        app = build_app(settings_for(database_url, tmp_path, **overrides))
        apps.append(app)
        # Not entered as a context manager: no lifespan, so no broker connection or relay;
        # the outbox rows simply stay unpublished.
        return TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"})

    yield make
    for app in apps:
        app.state.store.engine.dispose()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()
