"""`clearway-ingest`: serve the API, manage keys, replay the store to the broker."""
from __future__ import annotations

import asyncio

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.ingest.settings import IngestSettings

app = typer.Typer(help="Clearway ingest: the court-facing record API.", no_args_is_help=True)


def _keystore() -> KeyStore:
    from clearway.ingest.store import IngestStore, api_keys

    engine = make_engine(IngestSettings().sqlalchemy_url())
    IngestStore(engine)
    return KeyStore(engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


@app.command()
def serve() -> None:
    """Run the HTTP API and the outbox relay (settings from CLEARWAY_INGEST_* env vars)."""
    from clearway.ingest.api import build_app

    settings = IngestSettings()
    configure_logging("ingest", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command()
def replay(
    wait: bool = typer.Option(True, help="publish now and wait until every row is on the topic"),
) -> None:
    """Republish every accepted event to court.records.v1 (rebuild a broker that lost its
    data). Consumers dedupe on event id, so replaying is safe."""
    from clearway.common.outbox import drain_outbox, republish_all
    from clearway.common.topics import RECORDS, provision_topics
    from clearway.ingest.store import IngestStore, outbox

    settings = IngestSettings()
    engine = make_engine(settings.sqlalchemy_url())
    IngestStore(engine)
    provision_topics(settings.kafka_bootstrap_servers, settings.topic_partitions)
    marked = republish_all(engine, outbox, RECORDS)
    typer.echo(f"{marked} accepted event(s) marked for republishing")
    if not wait:
        return

    asyncio.run(drain_outbox(engine, outbox, settings.kafka_bootstrap_servers,
                             "clearway-ingest-replay"))
    typer.echo("replay complete: every accepted event is on court.records.v1")
