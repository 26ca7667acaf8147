"""Rule 6: HS 11360 only: imported or exported, amount unknown."""
from clearway.eligibility.rulepacks.ca_prop64.facts import TRANSPORT, Facts
from clearway.eligibility.rulepacks.model import Bar, Citation


def _unknown_amount(facts: Facts) -> bool:
    return (facts.subject_to_bars and facts.section == "11360" and facts.count.imported
            and facts.count.grams is None)


BAR = Bar(
    code="POSSIBLE_IMPORT_EXPORT",
    definite=False,
    condition="HS 11360 only: `facts.imported` with the amount unknown",
    text="The offense involved bringing cannabis into or out of California, which bars "
         "relief when it was more than 28.5 grams; the record does not show the amount, so "
         "a reviewer must check.",
    citation=Citation("HS 11360(a)(3)(D)"),
    sections=TRANSPORT,
    when=_unknown_amount,
)
