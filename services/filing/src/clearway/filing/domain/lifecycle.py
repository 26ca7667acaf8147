"""A case's motion lifecycle, pure: given the case's currently granted counts and its
pending motion, what to do. draft -> ready -> included_in_bulk -> filed -> granted |
denied; any pending motion may be withdrawn when a superseding decision removes or changes
its relief (a changed relief withdraws it and a new motion replaces it)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

PENDING = ("draft", "ready", "included_in_bulk", "filed")
FINAL = ("granted", "denied", "withdrawn")
_IDS = uuid.UUID("7a0d3f4e-9b1c-4f2e-8d6a-5c3b2a1f0e99")


@dataclass(frozen=True, order=True)
class Grant:
    """One count's granted relief, as the current decision says."""

    count: int
    statute: str
    relief: str
    procedure: str
    decision_id: str

    def signature(self) -> tuple[int, str, str, str]:
        return (self.count, self.statute, self.relief, self.procedure)


@dataclass(frozen=True)
class PendingMotion:
    motion_id: str
    status: str
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class Plan:
    withdraw: str | None = None
    create: tuple[Grant, ...] = ()


def plan(pending: PendingMotion | None, grants: list[Grant]) -> Plan:
    wanted = tuple(sorted(grants))
    if pending is None:
        return Plan(create=wanted) if wanted else Plan()
    same = [g.signature() for g in pending.grants] == [g.signature() for g in wanted]
    if same:
        return Plan()
    return Plan(withdraw=pending.motion_id, create=wanted)


def motion_id(subject_id: str, court: str, case_number: str, sequence: int) -> str:
    return str(uuid.uuid5(_IDS, f"{subject_id}|{court}|{case_number}|{sequence}"))


def bulk_motion_id(court: str, sequence: int) -> str:
    return str(uuid.uuid5(_IDS, f"bulk|{court}|{sequence}"))
