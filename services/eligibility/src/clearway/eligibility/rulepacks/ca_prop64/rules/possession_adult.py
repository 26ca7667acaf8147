"""Rule 4: possession of a personal amount by a person 21 or older is lawful now."""
from clearway.eligibility.rulepacks.ca_prop64.facts import POSSESSION, Facts
from clearway.eligibility.rulepacks.ca_prop64.rules.possession_age_18_20 import personal_amount
from clearway.eligibility.rulepacks.model import Citation, Rule


def _adult_possession(facts: Facts) -> bool:
    return personal_amount(facts) and facts.adult


RULE = Rule(
    code="POSSESSION_ADULT",
    relief="dismiss_and_seal",
    condition="HS 11357(b) or HS 11357 without a subsection (28.5 grams or less, in the "
              "numbering before the Act), or HS 11357(a) (concentrated cannabis) with "
              "`facts.grams` of 8 or less; 21 or over at the conduct",
    text="Possession of cannabis by a person 21 or older (28.5 grams or less, or 8 grams "
         "or less of concentrated cannabis) is no longer a crime, so the conviction is "
         "dismissed and sealed.",
    citation=Citation("HS 11362.1(a)(1), (2); HS 11361.8(a), (e)"),
    sections=POSSESSION,
    when=_adult_possession,
)
