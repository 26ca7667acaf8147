"""What a rule pack is made of, independent of any state's law. Pure: no I/O.

A rule pack (`RulePack`) is a named, versioned set of policies. A policy (`Policy`) is an
ordered list of steps; the first step that gives a verdict decides a count. Each step is
built from units that hold together what a lawyer reads and what the code runs:

- a `Rule`: a condition, the relief it gives, its reason code, its plain-English text and
  its citation;
- a `Bar`: a condition that disqualifies a count, `definite` when the record settles it
  and possible otherwise, with its code, text and citation;
- the steps that combine them: the rule alone (`Rule` is a step), `Bars` (definite bars
  give one relief, possible bars another, every bar that holds is listed) and `Collect`
  (every unit that holds is listed, under one relief).

A citation may depend on the section of the count decided (`Citation.by_section`): every
reason cites the subdivision of the count's own section first where the law has one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from clearway.common.events import Reason

# Reliefs that grant something and so carry a procedure (contract section 3).
GRANTED = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction", "dismiss")

RELIEF_WORDS = {
    "dismiss_and_seal": "dismiss and seal",
    "reduce_to_misdemeanor": "reduce to a misdemeanor",
    "reduce_to_infraction": "reduce to an infraction",
    "dismiss": "dismiss (without sealing)",
    "not_eligible": "not eligible",
    "needs_review": "needs review",
}


@dataclass(frozen=True)
class Citation:
    """Where the law says it: one text, or one per section of the count decided."""

    default: str
    by_section: Mapping[str, str] = field(default_factory=dict)

    def for_section(self, section: str | None) -> str:
        if section is None:
            return self.default
        return self.by_section.get(section, self.default)

    def variants(self) -> list[tuple[str | None, str]]:
        """(section or None for the default, citation), as RULES.md lists them."""
        out: list[tuple[str | None, str]] = [(s, c) for s, c in sorted(self.by_section.items())]
        if not self.by_section or self.default not in self.by_section.values():
            out.append((None, self.default))
        return out


class CountFacts(Protocol):
    """What a pack's conditions read: the count being decided, with the facts derived
    from the person's whole history. Each pack defines its own (see its `facts.py`)."""

    @property
    def section(self) -> str | None: ...


Condition = Callable[[Any], bool]


@dataclass(frozen=True)
class Unit:
    """A reason a decision can give: its code, text, citation and condition. `sections`,
    when given, are the only sections its condition can hold for: a policy skips the unit
    for a count of any other section (a test checks the two agree)."""

    code: str
    condition: str  # the condition in plain English (RULES.md)
    text: str  # the reason's text on every decision that gives it
    citation: Citation
    when: Condition
    sections: frozenset[str] | None = None

    def may_hold_for(self, section: str | None) -> bool:
        return self.sections is None or section in self.sections

    def holds(self, facts: Any) -> bool:
        return bool(self.when(facts))

    def reason(self, section: str | None) -> Reason:
        return _reason(self.code, self.text, self.citation.for_section(section))


@dataclass(frozen=True)
class Rule(Unit):
    """A unit that decides a count on its own when its condition holds."""

    relief: str = "needs_review"

    def __post_init__(self) -> None:
        # The rule's one verdict, made once: most counts are decided by a single rule.
        object.__setattr__(self, "_verdict", Verdict(self.relief, (self,)))

    def for_section(self, section: str | None) -> Rule | None:
        return self if self.may_hold_for(section) else None

    def verdict(self, facts: Any) -> Verdict | None:
        return self._verdict if self.when(facts) else None  # type: ignore[attr-defined]

    def describe(self) -> list[str]:
        return [f"{self.condition}: {RELIEF_WORDS[self.relief]} (`{self.code}`)."]


@dataclass(frozen=True)
class Bar(Unit):
    """A disqualifier. `definite` when the record settles it; otherwise a reviewer must."""

    definite: bool = True


