"""Rule 5: giving away or transporting 28.5 grams or less at 18 to 20 is an infraction."""
from clearway.eligibility.rulepacks.ca_prop64.facts import TRANSPORT, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _young(facts: Facts) -> bool:
    return facts.small_amount_transport and facts.young_adult


RULE = Rule(
    code="TRANSPORT_SMALL_AMOUNT_AGE_18_20",
    relief="reduce_to_infraction",
    condition="The same small amount at 18 to 20",
    text="The person was 18, 19 or 20 at the time. Giving away or transporting 28.5 grams "
         "or less of cannabis is now an infraction, so the conviction is redesignated as an "
         "infraction.",
    citation=Citation("HS 11360(b); HS 11361.8(a), (e)"),
    sections=TRANSPORT,
    when=_young,
)
