"""Rule 1: no offense date, and a disposition on or after November 9, 2016: the conduct
may have been before the Act or after it, so a person must check."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _unknown(facts: Facts) -> bool:
    return facts.conduct_date is None


RULE = Rule(
    code="CONDUCT_DATE_UNKNOWN",
    relief="needs_review",
    condition="No offense date, and a disposition on or after November 9, 2016 (the "
              "conduct date is unknown)",
    text="The record has no offense date, and the case was decided on or after November 9, "
         "2016, when Proposition 64 took effect. The conduct may have happened before that "
         "day, so a reviewer must check the date.",
    citation=Citation("HS 11361.8(a), (e)"),
    when=_unknown,
)
