"""`clearway-filing`: serve, keys, bulk motions, the bulk benchmark."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.common.migrations import Migrations, add_migrate_commands
from clearway.common.republish import Republish, add_republish_command
from clearway.common.topics import MOTIONS
from clearway.filing.settings import FilingSettings

app = typer.Typer(help="Clearway filing: motions under HS 11361.8.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.filing.store import FilingStore

    return FilingStore(make_engine(FilingSettings().sqlalchemy_url()))


def _keystore() -> KeyStore:
    from clearway.filing.store import api_keys

    return KeyStore.resolve(FilingSettings().keys_database_url, lambda: _store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


def _migrations() -> Migrations:
    from clearway.filing.store import MIGRATIONS

    return MIGRATIONS


add_migrate_commands(app, _migrations, lambda: make_engine(FilingSettings().sqlalchemy_url()))


@app.command()
def serve() -> None:
    """Run the consumer, the outbox relay and the HTTP API (CLEARWAY_FILING_* settings)."""
    from clearway.filing.api import build_app

    settings = FilingSettings()
    configure_logging("filing", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command("bulk-motion")
def bulk_motion(court: str = typer.Argument(..., help="court code, e.g. CA-LA")) -> None:
    """Gather every ready motion of a court into one bulk motion (PDF and CSV), as
    POST /v1/courts/{court}/bulk-motions does. Its events wait in the outbox for the
    running service's relay."""
    from clearway.filing.adapters.documents import FolderDocumentStore
    from clearway.filing.bulk import NothingToFile, build_bulk_motion
    from clearway.filing.store import BulkConflict

    settings = FilingSettings()
    documents = FolderDocumentStore(settings.documents_path())
    try:
        result = build_bulk_motion(_store(), documents, court, attempts=settings.bulk_attempts)
    except (NothingToFile, BulkConflict) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"bulk motion {result.bulk_motion_id}: {result.motion_count} cases, "
               f"{result.pages} pages in {result.seconds:.1f}s")
    typer.echo(f"PDF {documents.path(result.document_sha256, 'pdf')}")
    typer.echo(f"CSV {documents.path(result.csv_sha256, 'csv')}")


@app.command("file-bulk")
def file_bulk(bulk_motion_id: str = typer.Argument(..., help="the bulk motion's id")) -> None:
    """Record that a bulk motion was filed with the court: its motions become filed."""
    bulk = _store().file_bulk(bulk_motion_id, dt.datetime.now(dt.UTC))
    if bulk is None:
        typer.echo(f"no bulk motion {bulk_motion_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"bulk motion {bulk_motion_id} ({bulk['court']}): {bulk['status']}")


@app.command("render-drafts")
def render_drafts() -> None:
    """Render every draft motion whose court record is known (normally automatic)."""
    from clearway.filing.adapters.documents import FolderDocumentStore
    from clearway.filing.adapters.pdf import configure_fonts
    from clearway.filing.stream import pdf_renderer

    settings = FilingSettings()
    configure_fonts(settings.pdf_font_specs())
    render = pdf_renderer(FolderDocumentStore(settings.documents_path()))
    staged = _store().render_drafts(render, dt.datetime.now(dt.UTC))
    typer.echo(f"{staged} motion(s) ready")


@app.command("bench-bulk")
def bench_bulk(
    cases: int = typer.Option(60_000, min=1, help="synthetic ready motions in the bulk motion"),
    workdir: Path | None = typer.Option(None, help="keep the store and documents here "
                                        "(default: a temporary folder, removed afterwards)"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Time one bulk motion of N synthetic cases and measure the builder's peak memory."""
    from clearway.filing.benchmark import bulk_benchmark

    folder = workdir or Path(tempfile.mkdtemp(prefix="clearway-bench-bulk-"))
    try:
        figures = bulk_benchmark(cases, folder)
    finally:
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(f"bulk motion of {figures['motion_count']:,} cases: {figures['pages']:,} pages "
               f"in {figures['seconds']:.1f} s, peak RSS {figures['peak_rss_mb']:.0f} MB "
               f"(at start {figures['baseline_rss_mb']:.0f} MB); PDF "
               f"{figures['pdf_bytes'] / 1e6:.1f} MB, CSV {figures['csv_bytes'] / 1e6:.1f} MB; "
               f"seeding took {figures['seed_seconds']:.1f} s")


add_republish_command(app, Republish(
    service="filing", settings=FilingSettings, store=_store, topic=MOTIONS,
    row="motion event"),
    safe_because="Consumers dedupe on ce_id (<motion_id>/<status>), so republishing is safe.")
