"""Rule 1: conduct on or after the day Proposition 64 took effect is not covered by it."""
from clearway.eligibility.rulepacks.ca_prop64.facts import PROP64_EFFECTIVE, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _after(facts: Facts) -> bool:
    return facts.conduct_date is not None and facts.conduct_date >= PROP64_EFFECTIVE


RULE = Rule(
    code="AFTER_PROP64",
    relief="not_eligible",
    condition="Conduct on or after November 9, 2016",
    text="The conduct happened on or after November 9, 2016, when Proposition 64 took "
         "effect, so relief under Health and Safety Code 11361.8 does not apply.",
    citation=Citation("HS 11361.8(a), (e); Prop. 64 (2016)"),
    when=_after,
)
