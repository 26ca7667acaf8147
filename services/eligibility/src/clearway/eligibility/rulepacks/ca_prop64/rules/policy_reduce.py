"""County policy (4.5), `POLICY_REDUCE`: the county's option reduces a count the statute
alone would not (a baseline `reduce` for a felony, `juveniles: reduce_to_infraction`)."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _by_the_policy(facts: Facts) -> bool:
    return True  # the county policy gives it where its option says so (county.py)


RULE = Rule(
    code="POLICY_REDUCE",
    relief="reduce_to_misdemeanor",
    condition="The county's policy reduces this count (a `reduce` option)",
    text="The prosecutor's policy asks the court to reduce this conviction, beyond what "
         "Proposition 64 requires. Whether the court can do so after the sentence has ended "
         "is for the court to decide.",
    citation=Citation("PC 1385; HS 11361.8"),
    when=_by_the_policy,
)
