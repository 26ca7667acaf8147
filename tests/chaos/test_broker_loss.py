"""Issue #9 (b): the broker is killed mid-run and comes back EMPTY (the embedded broker
keeps nothing; a real cluster can lose its data too). The documented recovery
(docs/reliability.md) brings the system to the same decisions, motions and notices, with
no notice sent twice and the topics rebuilt without a duplicate."""
from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from clearway.common.topics import ALL_TOPICS, DECISIONS, DELIVERIES
from tests.chaos.conftest import CASES
from tests.chaos.harness import (
    Expected,
    FakeSmsProvider,
    Pusher,
    Topics,
    check_everything,
    dataset,
    log,
    recover_lost_broker,
    settle_deliveries_in_doubt,
    start_stack,
    summary_line,
    wait_until_settled,
)

pytestmark = pytest.mark.e2e

CHANNELS = frozenset({"email", "sms", "letter"})


def partitions(bootstrap: str) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chaos-topics")
    try:
        return {t.get("topic") or t.get("name"): len(t["partitions"])
                for t in admin.describe_topics()}
    finally:
        admin.close()


@pytest.mark.parametrize("cases", [
    pytest.param(1000, marks=[pytest.mark.chaos_short, pytest.mark.timeout(200)], id="short"),
    pytest.param(max(1000, CASES // 4), marks=[pytest.mark.slow, pytest.mark.timeout(3600)],
                 id="full"),
])
def test_a_broker_restarted_empty_mid_run_is_rebuilt_by_the_documented_recovery(
        cases: int, tmp_path: Path, sms: FakeSmsProvider,
        capsys: pytest.CaptureFixture[str]) -> None:
    events = dataset(cases)
    expected = Expected.of(events, CHANNELS)
    started = time.monotonic()
    stack = start_stack(tmp_path / "stack", sms)
    topics = Topics(stack.bootstrap_servers or "")
    try:
        # The push runs on through the outage: ingest keeps accepting (durably) meanwhile.
        pusher = Pusher(stack, events, batch=100, pace=0.25)
        pusher.start()
        deadline = time.monotonic() + 300
        while len(topics.values[DECISIONS]) < 0.4 * len(expected.decisions) or \
                not topics.values[DELIVERIES]:
            assert time.monotonic() < deadline, "the pipeline did not start"
            topics.poll()
        before = {t: len(v) for t, v in topics.values.items()}
        topics.close()
        assert stack.broker is not None
        stack.broker.restart()  # SIGKILL, and the same port again: an empty cluster
        lost_at = time.monotonic()
        log(f"broker restarted empty after {before}")
        time.sleep(3)  # the relays find no topic and wait; nothing may create one
        timings = recover_lost_broker(stack)
        pusher.finish(timeout=600)
        topics = Topics(stack.bootstrap_servers or "")
        settled = wait_until_settled(stack, topics, timeout=900)
        in_doubt = settle_deliveries_in_doubt(stack)
        if any(in_doubt.values()):
            wait_until_settled(stack, topics, timeout=300)
        recovered_in = time.monotonic() - lost_at
        counts = partitions(stack.bootstrap_servers or "")
        # The stores (through the APIs), then the rebuilt topics: both complete.
        from_stores = check_everything(stack, topics, expected, sms, from_topics=False)
        from_topics = check_everything(stack, topics, expected, sms, from_topics=True)
    finally:
        topics.close()
        stack.stop()
    line = summary_line(f"broker loss[{cases} cases]", 1, "broker SIGKILLed, back empty",
                        pusher.accepted, from_topics, time.monotonic() - started)
    with capsys.disabled():
        print(f"\n{line}; recovery {timings}, settled {settled:.0f} s later, "
              f"{recovered_in:.0f} s from loss to settled; in doubt {in_doubt}")
    assert pusher.accepted == expected.records and pusher.rejected == 0
    assert set(counts) == set(ALL_TOPICS)
    assert set(counts.values()) == {12}, f"a topic has the broker's default partitions: {counts}"
    from_stores.assert_clean()
    from_topics.assert_clean()


@pytest.mark.timeout(120)
async def test_a_consumer_goes_on_after_its_commit_fails_because_the_broker_came_back_empty(
        tmp_path: Path) -> None:
    """The mechanism behind step 4 of the recovery, made deterministic: the broker is
    restarted empty while a batch is being handled, so the commit after it fails."""
    import asyncio

    from clearway.common.broker import EmbeddedBroker
    from clearway.common.envelope import encode
    from clearway.common.events import RecordEvent
    from clearway.common.kafka import BatchConsumer, make_producer
    from clearway.common.topics import RECORDS, provision_topics, writer

    events = [RecordEvent.model_validate(e) for e in dataset(3)
              if e["event_type"] == "disposition"][:2]
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    provision_topics(broker.bootstrap_servers, 1)
    seen: list[str] = []
    handling, release = asyncio.Event(), asyncio.Event()

    async def handler(items: list) -> None:  # type: ignore[type-arg]
        seen.extend(i.event.event_id for i in items)
        handling.set()
        await release.wait()

    producer = make_producer(broker.bootstrap_servers, "chaos-test")
    consumer = BatchConsumer(bootstrap_servers=broker.bootstrap_servers, group_id="chaos-test",
                             topics={RECORDS: RecordEvent}, handler=handler,
                             producer=producer, client_id="chaos-test")
    task = None
    try:
        await producer.start()
        await consumer.start()
        task = asyncio.ensure_future(consumer.run())

        async def send(event: RecordEvent) -> None:
            value, headers = encode(event, source=writer(RECORDS), ce_id=event.event_id)
            await producer.send_and_wait(RECORDS, value, key=event.subject_id.encode(),
                                         headers=headers)

        await send(events[0])
        await asyncio.wait_for(handling.wait(), 30)
        await asyncio.to_thread(broker.restart)  # an empty cluster, mid-batch
        await asyncio.to_thread(provision_topics, broker.bootstrap_servers, 1)
        release.set()  # the batch ends; its commit goes to a group that no longer exists
        await asyncio.sleep(2)
        await send(events[1])
        deadline = asyncio.get_running_loop().time() + 60
        while events[1].event_id not in seen:
            assert not task.done(), f"the consumer stopped: {task.exception()!r}"
            assert asyncio.get_running_loop().time() < deadline, "the consumer went quiet"
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()
        if task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 15)
        await producer.stop()
        broker.stop()
