"""Rule 4: the same concentrated cannabis below felony: no lesser offense to give."""
from clearway.eligibility.rulepacks.ca_prop64.facts import POSSESSION, Facts
from clearway.eligibility.rulepacks.ca_prop64.rules.concentrated_cannabis_reduction import (
    large_concentrate,
)
from clearway.eligibility.rulepacks.model import Citation, Rule


def _below_felony(facts: Facts) -> bool:
    return large_concentrate(facts) and not facts.felony


RULE = Rule(
    code="CONCENTRATED_CANNABIS_REVIEW",
    relief="needs_review",
    condition="The same concentrated cannabis as a misdemeanor or infraction",
    text="Before Proposition 64, Health and Safety Code 11357(a) was possession of "
         "concentrated cannabis. With more than 8 grams, or an amount the record does not "
         "show, it is still a misdemeanor under the Act, so there is no lesser offense to "
         "redesignate; a reviewer decides.",
    citation=Citation("HS 11357(b)(2); HS 11361.8(a), (e)"),
    sections=POSSESSION,
    when=_below_felony,
)
