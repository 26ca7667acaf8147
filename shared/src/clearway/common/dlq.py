"""`clearway-dlq`: list, inspect and replay dead-letter topics (`<topic>.dlq`).

A consumer dead-letters a record it cannot decode or validate (`clearway.common.kafka`):
the original key, value and headers, plus `dlq_original_topic`, `dlq_original_partition`,
`dlq_original_offset`, `dlq_error` and, when the value was cut, `dlq_truncated`.

- Counts come from reading the topic to its end (the fetch high watermark), never from
  ListOffsets, whose LATEST answer is wrong on the embedded broker.
- Values can hold personal data (names, dates of birth, contact data): `show` prints them
  only with `--with-value`.
- `replay` republishes the original key, value and headers (less the `dlq_` ones) to the
  original topic. Consumers are idempotent, so replaying a record twice is harmless. A
  dead letter is never removed (Kafka cannot delete one record); replay is the remedy.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import typer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from clearway.common.envelope import header
from clearway.common.kafka import MAX_MESSAGE_BYTES
from clearway.common.settings import kafka_client_kwargs

DLQ_SUFFIX = ".dlq"
DLQ_HEADER_PREFIX = "dlq_"

app = typer.Typer(
    help="Inspect and replay Clearway dead-letter topics (<topic>.dlq).",
    no_args_is_help=True,
)

BootstrapOption = typer.Option(
    None, "--bootstrap-servers", envvar="KAFKA_BOOTSTRAP_SERVERS",
    help="Kafka bootstrap servers host:port (default 127.0.0.1:9092)",
)
IdleOption = typer.Option(
    10.0, "--idle-timeout", min=0.5,
    help="stop reading a partition that yields nothing for this long (seconds); a safety net "
         "for brokers that report no high watermark",
)


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @property
    def original_topic(self) -> str | None:
        return self.header("dlq_original_topic")

    @property
    def truncated(self) -> bool:
        return self.header("dlq_truncated") == "true"

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    @property
    def size(self) -> int:
        return len(self.value) if self.value is not None else 0


def dlq_topic(name: str) -> str:
    """`court.records.v1` and `court.records.v1.dlq` both name the dead-letter topic."""
    return name if name.endswith(DLQ_SUFFIX) else name + DLQ_SUFFIX


def _servers(bootstrap_servers: str | None) -> str:
    return bootstrap_servers or "127.0.0.1:9092"


def _consumer(bootstrap_servers: str) -> KafkaConsumer:
    try:
        return KafkaConsumer(
            **kafka_client_kwargs("kafka-python"),  # KAFKA_SECURITY_PROTOCOL, ...
            bootstrap_servers=bootstrap_servers,
            client_id="clearway-dlq",
            group_id=None,
            enable_auto_commit=False,
            allow_auto_create_topics=False,
            max_partition_fetch_bytes=4 * MAX_MESSAGE_BYTES,
            bootstrap_timeout_ms=10_000,
        )
    except KafkaError as exc:
        raise _fail(f"no Kafka broker answers at {bootstrap_servers} "
                    f"({type(exc).__name__})") from None


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def existing_topics(bootstrap_servers: str) -> set[str]:
    consumer = _consumer(bootstrap_servers)
    try:
        return set(consumer.topics())
    finally:
        consumer.close()


def read_dead_letters(
    bootstrap_servers: str, topic: str, idle_timeout: float = 10.0
) -> Iterator[DeadLetter]:
    """Every record of `topic`, partition by partition order of arrival, from the beginning
    to the high watermark each fetch reports."""
    consumer = _consumer(bootstrap_servers)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise LookupError(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        pending = set(tps)
        last_progress = time.monotonic()
        while pending:
            batch = consumer.poll(timeout_ms=200, max_records=2000)
            for _tp, records in sorted(batch.items(), key=lambda item: item[0].partition):
                if records:
                    last_progress = time.monotonic()
                for r in records:
                    yield DeadLetter(
                        partition=r.partition, offset=r.offset,
                        timestamp_ms=r.timestamp if r.timestamp and r.timestamp >= 0 else None,
                        key=r.key, value=r.value,
                        headers=tuple((k, v) for k, v in (r.headers or ())),
                    )
            for tp in list(pending):
                highwater = consumer.highwater(tp)
                if highwater is not None and consumer.position(tp) >= highwater:
                    pending.discard(tp)
            if pending and time.monotonic() - last_progress > idle_timeout:
                return
    finally:
        consumer.close()


def _read_or_exit(bootstrap: str, topic: str, idle_timeout: float) -> list[DeadLetter]:
    try:
        return list(read_dead_letters(bootstrap, topic, idle_timeout))
    except LookupError:
        raise _fail(f"no topic {topic}") from None


@app.callback()
def main() -> None:
    """Inspect and replay Clearway dead-letter topics (<topic>.dlq)."""


@app.command("list")
def list_topics(
    topic: str | None = typer.Argument(
        None, help="a dead-letter topic or its original topic (default: every *.dlq topic)"
    ),
    bootstrap_servers: str | None = BootstrapOption,
    idle_timeout: float = IdleOption,
) -> None:
    """Dead-letter topics and how many messages each holds (counted by reading them)."""
    bootstrap = _servers(bootstrap_servers)
    known = existing_topics(bootstrap)
    if topic is not None:
        names = [dlq_topic(topic)]
        if names[0] not in known:
            raise _fail(f"no topic {names[0]}")
    else:
        names = sorted(t for t in known if t.endswith(DLQ_SUFFIX))
    if not names:
        typer.echo("no dead-letter topics")
        return
    width = max(len(n) for n in names)
    typer.echo(f"{'TOPIC':<{width}}  MESSAGES")
    for name in names:
        count = sum(1 for _ in read_dead_letters(bootstrap, name, idle_timeout))
        typer.echo(f"{name:<{width}}  {count}")


def _describe(letter: DeadLetter) -> str:
    original = "{}/{}@{}".format(
        letter.original_topic or "?",
        letter.header("dlq_original_partition") or "?",
        letter.header("dlq_original_offset") or "?",
    )
    when = (
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(letter.timestamp_ms / 1000))
        if letter.timestamp_ms else "?"
    )
    parts = [
        f"partition={letter.partition}",
        f"offset={letter.offset}",
        f"at={when}",
        f"original={original}",
        f"size={letter.size}",
        f"error={letter.header('dlq_error') or '?'!r}",
    ]
    if letter.truncated:
        parts.append("truncated")
    for name in ("ce_type", "ce_id"):
        value = letter.header(name)
        if value:
            parts.append(f"{name}={value}")
    return " ".join(parts)


@app.command()
def show(
    topic: str = typer.Argument(..., help="a dead-letter topic or its original topic"),
    limit: int = typer.Option(20, "--limit", min=1, help="show at most this many"),
    with_value: bool = typer.Option(
        False, "--with-value",
        help="also print each key and value; they can hold personal data",
    ),
    bootstrap_servers: str | None = BootstrapOption,
    idle_timeout: float = IdleOption,
) -> None:
    """Dead letters: where each came from, why, and its size. No values unless asked."""
    name = dlq_topic(topic)
    letters = _read_or_exit(_servers(bootstrap_servers), name, idle_timeout)
    typer.echo(f"{name}: {len(letters)} message(s)")
    for letter in letters[:limit]:
        typer.echo(_describe(letter))
        if with_value:
            key = letter.key.decode(errors="replace") if letter.key is not None else None
            value = letter.value.decode(errors="replace") if letter.value is not None else None
            typer.echo(f"  key: {key}")
            typer.echo(f"  value: {value}")
    if len(letters) > limit:
        typer.echo(f"... {len(letters) - limit} more (use --limit)")


def _parse_offsets(values: list[str]) -> list[tuple[int | None, int]]:
    wanted: list[tuple[int | None, int]] = []
    for raw in values:
        partition, _, offset = raw.rpartition(":")
        try:
            wanted.append((int(partition) if partition else None, int(offset)))
        except ValueError:
            raise typer.BadParameter(
                f"{raw!r}: give OFFSET or PARTITION:OFFSET", param_hint="--offset"
            ) from None
    return wanted


def _select(letters: list[DeadLetter], wanted: list[tuple[int | None, int]]) -> list[DeadLetter]:
    chosen: dict[tuple[int, int], DeadLetter] = {}
    problems: list[str] = []
    for partition, offset in wanted:
        found = [dl for dl in letters
                 if dl.offset == offset and (partition is None or dl.partition == partition)]
        label = f"{partition}:{offset}" if partition is not None else str(offset)
        if not found:
            problems.append(f"no dead letter at {label}")
        elif len(found) > 1:
            where = ", ".join(f"{dl.partition}:{dl.offset}" for dl in found)
            problems.append(f"offset {offset} is in several partitions ({where}): "
                            "give PARTITION:OFFSET")
        else:
            chosen[(found[0].partition, found[0].offset)] = found[0]
    if problems:
        raise _fail("; ".join(problems))
    return [chosen[k] for k in sorted(chosen)]


@app.command()
def replay(
    topic: str = typer.Argument(..., help="a dead-letter topic or its original topic"),
    offset: list[str] | None = typer.Option(
        None, "--offset",
        help="repeatable: OFFSET or PARTITION:OFFSET of a dead letter (see `show`)",
    ),
    replay_all: bool = typer.Option(False, "--all", help="replay every dead letter"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would be replayed"),
    bootstrap_servers: str | None = BootstrapOption,
    idle_timeout: float = IdleOption,
) -> None:
    """Republish dead letters to their original topic.

    Sends the original key, value and headers, without the dlq_ headers. Truncated dead
    letters are skipped (their value is cut). Consumers are idempotent: repeats are harmless.
    """
    if bool(offset) == replay_all:
        raise typer.BadParameter("give --offset (one or more) or --all, not both")
    wanted = _parse_offsets(offset or [])
    bootstrap = _servers(bootstrap_servers)
    name = dlq_topic(topic)
    letters = _read_or_exit(bootstrap, name, idle_timeout)
    chosen = letters if replay_all else _select(letters, wanted)

    default_target = name.removesuffix(DLQ_SUFFIX)
    skipped = [dl for dl in chosen if dl.truncated]
    todo = [dl for dl in chosen if not dl.truncated]
    targets = {dl.original_topic or default_target for dl in todo}
    missing = targets - existing_topics(bootstrap)
    if missing:  # never let a send auto-create a topic with the wrong partition count
        raise _fail(f"original topic(s) missing: {', '.join(sorted(missing))}; "
                    "provision them first (clearway-topics provision)")
    for dl in skipped:
        typer.echo(f"skipped {dl.partition}:{dl.offset}: truncated, its value is incomplete")
    if dry_run:
        for dl in todo:
            typer.echo(f"would replay {dl.partition}:{dl.offset} -> "
                       f"{dl.original_topic or default_target}")
        return
    if todo:
        _republish(bootstrap, todo, default_target)
    per_target: dict[str, int] = {}
    for dl in todo:
        target = dl.original_topic or default_target
        per_target[target] = per_target.get(target, 0) + 1
    summary = ", ".join(f"{n} to {t}" for t, n in sorted(per_target.items())) or "nothing"
    typer.echo(f"replayed {len(todo)} dead letter(s): {summary}")


def _republish(bootstrap: str, letters: list[DeadLetter], default_target: str) -> None:
    producer = KafkaProducer(
        **kafka_client_kwargs("kafka-python"),
        bootstrap_servers=bootstrap,
        client_id="clearway-dlq",
        acks="all",
        enable_idempotence=False,  # consumers dedupe; see ../shared/broker-notes.md
        allow_auto_create_topics=False,
        max_request_size=2 * MAX_MESSAGE_BYTES,
    )
    try:
        futures: list[Any] = [
            producer.send(dl.original_topic or default_target, key=dl.key, value=dl.value,
                          headers=dl.original_headers)
            for dl in letters
        ]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)


if __name__ == "__main__":
    app()
