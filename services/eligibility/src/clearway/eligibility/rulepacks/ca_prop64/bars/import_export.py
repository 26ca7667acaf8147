"""Rule 6: HS 11360 only: importing or exporting more than 28.5 grams."""
from clearway.eligibility.rulepacks.ca_prop64.facts import SMALL_AMOUNT_GRAMS, TRANSPORT, Facts
from clearway.eligibility.rulepacks.model import Bar, Citation


def _imported(facts: Facts) -> bool:
    grams = facts.count.grams
    return (facts.subject_to_bars and facts.section == "11360" and facts.count.imported
            and grams is not None and grams > SMALL_AMOUNT_GRAMS)


BAR = Bar(
    code="IMPORT_EXPORT",
    definite=True,
    condition="HS 11360 only: `facts.imported` with `facts.grams` over 28.5",
    text="The offense involved bringing more than 28.5 grams of cannabis into or out of "
         "California, which bars relief.",
    citation=Citation("HS 11360(a)(3)(D)"),
    sections=TRANSPORT,
    when=_imported,
)
