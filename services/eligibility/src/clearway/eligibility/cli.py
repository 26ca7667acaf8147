"""`clearway-eligibility`: serve, keys, recompute, rules-doc."""
from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path

import typer

from clearway.common.auth import KeyStore
from clearway.common.cli import keys_app
from clearway.common.db import make_engine
from clearway.common.http import serve as serve_http
from clearway.common.logging import configure_logging
from clearway.common.migrations import Migrations, add_migrate_commands
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

    return KeyStore.resolve(EligibilitySettings().keys_database_url, lambda: _store().engine,
                            api_keys)


app.add_typer(keys_app(_keystore), name="keys")


def _migrations() -> Migrations:
    from clearway.eligibility.store import MIGRATIONS

    return MIGRATIONS


add_migrate_commands(app, _migrations, lambda: make_engine(EligibilitySettings().sqlalchemy_url()))


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
    """Re-decide everyone under the installed rule packs and policy table (after a new rule
    pack version or a policy change); publishes only the counts whose decision changed (via
    the outbox) and prints a table of old relief -> new relief with counts."""
    from tqdm import tqdm

    from clearway.eligibility.domain.relief_changes import render_table, tally
    from clearway.eligibility.replay import read_topic_into
    from clearway.eligibility.rulepacks import packs as all_packs

    settings = EligibilitySettings()
    store = _store()
    if replay_topic:
        loaded = asyncio.run(read_topic_into(store, settings.kafka_bootstrap_servers,
                                             settings.kafka_security))
        typer.echo(f"read court.records.v1: {loaded} new event(s) added to histories")
    subjects = store.all_subjects()
    now = dt.datetime.now(dt.UTC)
    moved: Counter[tuple[str, str]] = Counter()
    chunk = 400
    for i in tqdm(range(0, len(subjects), chunk), desc="people", unit="chunk", disable=None):
        moved += tally((old, d.relief) for old, d in store.recompute(subjects[i:i + chunk], now))
    changed = sum(moved.values())
    packs = ", ".join(f"{p.name} {p.version}" for p in all_packs())
    typer.echo(f"recomputed {len(subjects)} people under {packs}: "
               f"{changed} decision(s) changed")
    typer.echo(render_table(moved))
    if changed:
        from clearway.common.outbox import drain_outbox
        from clearway.eligibility.store import outbox

        sent = asyncio.run(drain_outbox(store.engine, outbox, settings.kafka_bootstrap_servers,
                                        "clearway-eligibility-recompute",
                                        security=settings.kafka_security))
        typer.echo(f"published {sent} decision(s) to eligibility.decisions.v1")


@app.command("rules-doc")
def rules_doc(
    out: Path = typer.Option(None, help="write here instead of stdout"),
    pack: str = typer.Option("ca-prop64", help="the rule pack to document"),
) -> None:
    """Print a rule pack's RULES.md, generated from its rules."""
    from clearway.eligibility.rulepacks import (
        DEFAULT_POLICY,
        SHIPPED_POLICY_TABLE,
        pack_named,
        packs,
    )
    from clearway.eligibility.rulepacks.doc import render_rules_md

    try:
        chosen = pack_named(pack)
    except KeyError:
        raise typer.BadParameter(
            f"unknown rule pack; known: {', '.join(p.name for p in packs())}") from None
    text = render_rules_md(chosen, SHIPPED_POLICY_TABLE, DEFAULT_POLICY)
    if out:
        out.write_text(text)
    else:
        typer.echo(text, nl=False)


add_republish_command(app, Republish(
    service="eligibility", settings=EligibilitySettings, store=_store, topic=DECISIONS,
    row="decision version"),
    safe_because="Filing and notify skip the decisions they have applied already "
    "(their dedupe); integrators dedupe on ce_id.")
