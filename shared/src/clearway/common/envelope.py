"""CloudEvents binary-mode envelope: the event's JSON is the value, attributes are headers."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from pydantic import BaseModel

Headers = list[tuple[str, bytes]]

CE_TYPES = {
    "RecordEvent": "org.clearway.court.record.v1",
    "Decision": "org.clearway.eligibility.decision.v1",
    "MotionEvent": "org.clearway.filing.motion.v1",
    "BulkMotionEvent": "org.clearway.filing.bulk_motion.v1",
    "DeliveryEvent": "org.clearway.notify.delivery.v1",
}


class Envelope(NamedTuple):  # one per record consumed: cheaper than a frozen dataclass
    ce_id: str
    ce_type: str
    ce_source: str
    ce_time: str
    traceparent: str | None = None


_ids = random.Random()  # trace ids need to be unique, not secret: no syscall per message


def new_traceparent() -> str:
    """A W3C trace context header starting a new trace."""
    return f"00-{_ids.getrandbits(128):032x}-{_ids.getrandbits(64):016x}-01"


def child_traceparent(parent: str | None) -> str:
    """The same trace, a new span: what a message caused by `parent` carries."""
    parts = (parent or "").split("-")
    if len(parts) != 4 or len(parts[1]) != 32:
        return new_traceparent()
    return f"00-{parts[1]}-{_ids.getrandbits(64):016x}-{parts[3]}"


@lru_cache(maxsize=64)
def _isoformat(time: dt.datetime, offset: dt.timedelta | None) -> str:
    # A batch's messages share their time: formatted once. The offset is part of the key
    # because equal instants at different offsets are equal datetimes, not equal strings.
    return time.isoformat()


def encode(
    model: BaseModel,
    *,
    source: str,
    ce_id: str | None = None,
    traceparent: str | None = None,
    time: dt.datetime | None = None,
) -> tuple[bytes, Headers]:
    """Serialise a contract model to (value, headers). `ce_id` defaults to a new UUID."""
    value = model.__pydantic_serializer__.to_json(model)  # in pydantic's core: no dict between
    time = time or dt.datetime.now(dt.UTC)
    when = _isoformat(time, time.utcoffset())
    headers: Headers = [
        ("ce_id", (ce_id or str(uuid.uuid4())).encode()),
        ("ce_type", CE_TYPES[type(model).__name__].encode()),
        ("ce_source", source.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_time", when.encode()),
        ("content-type", b"application/json"),
        ("traceparent", (traceparent or new_traceparent()).encode()),
    ]
    return value, headers


def header(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode(errors="replace") if value is not None else None
    return None


_ENVELOPE_HEADERS = frozenset(("ce_id", "ce_type", "ce_source", "ce_time", "traceparent"))


def read_envelope(headers: Sequence[tuple[str, bytes]] | None) -> Envelope | None:
    found: dict[str, str | None] = {}
    for key, value in headers or ():  # one pass (this runs per record); the first wins
        if key in _ENVELOPE_HEADERS and key not in found:
            found[key] = value.decode(errors="replace") if value is not None else None
    ce_id, ce_type = found.get("ce_id"), found.get("ce_type")
    if not ce_id or not ce_type:
        return None
    return Envelope(
        ce_id=ce_id,
        ce_type=ce_type,
        ce_source=found.get("ce_source") or "",
        ce_time=found.get("ce_time") or "",
        traceparent=found.get("traceparent"),
    )
