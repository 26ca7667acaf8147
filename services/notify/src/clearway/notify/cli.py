"""`clearway-notify`: serve, keys, resend, replan, deliveries, status."""
from __future__ import annotations

import logging

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.common.migrations import Migrations, add_migrate_commands
from clearway.common.republish import Republish, add_republish_command
from clearway.common.topics import DELIVERIES
from clearway.notify.settings import NotifySettings

app = typer.Typer(help="Clearway notify: notices by email, SMS and letter.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.notify.store import NotifyStore

    return NotifyStore(make_engine(NotifySettings().sqlalchemy_url()))


def _keystore() -> KeyStore:
    from clearway.notify.store import api_keys

    return KeyStore.resolve(NotifySettings().keys_database_url, lambda: _store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


def _migrations() -> Migrations:
    from clearway.notify.store import MIGRATIONS

    return MIGRATIONS


add_migrate_commands(app, _migrations, lambda: make_engine(NotifySettings().sqlalchemy_url()))


@app.command()
def serve() -> None:
    """Run the consumer, the dispatcher, the outbox relay and the HTTP API."""
    from clearway.notify.api import build_app

    settings = NotifySettings()
    configure_logging("notify", settings.log_level)
    # fontTools logs each letter's glyph list (the characters of a name and address) at
    # INFO; httpx logs every request URL. Neither belongs in the service log.
    for noisy in ("fontTools", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command()
def resend(delivery_id: str) -> None:
    """Send a failed (or sent) delivery again; a running service sends it."""
    outcome = _store().resend(delivery_id)
    if outcome != "ok":
        typer.echo(f"delivery {delivery_id} not resent: {outcome}", err=True)
        raise typer.Exit(1)
    typer.echo(f"delivery {delivery_id} will be sent again")


@app.command("mark-sent")
def mark_sent(delivery_id: str) -> None:
    """Record a failed (in-doubt) delivery as sent, after checking that it arrived."""
    if not _store().mark_sent(delivery_id):
        typer.echo(f"no failed delivery {delivery_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"delivery {delivery_id} recorded as sent")


@app.command()
def replan(notice_id: str) -> None:
    """Plan an unreachable notice again (after contact data arrived)."""
    if not _store().replan(notice_id):
        typer.echo(f"no unreachable notice {notice_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"notice {notice_id} will be planned again")


@app.command()
def deliveries(
    status: str = typer.Option("failed", help="failed, retrying, sent, opted_out, pending, "
                               "sending, suppressed; or unreachable (notices)"),
    limit: int = typer.Option(200, help="at most this many"),
) -> None:
    """List deliveries by status (ids, channel, error; no contact details)."""
    store = _store()
    if status == "unreachable":
        for n in store.notices_with("unreachable", None, limit)[0]:
            typer.echo(f"{n['notice_id']}\t{n['subject_id']}\t{n['court']}\t{n['case_number']}"
                       f"\t{n['notice_kind']}")
        return
    for d in store.deliveries_with(status, None, limit)[0]:
        typer.echo(f"{d['delivery_id']}\t{d['subject_id']}\t{d['court']}\t{d['channel']}"
                   f"\t{d['status']}\t{d['attempts']}\t{d['last_error'] or ''}")


@app.command()
def status() -> None:
    """Counts of notices and deliveries by state."""
    for key, value in sorted(_store().counts().items()):
        typer.echo(f"{key}\t{value}")


add_republish_command(app, Republish(
    service="notify", settings=NotifySettings, store=_store, topic=DELIVERIES,
    row="delivery event"),
    safe_because="Only the events are republished: nobody is notified again, and "
    "consumers dedupe on ce_id.")
