"""Rule 4: possession of a personal amount at 18, 19 or 20 is an infraction now."""
from clearway.eligibility.rulepacks.ca_prop64.facts import POSSESSION, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def personal_amount(facts: Facts) -> bool:
    """HS 11357(b) or none (28.5 grams or less before the Act), or 11357(a) (concentrated
    cannabis) of 8 grams or less."""
    if facts.section != "11357":
        return False
    sub = facts.first_subsection
    return sub in (None, "b") or (sub == "a" and facts.concentrate_small)


def _young_adult_possession(facts: Facts) -> bool:
    return personal_amount(facts) and facts.young_adult


RULE = Rule(
    code="POSSESSION_AGE_18_20",
    relief="reduce_to_infraction",
    condition="The same possession at 18 to 20",
    text="The person was 18, 19 or 20 at the time. Possession at that age is now an "
         "infraction, so the conviction is redesignated as an infraction.",
    citation=Citation("HS 11357(a)(2); HS 11361.8(a), (e)"),
    sections=POSSESSION,
    when=_young_adult_possession,
)
