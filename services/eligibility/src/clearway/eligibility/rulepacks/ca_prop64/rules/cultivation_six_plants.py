"""Rule 5: growing six plants or fewer is lawful for an adult, whatever the priors."""
from clearway.eligibility.rulepacks.ca_prop64.facts import CULTIVATION, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _lawful(facts: Facts) -> bool:
    return facts.six_plants_or_fewer and facts.adult


RULE = Rule(
    code="CULTIVATION_SIX_PLANTS",
    relief="dismiss_and_seal",
    condition="HS 11358 with `facts.plants` of 6 or fewer, 21 or over at the conduct "
              "(whatever the priors)",
    text="Growing six or fewer plants by a person 21 or older is now legal, whatever the "
         "person's earlier convictions, so the conviction is dismissed and sealed.",
    citation=Citation("HS 11362.1(a)(3); HS 11361.8(a), (e)"),
    sections=CULTIVATION,
    when=_lawful,
)
