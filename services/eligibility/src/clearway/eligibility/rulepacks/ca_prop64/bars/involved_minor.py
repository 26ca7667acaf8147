"""Rule 6: HS 11359 and 11360 only: the offense involved a minor."""
from clearway.eligibility.rulepacks.ca_prop64.facts import SALE_OR_TRANSPORT, Facts
from clearway.eligibility.rulepacks.model import Bar, Citation


def _minor(facts: Facts) -> bool:
    return (facts.subject_to_bars and facts.section in ("11359", "11360")
            and facts.count.involved_minor)


BAR = Bar(
    code="INVOLVED_MINOR",
    definite=True,
    condition="HS 11359 and 11360 only: `facts.involved_minor`",
    text="The offense involved a minor, which bars relief.",
    citation=Citation("HS 11359(c)(3), (d); HS 11360(a)(3)(C)", by_section={
        "11359": "HS 11359(c)(3), (d)",
        "11360": "HS 11360(a)(3)(C)",
    }),
    sections=SALE_OR_TRANSPORT,
    when=_minor,
)
