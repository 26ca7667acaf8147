"""County policies (contract 4.5): a named, versioned document on top of the statute, read
and checked here, and built into a policy of the ca-prop64 pack. Pure: the document is
given, never read from disk here.

How a document decides a count, in order:
1. Rules 1 and 2 (dates, unreadable statutes) and a missing birth date stand.
2. A minor follows `juveniles`: `needs_review` (rule 3), `reduce_to_infraction`
   (`POLICY_REDUCE`) or `dismiss` (`POLICY_DISMISS`).
3. The statutory rules (4.2) decide, with rule 6's definite bars giving `bars` (possible bars
   always go to review).
4. The count's section follows its `baseline`: `statutory` keeps the statute's answer, but a
   misdemeanor of rule 7 follows `misdemeanors`; `dismiss` dismisses and seals whatever the
   statute did not (`POLICY_DISMISS`); `reduce` reduces a felony the statute did not grant
   (`POLICY_REDUCE`), and a misdemeanor or infraction follows `misdemeanors`.
5. A reduction becomes a dismissal when any `additional_relief` option holds, naming each
   that holds (`RELIEF_*`).
6. With `related_charges`, the listed related counts of a case with a granted count are
   dismissed without sealing (`RELATED_CHARGE`).
A grant the statute gives keeps the statute's reason (HS 11361.8); a grant beyond it names
the option and cites PC 1385.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.ca_prop64.policies import STATEWIDE
from clearway.eligibility.rulepacks.ca_prop64.rules import (
    additional_relief,
    after_prop64,
    age_unknown,
    conduct_date_unknown,
    juvenile,
    policy_dismiss,
    policy_reduce,
    possible_cannabis_count,
    related_charge,
    still_a_misdemeanor,
    unparseable_statute,
)
from clearway.eligibility.rulepacks.model import Bar, Bars, DerivedPolicy, Policy, Rule, Verdict

Section = Literal["HS 11357", "HS 11358", "HS 11359", "HS 11360"]
REDUCTIONS = ("reduce_to_misdemeanor", "reduce_to_infraction")
GRANTS = ("dismiss_and_seal", *REDUCTIONS)
# Verdicts no county option changes: the dates, unreadable statutes, unknown age.
STANDING = frozenset(r.code for r in (after_prop64.RULE, conduct_date_unknown.RULE,
                                      unparseable_statute.RULE, possible_cannabis_count.RULE,
                                      age_unknown.RULE))


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdditionalRelief(Closed):
    under_21_at_conviction: bool = False
    age_at_least: int | None = Field(default=None, ge=1, le=120)
    years_since_conviction: int | None = Field(default=None, ge=0, le=100)
    years_crime_free: int | None = Field(default=None, ge=0, le=100)
    only_prop64_convictions: bool = False
    deceased: bool = False


class CountyPolicyDocument(Closed):
    """A county policy as contract 4.5 writes it (YAML or JSON)."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: int = Field(ge=1)
    baseline: dict[Section, Literal["dismiss", "reduce", "statutory"]] = Field(
        default_factory=dict, description="per section; a section left out is statutory")
    misdemeanors: Literal["dismiss", "statutory"] = "statutory"
    bars: Literal["not_eligible", "needs_review"] = "not_eligible"
    juveniles: Literal["needs_review", "reduce_to_infraction", "dismiss"] = "needs_review"
    additional_relief: AdditionalRelief = Field(default_factory=AdditionalRelief)
    related_charges: bool = False

    @property
    def label(self) -> str:
        """The name decisions carry in `policy` (contract 3)."""
        return self.name


def additional_relief_units(options: AdditionalRelief) -> tuple[Rule, ...]:
    found: list[Rule] = []
    if options.under_21_at_conviction:
        found.append(additional_relief.under_21_at_conviction())
    if options.age_at_least is not None:
        found.append(additional_relief.age_at_least(options.age_at_least))
    if options.years_since_conviction is not None:
        found.append(additional_relief.years_since_conviction(options.years_since_conviction))
    if options.years_crime_free is not None:
        found.append(additional_relief.years_crime_free(options.years_crime_free))
    if options.only_prop64_convictions:
        found.append(additional_relief.only_prop64_convictions())
    if options.deceased:
        found.append(additional_relief.deceased())
    return tuple(found)


def build(doc: CountyPolicyDocument) -> Policy:
    """The policy that decides as `doc` says (see the module's docstring)."""
    base = replace(STATEWIDE, name=f"{doc.name}/statutory", steps=tuple(
        replace(step, definite_relief=doc.bars) if isinstance(step, Bars) else step
        for step in STATEWIDE.steps))
    extra = additional_relief_units(doc.additional_relief)
    baseline = {section.split()[1]: choice for section, choice in doc.baseline.items()}
    reduce_minor = Verdict("reduce_to_infraction", (policy_reduce.RULE,))
    dismiss = Verdict("dismiss_and_seal", (policy_dismiss.RULE,))
    reduce = Verdict("reduce_to_misdemeanor", (policy_reduce.RULE,))

    def by_county(facts: Facts, verdict: Verdict) -> Verdict:
        first = verdict.units[0]
        if first.code in STANDING or isinstance(first, Bar):
            return verdict
        if first is juvenile.RULE:
            verdict = {"needs_review": verdict, "reduce_to_infraction": reduce_minor,
                       "dismiss": dismiss}[doc.juveniles]
        else:
            choice = baseline.get(facts.section or "", "statutory")
            misdemeanor_to_dismiss = doc.misdemeanors == "dismiss" and not facts.felony
            if choice == "dismiss" and verdict.relief != "dismiss_and_seal":
                verdict = dismiss
            elif choice == "reduce" and verdict.relief not in GRANTS:
                if facts.felony:
                    verdict = reduce
                elif misdemeanor_to_dismiss:
                    verdict = dismiss
            elif first is still_a_misdemeanor.RULE and misdemeanor_to_dismiss:
                verdict = dismiss
        if verdict.relief in REDUCTIONS and extra:
            holding = tuple(u for u in extra if u.when(facts))
            if holding:
                return Verdict("dismiss_and_seal", holding)
        return verdict

    return DerivedPolicy(
        name=doc.name, summary=f"County policy {doc.name}, version {doc.version} (4.5).",
        steps=(), base=base, then=by_county,
        option_units=(policy_dismiss.RULE, policy_reduce.RULE, *extra),
        related=related_charge.RELATED if doc.related_charges else None)
