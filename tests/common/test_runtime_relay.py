"""A service's outbox relay claims as many rows as the service consumes in a batch."""
from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import MetaData

from clearway.common.broker import EmbeddedBroker
from clearway.common.db import create_schema, make_engine
from clearway.common.outbox import outbox_table
from clearway.common.runtime import Runtime
from clearway.common.settings import ServiceSettings


async def test_the_relay_claims_as_many_rows_as_a_consumed_batch(
    embedded_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    settings = ServiceSettings(kafka_bootstrap_servers=embedded_broker.bootstrap_servers,
                               service_name="relay-size", batch_max_records=321)
    engine = make_engine(f"sqlite:///{tmp_path / 'relay-size.db'}")
    metadata = MetaData()
    outbox = outbox_table(metadata)
    create_schema(engine, metadata)
    runtime = Runtime(settings, engine, outbox=outbox)
    for start in runtime.workers.starters:
        await start()
    try:
        for _ in range(200):
            if runtime.relay is not None:
                break
            await asyncio.sleep(0.05)
        assert runtime.relay is not None, "the runtime never connected to the broker"
        assert runtime.relay.batch_size == 321
    finally:
        for stop in runtime.workers.stoppers:
            await stop()
        engine.dispose()
