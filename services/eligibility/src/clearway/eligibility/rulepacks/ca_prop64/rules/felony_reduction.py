"""Rule 7: an HS 11358, 11359 or 11360 felony without a bar is a misdemeanor under the
Act, so it is reduced."""
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _felony(facts: Facts) -> bool:
    return facts.subject_to_bars and facts.felony


RULE = Rule(
    code="FELONY_REDUCTION",
    relief="reduce_to_misdemeanor",
    condition="HS 11358, 11359 or 11360 as a felony",
    text="This felony would be a misdemeanor under Proposition 64, so it is reduced to a "
         "misdemeanor.",
    citation=Citation("HS 11361.8(a), (e)", by_section={
        "11358": "HS 11358(c); HS 11361.8(a), (e)",
        "11359": "HS 11359(b); HS 11361.8(a), (e)",
        "11360": "HS 11360(a)(2); HS 11361.8(a), (e)",
    }),
    sections=BARRABLE_SECTIONS,
    when=_felony,
)
