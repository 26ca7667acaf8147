"""A case's motion lifecycle, pure (no I/O).

    draft -> ready -> included_in_bulk -> filed -> granted | denied
      \\________\\______________\\__________\\___-> withdrawn

- A motion is created as a `draft` for the granted counts of one case. It becomes `ready`
  once its PDF is rendered, which needs the court record (name, birth date, counts).
- `included_in_bulk` when a bulk motion of its court lists it; `filed` when that bulk
  motion (or the motion itself) is filed with the court.
- A court order (`court_order` record event) on any count of a pending motion rules on it:
  `granted` or `denied`. A later order granting another count of a denied motion turns it
  `granted` (granted in part). Counts the court has ruled on never get a new motion.
- A superseding decision that removes or changes the relief of a pending motion (its set
  of (count, statute, relief, procedure) changes) withdraws it; when counts are still
  granted, a new motion replaces it. A correction of the court record that changes what
  the motion says (name, birth date, offense, level, conviction date) does the same, so a
  motion's document never changes once rendered.

At most one motion of a case is pending at a time.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from clearway.filing.domain.motion import MotionContent

PENDING = ("draft", "ready", "included_in_bulk", "filed")
RULED = ("granted", "denied")
FINAL = ("granted", "denied", "withdrawn")
STATUSES = (*PENDING, *FINAL)

# Every allowed transition; anything else is a bug (`check_transition`).
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"ready", "withdrawn", "granted", "denied"}),
    "ready": frozenset({"included_in_bulk", "filed", "withdrawn", "granted", "denied"}),
    "included_in_bulk": frozenset({"filed", "withdrawn", "granted", "denied"}),
    "filed": frozenset({"withdrawn", "granted", "denied"}),
    "denied": frozenset({"granted"}),  # another count of the motion granted: granted in part
    "granted": frozenset(),
    "withdrawn": frozenset(),
}

_IDS = uuid.UUID("7a0d3f4e-9b1c-4f2e-8d6a-5c3b2a1f0e99")


class InvalidTransition(ValueError):
    pass


def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"a {current} motion cannot become {new}")


@dataclass(frozen=True, order=True)
class Grant:
    """One count's granted relief, as the current decision says."""

    count: int
    statute: str
    relief: str
    procedure: str
    decision_id: str

    def signature(self) -> tuple[int, str, str, str]:
        """What the motion asks for this count; the decision id is only a reference."""
        return (self.count, self.statute, self.relief, self.procedure)


@dataclass(frozen=True)
class PendingMotion:
    motion_id: str
    status: str
    grants: tuple[Grant, ...]
    facts_sha256: str | None = None  # fingerprint of the content it was rendered from


@dataclass(frozen=True)
class Plan:
    withdraw: str | None = None  # motion id to withdraw
    create: tuple[Grant, ...] = ()  # grants of a new motion
    render: bool = False  # the pending draft can be rendered now

    @property
    def changes(self) -> bool:
        return bool(self.withdraw or self.create or self.render)


def signatures(grants: Iterable[Grant]) -> list[tuple[int, str, str, str]]:
    return sorted(g.signature() for g in grants)


def plan(
    pending: PendingMotion | None,
    grants: Iterable[Grant],
    *,
    ruled: Iterable[int] = (),
    facts_sha256: str | None = None,
) -> Plan:
    """What to do with a case, given its pending motion (if any), the granted counts of its
    current decisions, the counts a court has already ruled on, and the fingerprint of what a
    motion for those counts would say now (`None` while the court record is missing)."""
    done = set(ruled)
    wanted = tuple(sorted(g for g in grants if g.count not in done))
    if pending is None:
        return Plan(create=wanted)
    same_relief = signatures(pending.grants) == signatures(wanted)
    same_facts = (facts_sha256 is None or pending.facts_sha256 is None
                  or pending.facts_sha256 == facts_sha256)
    if same_relief and same_facts:
        return Plan(render=pending.status == "draft" and facts_sha256 is not None)
    return Plan(withdraw=pending.motion_id, create=wanted)


def status_after_order(status: str, outcome: str) -> str | None:
    """The status a court order on one of a motion's counts moves it to (None: no change)."""
    if status in PENDING:
        return outcome
    if status == "denied" and outcome == "granted":
        return "granted"
    return None


def facts_fingerprint(content: MotionContent) -> str:
    """SHA-256 of what a motion says about the case and the person, without the date it was
    prepared and the decision ids it cites: a change here calls for a new motion."""
    d = content.defendant
    data = {
        "court": content.court,
        "case_number": content.case_number,
        "defendant": [d.subject_id, d.first_name, d.last_name, d.date_of_birth.isoformat()],
        "counts": [
            [c.count, c.statute, c.description, c.level, c.conviction_date.isoformat(),
             c.relief, c.procedure]
            for c in content.sorted_counts
        ],
    }
    return hashlib.sha256(orjson.dumps(data)).hexdigest()


def motion_id(subject_id: str, court: str, case_number: str, sequence: int) -> str:
    """Deterministic: the n-th motion of a case has the same id however often it is built."""
    return str(uuid.uuid5(_IDS, f"{subject_id}|{court}|{case_number}|{sequence}"))


def bulk_motion_id(court: str, sequence: int) -> str:
    return str(uuid.uuid5(_IDS, f"bulk|{court}|{sequence}"))
