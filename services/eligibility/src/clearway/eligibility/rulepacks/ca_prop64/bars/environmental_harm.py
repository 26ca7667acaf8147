"""Rule 6: HS 11358 only: the cultivation violated environmental law."""
from clearway.eligibility.rulepacks.ca_prop64.facts import CULTIVATION, Facts
from clearway.eligibility.rulepacks.model import Bar, Citation


def _harm(facts: Facts) -> bool:
    return (facts.subject_to_bars and facts.section == "11358"
            and facts.count.environmental_violation)


BAR = Bar(
    code="ENVIRONMENTAL_HARM",
    definite=True,
    condition="HS 11358 only: `facts.environmental_violation`",
    text="The cultivation violated environmental laws (such as water or land-use rules), "
         "which bars relief.",
    citation=Citation("HS 11358(d)(3)"),
    sections=CULTIVATION,
    when=_harm,
)
