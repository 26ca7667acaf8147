"""Rule 4: a felony for more than 8 grams of concentrated cannabis (or an unknown amount):
still a misdemeanor under the Act, so the felony is reduced."""
from clearway.eligibility.rulepacks.ca_prop64.facts import POSSESSION, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def large_concentrate(facts: Facts) -> bool:
    return (facts.section == "11357" and facts.first_subsection == "a"
            and not facts.concentrate_small)


def _felony(facts: Facts) -> bool:
    return large_concentrate(facts) and facts.felony


RULE = Rule(
    code="CONCENTRATED_CANNABIS_REDUCTION",
    relief="reduce_to_misdemeanor",
    condition="HS 11357(a) (concentrated cannabis, in the numbering before the Act) with "
              "more than 8 grams or an unknown amount, as a felony",
    text="Before Proposition 64, Health and Safety Code 11357(a) was possession of "
         "concentrated cannabis. More than 8 grams of it is a misdemeanor under the Act, "
         "so this felony is reduced to a misdemeanor.",
    citation=Citation("HS 11357(b)(2); HS 11361.8(a), (e)"),
    sections=POSSESSION,
    when=_felony,
)
