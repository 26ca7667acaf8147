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
    provision: bool = typer.Option(
        True, help="create missing topics first (the broker restarted empty)"),
    timeout: float = typer.Option(600.0, help="seconds to wait for the publishing"),
) -> None:
    """Republish every accepted event to court.records.v1 (rebuild a broker that lost its
    data). Consumers dedupe on event id, so replaying is safe."""
    from clearway.common.outbox import drain_outbox, republish_all
    from clearway.common.topics import RECORDS, provision_topics
    from clearway.ingest.store import IngestStore, outbox

    settings = IngestSettings()
    configure_logging("ingest", settings.log_level)
    engine = make_engine(settings.sqlalchemy_url())
    IngestStore(engine)
    if provision:
        provision_topics(settings.kafka_bootstrap_servers, settings.topic_partitions)
    marked = republish_all(engine, outbox, RECORDS)
    typer.echo(f"{marked} accepted event(s) marked for republishing")
    if not wait:
        typer.echo("a running ingest publishes them")
        return
    try:
        sent = asyncio.run(drain_outbox(engine, outbox, settings.kafka_bootstrap_servers,
                                        "clearway-ingest-replay", timeout=timeout))
    except TimeoutError:
        typer.echo("replay incomplete: the rest stays marked and a running ingest "
                   "publishes it; run replay again to wait for it", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"replay complete: every accepted event is on {RECORDS} "
               f"({sent} published by this command, the rest by a running ingest)")
