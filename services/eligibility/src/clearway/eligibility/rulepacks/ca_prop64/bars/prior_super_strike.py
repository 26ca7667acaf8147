"""Rule 6: a super strike (PC 667(e)(2)(C)(iv)) before the count, definite on the record."""
from clearway.eligibility.rulepacks.ca_prop64.bars.citations import (
    PRIOR_OFFENSE,
    own_section_first,
)
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.ca_prop64.offenses import DEFINITE
from clearway.eligibility.rulepacks.model import Bar


def _prior(facts: Facts) -> bool:
    return facts.subject_to_bars and DEFINITE in facts.prior_kinds.super_strikes


BAR = Bar(
    code="PRIOR_SUPER_STRIKE",
    definite=True,
    condition="a conviction before the count of a super strike that the statute and "
              "subsection on the record settle",
    text="Before this conviction, the person was convicted of a violent or serious "
         "'super strike' offense, which bars relief.",
    citation=own_section_first(PRIOR_OFFENSE, "PC 667(e)(2)(C)(iv)"),
    sections=BARRABLE_SECTIONS,
    when=_prior,
)
