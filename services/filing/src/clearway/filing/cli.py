"""`clearway-filing`: serve, keys, bulk motions."""
from __future__ import annotations

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.filing.settings import FilingSettings

app = typer.Typer(help="Clearway filing: motions under HS 11361.8.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.filing.store import FilingStore

    return FilingStore(make_engine(FilingSettings().sqlalchemy_url()))


def _keystore() -> KeyStore:
    from clearway.filing.store import api_keys

    return KeyStore(_store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


@app.command()
def serve() -> None:
    """Run the consumer, the outbox relay and the HTTP API (CLEARWAY_FILING_* settings)."""
    from clearway.filing.api import build_app

    settings = FilingSettings()
    configure_logging("filing", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command("bulk-motion")
def bulk_motion(court: str = typer.Argument(..., help="court code, e.g. CA-LA")) -> None:
    """Gather every ready motion of a court into one bulk motion (PDF and CSV). Its motion
    events are published by the running service's outbox relay."""
    from clearway.filing.adapters.documents import FolderDocumentStore
    from clearway.filing.bulk import NothingToFile, build_bulk_motion

    settings = FilingSettings()
    documents = FolderDocumentStore(settings.documents_path())
    try:
        result = build_bulk_motion(_store(), documents, court)
    except NothingToFile as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"bulk motion {result.bulk_motion_id}: {result.motion_count} cases, "
               f"{result.pages} pages in {result.seconds:.1f}s")
    typer.echo(f"PDF {documents.path(result.document_sha256, 'pdf')}")
    typer.echo(f"CSV {documents.path(result.csv_sha256, 'csv')}")
