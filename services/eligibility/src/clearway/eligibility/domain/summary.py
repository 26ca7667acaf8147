"""A court's summary: decisions by statute and relief, and how many people would be left
with no felony and with no conviction at all once every granted relief goes through."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from clearway.common.events import Decision
from clearway.eligibility.domain.history import History

LEVEL_AFTER = {"reduce_to_misdemeanor": "misdemeanor", "reduce_to_infraction": "infraction"}


@dataclass
class CourtSummary:
    court: str
    people: int = 0
    by_relief: Counter[str] = field(default_factory=Counter)
    by_statute: dict[str, Counter[str]] = field(default_factory=dict)
    people_granted_relief: int = 0
    people_left_with_no_felony: int = 0
    people_left_with_no_conviction: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "court": self.court,
            "people": self.people,
            "counts_by_relief": dict(sorted(self.by_relief.items())),
            "counts_by_statute": {s: dict(sorted(c.items()))
                                  for s, c in sorted(self.by_statute.items())},
            "people_granted_relief": self.people_granted_relief,
            "people_left_with_no_felony": self.people_left_with_no_felony,
            "people_left_with_no_conviction": self.people_left_with_no_conviction,
        }


def summarise(court: str, people: Iterable[tuple[History, list[Decision]]]) -> CourtSummary:
    summary = CourtSummary(court)
    for history, current in people:
        mine = [d for d in current if d.court == court]
        if not mine:
            continue
        summary.people += 1
        for d in mine:
            summary.by_relief[d.relief] += 1
            summary.by_statute.setdefault(d.statute, Counter())[d.relief] += 1
        if not any(d.grants_relief for d in mine):
            continue
        summary.people_granted_relief += 1
        relief_of = {(d.court, d.case_number, d.count): d.relief for d in current}
        remaining = []
        for count in history.counts:
            if not count.convicted:
                continue
            relief = relief_of.get(count.key)
            if relief == "dismiss_and_seal":
                continue
            remaining.append(LEVEL_AFTER.get(relief or "", count.level))
        if "felony" not in remaining:
            summary.people_left_with_no_felony += 1
        if not remaining:
            summary.people_left_with_no_conviction += 1
    return summary
