"""Rule 5: six plants or fewer at 18, 19 or 20 is an infraction now."""
from clearway.eligibility.rulepacks.ca_prop64.facts import CULTIVATION, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _young(facts: Facts) -> bool:
    return facts.six_plants_or_fewer and facts.young_adult


RULE = Rule(
    code="CULTIVATION_AGE_18_20",
    relief="reduce_to_infraction",
    condition="HS 11358 with `facts.plants` of 6 or fewer, 18 to 20 at the conduct",
    text="The person was 18, 19 or 20 at the time. Growing six or fewer plants at that age "
         "is now an infraction, so the conviction is redesignated as an infraction.",
    citation=Citation("HS 11358(b); HS 11361.8(a), (e)"),
    sections=CULTIVATION,
    when=_young,
)
