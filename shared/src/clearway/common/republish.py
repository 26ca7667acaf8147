"""Publish a service's whole outbox again, after the broker lost its data
(docs/reliability.md, section 5): `clearway-ingest replay` and the `republish` command of
`clearway-eligibility`, `clearway-filing` and `clearway-notify`.

The order matters. The rows are marked first, then the topics are provisioned: while the
topics are missing every relay waits, so the rows written after the loss and the marked
ones are published together, in id order, once. Provisioning first would let the relays
publish that backlog, and publish it again once marked."""
from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import typer
from sqlalchemy import Engine, Table

from clearway.common.settings import ServiceSettings

PROGRESS_EVERY_S = 2.0


class _Store(Protocol):
    @property
    def engine(self) -> Engine: ...


@dataclass(frozen=True)
class Republish:
    """What one service republishes: the `outbox` table of `clearway.<service>.store`, in
    the store `store()` opens (creating its schema). `row` names one row in messages
    (e.g. "decision version")."""

    service: str
    settings: Callable[[], ServiceSettings]
    store: Callable[[], _Store]
    topic: str
    row: str
    command: str = "republish"


def republish(spec: Republish, *, provision: bool, wait: bool, timeout: float) -> None:
    """Mark every row of the service's outbox for `spec.topic` unpublished, provision the
    topics, and (with `wait`) publish the rows and wait until none is left."""
    from clearway.common.logging import configure_logging
    from clearway.common.outbox import drain_outbox, republish_all
    from clearway.common.topics import missing_topics, provision_topics

    settings = spec.settings()
    configure_logging(spec.service, settings.log_level)
    engine = spec.store().engine
    table: Table = importlib.import_module(f"clearway.{spec.service}.store").outbox
    bootstrap = settings.kafka_bootstrap_servers
    marked = republish_all(engine, table, spec.topic)
    typer.echo(f"{marked} {spec.row}(s) marked for republishing")
    if provision:
        created = provision_topics(bootstrap, settings.topic_partitions,
                                   security=settings.kafka_security)
        typer.echo(f"created {len(created)} topic(s): {', '.join(created) or 'none missing'}")
    if not wait:
        later = "" if provision else " once the topics exist (clearway-topics provision)"
        typer.echo(f"a running {spec.service} publishes them{later}")
        return
    if not provision and spec.topic in missing_topics(bootstrap, settings.kafka_security):
        typer.echo(f"{spec.topic} is missing: waiting until it is created "
                   "(clearway-topics provision)")
    last = time.monotonic()

    def report(sent: int, left: int) -> None:
        nonlocal last
        if left and time.monotonic() - last >= PROGRESS_EVERY_S:
            last = time.monotonic()
            typer.echo(f"published {sent} so far, {left} row(s) still to publish")

    try:
        sent = asyncio.run(drain_outbox(engine, table, bootstrap,
                                        f"clearway-{spec.service}-{spec.command}",
                                        timeout=timeout, progress=report,
                                        security=settings.kafka_security))
    except TimeoutError:
        typer.echo(f"{spec.command} incomplete after {timeout:g} s: the rest stays marked and "
                   f"a running {spec.service} publishes it (watch clearway_outbox_depth on "
                   f"its /metrics); running {spec.command} again would mark every row once "
                   "more", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{spec.command} complete: every {spec.row} is on {spec.topic} ({sent} "
               f"published by this command, the rest by a running {spec.service})")


def add_republish_command(app: typer.Typer, spec: Republish, safe_because: str) -> None:
    """Register `spec.command` (`republish`, or ingest's `replay`) on a service's CLI;
    `safe_because` ends its help (who dedupes the repeats)."""
    help = (f"Republish every {spec.row} to {spec.topic} (rebuild a broker that lost its "
            "data; docs/reliability.md, section 5): mark them all unpublished, then create "
            "the missing topics (unless --no-provision), then publish them and wait (unless "
            f"--no-wait). {safe_because}")

    @app.command(spec.command, help=help)
    def command(
        wait: bool = typer.Option(
            True, help="publish the rows now and wait until every one is on the topic "
            "(--no-wait: only mark them; a running service's relay publishes them)"),
        provision: bool = typer.Option(
            True, help="after marking, create the missing topics (--no-provision: leave "
            "them to `clearway-topics provision`, as in the broker-loss recovery)"),
        timeout: float = typer.Option(600.0, help="seconds to wait for the publishing"),
    ) -> None:
        republish(spec, provision=provision, wait=wait, timeout=timeout)
