"""Rule 3: without a date of birth the person's age at the time cannot be known."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _unknown(facts: Facts) -> bool:
    return facts.history.date_of_birth is None


RULE = Rule(
    code="AGE_UNKNOWN",
    relief="needs_review",
    condition="No date of birth on record (age at the conduct unknown)",
    text="The person's age at the time of the conduct is not known; a reviewer must decide.",
    citation=Citation("HS 11361.8"),
    when=_unknown,
)
