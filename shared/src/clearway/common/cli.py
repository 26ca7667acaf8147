"""Operator commands shared by every service: topics and API keys."""
from __future__ import annotations

import os
from collections.abc import Callable

import typer

from clearway.common.auth import SCOPES, KeyStore
from clearway.common.topics import provision_topics

app = typer.Typer(help="Clearway topic administration.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Clearway topic administration."""


@app.command()
def provision(
    bootstrap_servers: str = typer.Option(
        None, envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers host:port"
    ),
    partitions: int = typer.Option(
        12, envvar="CLEARWAY_TOPIC_PARTITIONS", help="partitions per topic"
    ),
    replication_factor: int = typer.Option(1, help="replication factor"),
) -> None:
    """Create every contract topic (and its .dlq) that is missing."""
    servers = bootstrap_servers or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    created = provision_topics(servers, partitions, replication_factor)
    typer.echo(f"created {len(created)} topic(s): {', '.join(created) or 'none missing'}")


def keys_app(keystore: Callable[[], KeyStore]) -> typer.Typer:
    """`keys create|list|revoke` for a service's own key table."""
    keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

    @keys.command("create")
    def create(
        name: str = typer.Option(..., help="who the key is for"),
        scope: list[str] = typer.Option(..., help=f"repeatable; one of: {', '.join(SCOPES)}"),
        court: list[str] = typer.Option(..., help="repeatable court code, or * for every court"),
    ) -> None:
        """Create a key; it is printed once and stored only as a hash."""
        try:
            token = keystore().create(name, scope, court)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        typer.echo(token)

    @keys.command("list")
    def list_keys() -> None:
        """List keys (ids, names, scopes, courts; never secrets)."""
        for key in keystore().list():
            state = "revoked" if key["revoked"] else "active"
            typer.echo(f"{key['key_id']}\t{state}\t{key['name']}\t{key['scopes']}\t{key['courts']}")

    @keys.command("revoke")
    def revoke(key_id: str) -> None:
        """Revoke a key by its id."""
        if not keystore().revoke(key_id):
            typer.echo(f"no active key {key_id}", err=True)
            raise typer.Exit(1)
        typer.echo(f"revoked {key_id}")

    return keys


def keys_main() -> None:
    """`clearway-keys`: API keys in the key authority every service shares
    (CLEARWAY_KEYS_DATABASE_URL): one key per integration, one revocation for all."""

    def authority() -> KeyStore:
        url = os.environ.get("CLEARWAY_KEYS_DATABASE_URL")
        if not url:
            raise typer.BadParameter(
                "set CLEARWAY_KEYS_DATABASE_URL to the key authority's database URL (the "
                "same value every service has); without one, each service keeps its own "
                "keys: use clearway-<service> keys")
        return KeyStore.authority(url)

    keys_app(authority)()
