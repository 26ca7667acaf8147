"""A correction took the count out of scope: the last version withdraws the decision."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Unit


def _never(facts: Facts) -> bool:
    return False  # given by the versioning, never by a policy


UNIT = Unit(
    code="WITHDRAWN",
    condition="A correction took the count out of scope",
    text="A correction took this count out of scope (it is no longer a cannabis "
         "conviction), so the earlier decision is withdrawn.",
    citation=Citation("HS 11361.8"),
    when=_never,
)
