"""`clearway-ingest`: serve the API, manage keys, replay the store to the broker."""
from __future__ import annotations

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.common.migrations import Migrations, add_migrate_commands
from clearway.common.republish import Republish, add_republish_command
from clearway.common.topics import RECORDS
from clearway.ingest.settings import IngestSettings

app = typer.Typer(help="Clearway ingest: the court-facing record API.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.ingest.store import IngestStore

    return IngestStore(make_engine(IngestSettings().sqlalchemy_url()))


def _keystore() -> KeyStore:
    from clearway.ingest.store import api_keys

    return KeyStore.resolve(IngestSettings().keys_database_url, lambda: _store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


def _migrations() -> Migrations:
    from clearway.ingest.store import MIGRATIONS

    return MIGRATIONS


add_migrate_commands(app, _migrations, lambda: make_engine(IngestSettings().sqlalchemy_url()))


@app.command()
def serve() -> None:
    """Run the HTTP API and the outbox relay (settings from CLEARWAY_INGEST_* env vars)."""
    from clearway.ingest.api import build_app

    settings = IngestSettings()
    configure_logging("ingest", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


add_republish_command(app, Republish(
    service="ingest", settings=IngestSettings, store=_store, topic=RECORDS,
    row="accepted event", command="replay"),
    safe_because="Consumers dedupe on event id, so replaying is safe.")
