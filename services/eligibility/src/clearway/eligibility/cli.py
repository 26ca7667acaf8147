"""`clearway-eligibility`: serve, keys, recompute, rules-doc."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.common.republish import Republish, add_republish_command
from clearway.common.topics import DECISIONS
from clearway.eligibility.settings import EligibilitySettings

app = typer.Typer(help="Clearway eligibility: the Prop 64 rules.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from clearway.eligibility.store import EligibilityStore

    settings = EligibilitySettings()
    return EligibilityStore(make_engine(settings.sqlalchemy_url()), settings.policies())


def _keystore() -> KeyStore:
    from clearway.eligibility.store import api_keys

    return KeyStore(_store().engine, api_keys)


app.add_typer(keys_app(_keystore), name="keys")


@app.command()
def serve() -> None:
    """Run the consumer, the outbox relay and the HTTP API (CLEARWAY_ELIGIBILITY_* settings)."""
    from clearway.eligibility.api import build_app

    settings = EligibilitySettings()
    configure_logging("eligibility", settings.log_level)
    serve_http(build_app(settings), settings.http_host, settings.http_port, settings.log_level)


@app.command()
def recompute(
    replay_topic: bool = typer.Option(
        True, help="first read court.records.v1 from the beginning into the store"),
) -> None:
    """Re-decide everyone under the installed rule pack and policy table; publishes only
    what changed (via the outbox) and reports how many decisions changed."""
    from tqdm import tqdm

    from clearway.eligibility.replay import read_topic_into

    settings = EligibilitySettings()
    store = _store()
    if replay_topic:
        loaded = asyncio.run(read_topic_into(store, settings.kafka_bootstrap_servers))
        typer.echo(f"read court.records.v1: {loaded} new event(s) added to histories")
    subjects = store.all_subjects()
    now = dt.datetime.now(dt.UTC)
    changed = 0
    chunk = 400
    for i in tqdm(range(0, len(subjects), chunk), desc="people", unit="chunk", disable=None):
        changed += len(store.recompute(subjects[i:i + chunk], now))
    typer.echo(f"recomputed {len(subjects)} people: {changed} decision(s) changed")
    if changed:
        from clearway.common.outbox import drain_outbox
        from clearway.eligibility.store import outbox

        sent = asyncio.run(drain_outbox(store.engine, outbox, settings.kafka_bootstrap_servers,
                                        "clearway-eligibility-recompute"))
        typer.echo(f"published {sent} decision(s) to eligibility.decisions.v1")


@app.command("rules-doc")
def rules_doc(out: Path = typer.Option(None, help="write here instead of stdout")) -> None:
    """Print RULES.md, generated from the rule pack."""
    from clearway.eligibility.domain.rules_doc import render_rules_md

    text = render_rules_md()
    if out:
        out.write_text(text)
    else:
        typer.echo(text, nl=False)


add_republish_command(app, Republish(
    service="eligibility", settings=EligibilitySettings, store=_store, topic=DECISIONS,
    row="decision version"),
    safe_because="Filing and notify skip the decisions they have applied already "
    "(their dedupe); integrators dedupe on ce_id.")
