"""County policy (4.5), `POLICY_DISMISS`: the county's option dismisses and seals a count the
statute alone would not (a baseline `dismiss`, `misdemeanors: dismiss`, `juveniles:
dismiss`). Beyond HS 11361.8 it is a motion in the interest of justice (PC 1385)."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _by_the_policy(facts: Facts) -> bool:
    return True  # the county policy gives it where its option says so (county.py)


RULE = Rule(
    code="POLICY_DISMISS",
    relief="dismiss_and_seal",
    condition="The county's policy dismisses this count (a `dismiss` option)",
    text="The prosecutor's policy asks the court to dismiss and seal this conviction in the "
         "interest of justice, beyond what Proposition 64 requires. Whether the court can do "
         "so after the sentence has ended is for the court to decide.",
    citation=Citation("PC 1385; HS 11361.8"),
    when=_by_the_policy,
)
