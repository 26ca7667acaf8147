"""Rule 6: a conviction before the count that requires PC 290 registration only with an
intent, subsection, level or ages the record does not show."""
from clearway.eligibility.rulepacks.ca_prop64.bars.citations import (
    PRIOR_OFFENSE,
    own_section_first,
)
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.ca_prop64.offenses import POSSIBLE
from clearway.eligibility.rulepacks.model import Bar


def _possible(facts: Facts) -> bool:
    return facts.subject_to_bars and POSSIBLE in facts.prior_kinds.pc290_offenses


BAR = Bar(
    code="POSSIBLE_PC290_REGISTRANT",
    definite=False,
    condition="a conviction before the count that requires PC 290 registration only with "
              "an intent, a subsection, a level or ages the record does not show",
    text="Before this conviction, the person was convicted of an offense that requires sex "
         "offender registration under Penal Code 290 (which bars relief) only in some "
         "cases; the record does not show which, so a reviewer must check.",
    citation=own_section_first(PRIOR_OFFENSE, "PC 290(c)"),
    sections=BARRABLE_SECTIONS,
    when=_possible,
)
