"""Rule 7: an adult's misdemeanor HS 11358, 11359 or 11360(a) is still a misdemeanor
under the Act: HS 11361.8 gives no lesser offense, so a reviewer (or a county policy)
decides."""
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _below_felony(facts: Facts) -> bool:
    return facts.subject_to_bars and not facts.felony


RULE = Rule(
    code="STILL_A_MISDEMEANOR",
    relief="needs_review",
    condition="HS 11358, 11359 or 11360 as a misdemeanor or infraction",
    text="This conduct is still a misdemeanor under Proposition 64, so there is no lesser "
         "offense to redesignate it as; a reviewer, or the county's policy, decides.",
    citation=Citation("HS 11361.8(a), (e)", by_section={
        "11358": "HS 11358(c); HS 11361.8(a), (e)",
        "11359": "HS 11359(b); HS 11361.8(a), (e)",
        "11360": "HS 11360(a)(2); HS 11361.8(a), (e)",
    }),
    sections=BARRABLE_SECTIONS,
    when=_below_felony,
)
