#!/usr/bin/env python3
"""An integrator's subscriber to Clearway decisions (`eligibility.decisions.v1`).

Needs only kafka-python (`pip install kafka-python`) and the published JSON Schema
docs/schemas/Decision.json; everything else is the standard library. It shows what
docs/integrators.md asks of a consumer:

- its own consumer group, offsets committed only after the messages are handled
  (at-least-once);
- each message checked against the published schema, unknown fields ignored;
- duplicates and stale redeliveries dropped: the current decision of a count
  (subject_id, court, case_number, count) is the one with the highest `version`;
- a `withdrawn` version takes the count out of the current decisions.

It prints one line per new decision version:

    subject_id court case_number count relief version

Run it against the dev stack (`make run` prints the broker address):

    python examples/decisions_subscriber.py --bootstrap 127.0.0.1:9092 --from-beginning

Against a secured Kafka (TLS, SASL), set the same variables the Clearway services read
(docs/security.md): KAFKA_SECURITY_PROTOCOL (SSL, SASL_SSL), KAFKA_SSL_CAFILE,
KAFKA_SSL_CERTFILE, KAFKA_SSL_KEYFILE, KAFKA_SSL_CHECK_HOSTNAME, KAFKA_SASL_MECHANISM
(SCRAM-SHA-512, ...), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer

TOPIC = "eligibility.decisions.v1"
DECISION_TYPE = "org.clearway.eligibility.decision.v1"
DEFAULT_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "schemas" / "Decision.json"


# --- a small JSON Schema checker (the subset the published schemas use) ----------------------

_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES.get(name, object))


def _format_ok(value: str, fmt: str) -> bool:
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
        elif fmt == "date-time":
            parsed = dt.datetime.fromisoformat(value)
            return parsed.tzinfo is not None
    except ValueError:
        return False
    return True


def schema_errors(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None,
                  path: str = "$") -> list[str]:
    """Errors of `value` against `schema`: type, enum, const, required, properties, items,
    anyOf/oneOf, local $ref, min/max, lengths, pattern, date and date-time formats.
    Other keywords are ignored, and so are properties the schema does not name: fields
    may be added to the contract at any time."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(target, value, root, path)
    for keyword in ("anyOf", "oneOf"):
        alternatives = schema.get(keyword)
        if alternatives and all(schema_errors(s, value, root, path) for s in alternatives):
            return [f"{path}: matches none of the allowed forms"]
    errors: list[str] = []
    declared = schema.get("type")
    if declared is not None:
        names = [declared] if isinstance(declared, str) else declared
        if not any(_is_type(value, n) for n in names):
            return [f"{path}: expected {'|'.join(names)}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                errors.extend(schema_errors(sub, value[name], root, f"{path}.{name}"))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors.extend(schema_errors(schema["items"], item, root, f"{path}[{i}]"))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
        if "format" in schema and not _format_ok(value, schema["format"]):
            errors.append(f"{path}: not a valid {schema['format']}")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    return errors


# --- the current decision of each count ------------------------------------------------------


class CurrentDecisions:
    """The latest version seen of each count's decision. Redeliveries (same or lower
    version) are recognised and dropped; that is all the deduplication decisions need.
    A real integrator keeps this in its database, updated in the same transaction as
    whatever it does with the decision, before committing the offset."""

    def __init__(self) -> None:
        self.latest: dict[tuple[str, str, str, int], dict[str, Any]] = {}

    @staticmethod
    def key(decision: dict[str, Any]) -> tuple[str, str, str, int]:
        return (decision["subject_id"], decision["court"], decision["case_number"],
                decision["count"])

    def apply(self, decision: dict[str, Any]) -> str:
        """'new', 'duplicate' (this version again) or 'stale' (an older version)."""
        held = self.latest.get(self.key(decision))
        if held is not None:
            if held["decision_id"] == decision["decision_id"]:
                return "duplicate"
            if decision["version"] <= held["version"]:
                return "stale"
        self.latest[self.key(decision)] = decision
        return "new"

    def current(self) -> list[dict[str, Any]]:
        """Current decisions: the latest version of each count, unless withdrawn."""
        return [d for d in self.latest.values() if d["relief"] != "withdrawn"]


# --- the consumer ------------------------------------------------------------------------------


class RewindOnFirstAssignment(ConsumerRebalanceListener):
    """--from-beginning: start each partition from its first record the first time this
    process is given it, whatever offsets the group committed before."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self.consumer = consumer
        self.rewound: set[Any] = set()

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        fresh = [tp for tp in assigned if tp not in self.rewound]
        if fresh:
            self.consumer.seek_to_beginning(*fresh)
            self.rewound.update(fresh)


def header(headers: list[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name and value is not None:
            return value.decode("utf-8", errors="replace")
    return None


def line(decision: dict[str, Any]) -> str:
    return " ".join(str(decision[f]) for f in
                    ("subject_id", "court", "case_number", "count", "relief", "version"))


def security_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    """kafka-python's TLS and SASL options from the variables the Clearway services read
    (an integrator's copy of `clearway.common.settings.kafka_client_kwargs`, which this
    standalone example cannot import)."""
    env = dict(os.environ if env is None else env)
    protocol = (env.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").upper()
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        options.update(
            ssl_cafile=env.get("KAFKA_SSL_CAFILE") or None,
            ssl_certfile=env.get("KAFKA_SSL_CERTFILE") or None,
            ssl_keyfile=env.get("KAFKA_SSL_KEYFILE") or None,
            ssl_check_hostname=(env.get("KAFKA_SSL_CHECK_HOSTNAME") or "true").lower()
            not in ("0", "false", "no"))
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        password = env.get("KAFKA_SASL_PASSWORD")
        if not password and env.get("KAFKA_SASL_PASSWORD_FILE"):
            password = Path(env["KAFKA_SASL_PASSWORD_FILE"]).read_text(encoding="utf-8").strip()
        options.update(sasl_mechanism=(env.get("KAFKA_SASL_MECHANISM") or "").upper(),
                       sasl_plain_username=env.get("KAFKA_SASL_USERNAME"),
                       sasl_plain_password=password)
    return options


def run(args: argparse.Namespace) -> int:
    schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
    consumer = KafkaConsumer(
        **security_from_env(),
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        client_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a new group starts with the whole history
        session_timeout_ms=args.session_timeout_ms,
        heartbeat_interval_ms=max(500, args.session_timeout_ms // 3),
        allow_auto_create_topics=False,
    )
    if args.from_beginning:
        consumer.subscribe([args.topic], listener=RewindOnFirstAssignment(consumer))
    else:
        consumer.subscribe([args.topic])

    decisions = CurrentDecisions()
    stats = {"read": 0, "printed": 0, "duplicate": 0, "stale": 0, "invalid": 0, "other": 0}
    idle_since: float | None = None
    try:
        while args.max_messages is None or stats["read"] < args.max_messages:
            room = None if args.max_messages is None else args.max_messages - stats["read"]
            batch = consumer.poll(timeout_ms=500, max_records=room)
            records = [r for part in batch.values() for r in part]
            if not records:
                if consumer.assignment():  # idle only counts once we are in the group
                    idle_since = idle_since or time.monotonic()
                    if args.idle_timeout and time.monotonic() - idle_since >= args.idle_timeout:
                        break
                continue
            idle_since = None
            for record in records:
                stats["read"] += 1
                where = f"{record.partition}@{record.offset}"
                if header(record.headers, "ce_type") != DECISION_TYPE:
                    stats["other"] += 1  # some other kind of message: not ours to read
                    continue
                try:
                    decision = json.loads(record.value)
                except (TypeError, ValueError):
                    decision = None
                problems = ["not JSON"] if decision is None else schema_errors(schema, decision)
                if problems:
                    stats["invalid"] += 1
                    print(f"skipping invalid decision at {where}: {'; '.join(problems[:3])}",
                          file=sys.stderr)
                    continue
                outcome = decisions.apply(decision)
                if outcome == "new":
                    stats["printed"] += 1
                    print(line(decision), flush=True)
                else:
                    stats[outcome] += 1
            consumer.commit()  # only after the batch was handled: at-least-once
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    print(", ".join(f"{k} {v}" for k, v in stats.items())
          + f"; current decisions {len(decisions.current())}", file=sys.stderr)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap",
                        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                        help="Kafka bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS)")
    parser.add_argument("--group", default="example-decisions-subscriber",
                        help="consumer group: one per integrating system, never a clearway-* one")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--schema", default=str(DEFAULT_SCHEMA),
                        help="the published JSON Schema of Decision")
    parser.add_argument("--from-beginning", action="store_true",
                        help="reread the topic from its start, whatever the group committed")
    parser.add_argument("--max-messages", type=int, default=None,
                        help="stop after reading this many messages")
    parser.add_argument("--idle-timeout", type=float, default=None,
                        help="stop after this many seconds without a message")
    parser.add_argument("--session-timeout-ms", type=int, default=10000,
                        help="consumer group session timeout (6000 suits the dev broker)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse_args()))