@dataclass(frozen=True)
class Verdict:
    relief: str
    units: tuple[Unit, ...]
    # The reasons for each section, made once per verdict object (a rule's is shared).
    _reasons: dict[str | None, tuple[Reason, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def reasons(self, section: str | None) -> tuple[Reason, ...]:
        found = self._reasons.get(section)
        if found is None:
            found = self._reasons[section] = tuple(u.reason(section) for u in self.units)
        return found


@dataclass(frozen=True)
class Bars:
    """Every bar that applies: definite ones give `definite_relief` listing each of them;
    failing those, possible ones give `possible_relief` listing each of them."""

    applies: Condition
    applies_text: str
    bars: tuple[Bar, ...]
    definite_relief: str = "not_eligible"
    possible_relief: str = "needs_review"

    def for_section(self, section: str | None) -> Bars | None:
        bars = tuple(b for b in self.bars if b.may_hold_for(section))
        return replace(self, bars=bars) if bars else None

    def verdict(self, facts: Any) -> Verdict | None:
        if not self.applies(facts):
            return None
        holding = [b for b in self.bars if b.when(facts)]
        definite = tuple(b for b in holding if b.definite)
        if definite:
            return Verdict(self.definite_relief, definite)
        if holding:
            return Verdict(self.possible_relief, tuple(holding))
        return None

    def describe(self) -> list[str]:
        definite = ", ".join(f"`{b.code}`" for b in self.bars if b.definite)
        possible = ", ".join(f"`{b.code}`" for b in self.bars if not b.definite)
        return [f"{self.applies_text}: with any definite bar, "
                f"{RELIEF_WORDS[self.definite_relief]}, listing every one that holds "
                f"({definite}); otherwise, with only possible bars, "
                f"{RELIEF_WORDS[self.possible_relief]} ({possible}). The bars:",
                *(f"   - `{b.code}` ({'definite' if b.definite else 'possible'}): "
                  f"{b.condition}." for b in self.bars)]


@dataclass(frozen=True)
class Collect:
    """Every unit in `units` that holds (where `applies`) gives `relief`, listing each."""

    applies: Condition
    applies_text: str
    units: tuple[Unit, ...]
    relief: str = "needs_review"

    def for_section(self, section: str | None) -> Collect | None:
        units = tuple(u for u in self.units if u.may_hold_for(section))
        return replace(self, units=units) if units else None

    def verdict(self, facts: Any) -> Verdict | None:
        if not self.applies(facts):
            return None
        holding = tuple(u for u in self.units if u.when(facts))
        return Verdict(self.relief, holding) if holding else None

    def describe(self) -> list[str]:
        codes = ", ".join(f"`{u.code}`" for u in self.units)
        return [f"{self.applies_text}: when any of these holds, {RELIEF_WORDS[self.relief]}, "
                f"listing every one that holds ({codes})."]


Step = Rule | Bars | Collect


@dataclass(frozen=True)
class RelatedCharges:
    """Charges a policy dismisses (without sealing) in a case where it grants a count."""

    is_related: Condition  # of a count record
    unit: Unit
    relief: str = "dismiss"


@dataclass(frozen=True)
class Policy:
    """A named way to decide: its steps in order, first verdict wins."""

    name: str
    summary: str
    steps: tuple[Step, ...]
    # Counts outside the pack's scope that this policy also decides, in a case where it
    # grants a count (a county's related charges, contract 4.5); None: none.
    related: RelatedCharges | None = None
    # The steps that can give a verdict for a count of each section, made on first use: a
    # count runs its own section's few rules instead of every rule of the pack.
    _plans: dict[str | None, tuple[Step, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def steps_for(self, section: str | None) -> tuple[Step, ...]:
        plan = self._plans.get(section)
        if plan is None:
            found = (step.for_section(section) for step in self.steps)
            plan = self._plans[section] = tuple(s for s in found if s is not None)
        return plan

    def decide(self, facts: Any) -> Verdict:
        for step in self.steps_for(facts.section):
            verdict = step.verdict(facts)
            if verdict is not None:
                return verdict
        raise LookupError(f"policy {self.name} has no step for this count")  # a pack bug

    def units(self) -> Iterable[Unit]:
        if self.related is not None:
            yield self.related.unit
        for step in self.steps:
            if isinstance(step, Rule):
                yield step
            elif isinstance(step, Bars):
                yield from step.bars
            else:
                yield from step.units


class FactsBuilder(Protocol):
    def __call__(self, count: Any, history: Any, as_of: dt.date) -> Any: ...


@dataclass(frozen=True)
class RulePack:
    """A rule pack: what is in scope, how a count's facts are read, and its policies."""

    name: str
    version: str
    title: str
    in_scope: Callable[[Any], bool]
    facts: FactsBuilder
    policies: tuple[Policy, ...]
    withdrawn: Unit  # the reason of a last version once a count leaves scope
    scope_text: str
    procedure_text: str
    # The reason of a count whose outcome depends on which court's view of the person is
    # right (their dates of birth differ); None: a pack that reads no personal facts.
    identity_conflict: Unit | None = None
    notes: tuple[str, ...] = ()  # where the pack departs from its source text, and why
    appendix: Callable[[], list[str]] = field(default=lambda: [])  # more RULES.md lines
    source_module: str = ""

    def policy(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)

    def units(self) -> list[Unit]:
        """Every unit of every policy once, in the order they first appear."""
        seen: dict[str, Unit] = {}
        for policy in self.policies:
            for unit in policy.units():
                seen.setdefault(unit.code, unit)
        seen.setdefault(self.withdrawn.code, self.withdrawn)
        if self.identity_conflict is not None:
            seen.setdefault(self.identity_conflict.code, self.identity_conflict)
        return list(seen.values())


_REASONS: dict[tuple[str, str, str], Reason] = {}


def _reason(code: str, text: str, citation: str) -> Reason:
    """One shared Reason model per (code, text, citation): a decision path builds many."""
    key = (code, text, citation)
    found = _REASONS.get(key)
    if found is None:
        found = _REASONS[key] = Reason(code=code, text=text, citation=citation)
    return found


@dataclass(frozen=True)
class DerivedPolicy(Policy):
    """A policy that decides as `base` does, then changes the verdict (a county's options
    on top of the statutory rules, contract 4.5)."""

    base: Policy | None = None
    then: Callable[[Any, Verdict], Verdict] = field(default=lambda facts, verdict: verdict)
    option_units: tuple[Unit, ...] = ()

    def decide(self, facts: Any) -> Verdict:
        assert self.base is not None
        return self.then(facts, self.base.decide(facts))

    def units(self) -> Iterable[Unit]:
        assert self.base is not None
        yield from self.base.units()
        yield from self.option_units
        if self.related is not None:
            yield self.related.unit
