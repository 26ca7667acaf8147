"""Ingest fixtures: the app in-process over a fresh store (SQLite, then PostgreSQL)."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

# Starlette's TestClient still works on httpx; its notice about httpx2 is not ours to act on.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from clearway.common.db import make_engine  # noqa: E402
from clearway.ingest.api import build_app  # noqa: E402
from clearway.ingest.settings import IngestSettings  # noqa: E402
from clearway.ingest.store import IngestStore  # noqa: E402
from tests.conftest import drop_postgres_database, fresh_postgres_database  # noqa: E402
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


@pytest.fixture(scope="session")
def shared_postgres(request: pytest.FixtureRequest) -> Iterator[str]:
    """One PostgreSQL database for the API tests, emptied before each (creating a database
    per test costs more than the tests)."""
    admin = request.getfixturevalue("postgres_admin")
    name, url = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def api_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty ingest store: a SQLite file, then the machine's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("shared_postgres")
    engine = make_engine(url)
    try:
        IngestStore(engine)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE records, outbox, api_keys RESTART IDENTITY"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def make_client(api_database_url: str, tmp_path: Path) -> Iterator:
    """Build the app with settings overrides; the client sends the admin key."""
    apps = []

    def make(**overrides: object) -> TestClient:
        app = build_app(settings_for(api_database_url, tmp_path, **overrides))
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
