"""`clearway-notify`: serve, keys, resend."""
from __future__ import annotations

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.notify.settings import NotifySettings

app = typer.Typer(help="Clearway notify: notices by email, SMS and letter.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.notify.store import NotifyStore

    return NotifyStore(make_engine(NotifySettings().sqlalchemy_url()))


def _keystore() -> KeyStore:
    from clearway.notify.store import api_keys

    return KeyStore(_store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


@app.command()
def serve() -> None:
    """Run the consumer, the dispatcher, the outbox relay and the HTTP API."""
    from clearway.notify.api import build_app

    settings = NotifySettings()
    configure_logging("notify", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command()
def resend(delivery_id: str) -> None:
    """Try a failed or sent delivery again (a running service sends it)."""
    if not _store().resend(delivery_id):
        typer.echo(f"no failed or sent delivery {delivery_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"delivery {delivery_id} will be sent again")


@app.command()
def status() -> None:
    """Counts of notices and deliveries by state."""
    for key, value in sorted(_store().counts().items()):
        typer.echo(f"{key}\t{value}")
