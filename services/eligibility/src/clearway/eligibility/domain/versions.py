"""Versioning: compare freshly computed outcomes with the current decisions and produce
only what changed, as version n+1 superseding version n."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clearway.common.events import Decision, Reason
from clearway.eligibility.rulepacks import default_pack, packs
from clearway.eligibility.rulepacks.engine import Outcome

_IDS = uuid.UUID("0c1e4a3b-7d62-4c55-9a51-6f1d3b2a9e10")
_IDS_BYTES = _IDS.bytes

CountKey = tuple[str, str, int]


@dataclass(frozen=True)
class Current:
    """The latest published version of a count's decision."""

    decision_id: str
    version: int
    statute: str
    relief: str
    procedure: str | None
    reason_codes: tuple[str, ...]
    policy: str
    rule_pack: str
    rule_pack_version: str


def decision_id(subject_id: str, key: CountKey, version: int) -> str:
    """uuid5 of the count and version in Clearway's namespace: the same decision gets the
    same id on every worker and every recompute."""
    court, case_number, count = key
    name = f"{subject_id}|{court}|{case_number}|{count}|{version}".encode()
    # What str(uuid.uuid5(_IDS, name)) gives, in string operations: a third of its cost,
    # which mattered at one id per decision (bench/README.md).
    digest = hashlib.sha1(_IDS_BYTES + name).hexdigest()
    variant = "89ab"[int(digest[16], 16) & 3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"


def _same(current: Current, outcome: Outcome) -> bool:
    """Whether the outcome decides what the current version decides. A new rule pack
    version that only rewords a reason or corrects its citation publishes nothing for
    the counts it decides the same way: re-deciding everyone under a new version publishes
    exactly the counts whose relief, procedure, reasons or policy changed."""
    return (
        current.statute == outcome.statute
        and current.relief == outcome.relief
        and current.procedure == outcome.procedure
        and current.reason_codes == outcome.reason_codes
        and current.policy == outcome.policy
    )


def _withdrawn_reason(rule_pack: str) -> tuple[Reason, str, str]:
    """The withdrawing reason of the pack that decided the count (its current version)."""
    pack = next((p for p in packs() if p.name == rule_pack), None) or default_pack()
    return pack.withdrawn.reason(None), pack.name, pack.version


def changes(
    subject_id: str,
    outcomes: Iterable[Outcome],
    current: Mapping[CountKey, Current],
    as_of: dt.date,
    decided_at: dt.datetime,
) -> list[Decision]:
    """The decisions to publish: new or changed counts, and a `withdrawn` version for each
    count that has left scope."""
    out: list[Decision] = []
    seen: set[CountKey] = set()
    for outcome in outcomes:
        seen.add(outcome.key)
        prior = current.get(outcome.key)
        if prior is not None and _same(prior, outcome):
            continue
        out.append(_decision(subject_id, outcome.key, prior, outcome.statute, outcome.relief,
                             outcome.procedure, outcome.reasons, outcome.policy,
                             (outcome.rule_pack, outcome.rule_pack_version), as_of, decided_at))
    for key, prior in sorted(current.items()):
        if key not in seen and prior.relief != "withdrawn":
            reason, pack, version = _withdrawn_reason(prior.rule_pack)
            out.append(_decision(subject_id, key, prior, prior.statute, "withdrawn", None,
                                 (reason,), prior.policy, (pack, version), as_of, decided_at))
    return out


def _decision(
    subject_id: str,
    key: CountKey,
    prior: Current | None,
    statute: str,
    relief: str,
    procedure: str | None,
    reasons: tuple[Reason, ...],
    policy: str,
    rule_pack: tuple[str, str],
    as_of: dt.date,
    decided_at: dt.datetime,
) -> Decision:
    version = prior.version + 1 if prior else 1
    court, case_number, count = key
    return Decision(
        decision_id=decision_id(subject_id, key, version),
        subject_id=subject_id,
        court=court,
        case_number=case_number,
        count=count,
        statute=statute,
        relief=relief,  # type: ignore[arg-type]
        procedure=procedure,  # type: ignore[arg-type]
        reasons=list(reasons),
        policy=policy,
        rule_pack=rule_pack[0],
        rule_pack_version=rule_pack[1],
        version=version,
        supersedes=prior.decision_id if prior else None,
        as_of=as_of,
        decided_at=decided_at,
    )


def current_of(decision: Decision) -> Current:
    return Current(decision.decision_id, decision.version, decision.statute, decision.relief,
                   decision.procedure, tuple(r.code for r in decision.reasons), decision.policy,
                   decision.rule_pack, decision.rule_pack_version)
