"""Rule 5: giving away or transporting 28.5 grams or less is lawful for an adult."""
from clearway.eligibility.rulepacks.ca_prop64.facts import TRANSPORT, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _lawful(facts: Facts) -> bool:
    return facts.small_amount_transport and facts.adult


RULE = Rule(
    code="TRANSPORT_SMALL_AMOUNT",
    relief="dismiss_and_seal",
    condition="HS 11360(b), or HS 11360 without a subsection as a misdemeanor or infraction "
              "(giving away or transporting 28.5 grams or less, in the numbering before the "
              "Act), 21 or over at the conduct (whatever the priors)",
    text="Giving away or transporting 28.5 grams or less of cannabis (Health and Safety "
         "Code 11360(b) in the numbering before Proposition 64) by a person 21 or older is "
         "now legal, whatever the person's earlier convictions, so the conviction is "
         "dismissed and sealed.",
    citation=Citation("HS 11362.1(a)(1); HS 11361.8(a), (e)"),
    sections=TRANSPORT,
    when=_lawful,
)
