"""Rule 6: two or more convictions before the count that the statute counts: the same
section, at 18 or over; for 11358 only more than six plants (or an unknown number), for
11360 none for a small amount (11360(b) before the Act)."""
from clearway.eligibility.domain.history import CountRecord
from clearway.eligibility.rulepacks.ca_prop64.bars.citations import TWO_PRIORS, own_section_first
from clearway.eligibility.rulepacks.ca_prop64.facts import (
    BARRABLE_SECTIONS,
    MAX_PERSONAL_PLANTS,
    YOUNG_ADULT_AGE,
    Facts,
    is_small_amount_11360,
    prop64_section,
)
from clearway.eligibility.rulepacks.model import Bar


def counted_prior(facts: Facts, prior: CountRecord) -> bool:
    if prior.statute is None or prop64_section(prior.statute) != facts.section:
        return False
    age = facts.age_at(prior)
    if age is None or age < YOUNG_ADULT_AGE:
        return False
    if facts.section == "11358":
        return prior.plants is None or prior.plants > MAX_PERSONAL_PLANTS
    if facts.section == "11360":
        return not is_small_amount_11360(prior)
    return True


def _two(facts: Facts) -> bool:
    return facts.subject_to_bars and sum(counted_prior(facts, c) for c in facts.priors) >= 2


BAR = Bar(
    code="TWO_PRIORS_SAME_SECTION",
    definite=True,
    condition="two or more convictions of the same section before the count, each at 18 or "
              "over; for HS 11358 only those of more than six plants or an unknown number, "
              "for HS 11360 none for a small amount (11360(b) before the Act)",
    text="Before this conviction, the person had two or more convictions as an adult under "
         "the same section, which bars relief.",
    citation=own_section_first(TWO_PRIORS),
    sections=BARRABLE_SECTIONS,
    when=_two,
)
