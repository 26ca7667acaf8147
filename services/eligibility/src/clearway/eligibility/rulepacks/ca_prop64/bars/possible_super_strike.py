"""Rule 6: a conviction before the count that is a super strike only with a subsection,
intent or victim's age the record does not show."""
from clearway.eligibility.rulepacks.ca_prop64.bars.citations import (
    PRIOR_OFFENSE,
    own_section_first,
)
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.ca_prop64.offenses import POSSIBLE
from clearway.eligibility.rulepacks.model import Bar


def _possible(facts: Facts) -> bool:
    return facts.subject_to_bars and POSSIBLE in facts.prior_kinds.super_strikes


BAR = Bar(
    code="POSSIBLE_SUPER_STRIKE",
    definite=False,
    condition="a conviction before the count that may be a super strike, depending on a "
              "subsection, an intent or a victim's age the record does not show",
    text="Before this conviction, the person was convicted of an offense that is a "
         "'super strike' (which bars relief) only in some forms; the record does not show "
         "which, so a reviewer must check.",
    citation=own_section_first(PRIOR_OFFENSE, "PC 667(e)(2)(C)(iv)"),
    sections=BARRABLE_SECTIONS,
    when=_possible,
)
