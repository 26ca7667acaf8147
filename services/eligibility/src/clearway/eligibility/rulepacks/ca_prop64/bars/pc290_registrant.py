"""Rule 6: a PC 290 registration, or a conviction of an offense requiring it, before the
count."""
from clearway.eligibility.rulepacks.ca_prop64.bars.citations import (
    PRIOR_OFFENSE,
    own_section_first,
)
from clearway.eligibility.rulepacks.ca_prop64.facts import BARRABLE_SECTIONS, Facts
from clearway.eligibility.rulepacks.ca_prop64.offenses import DEFINITE
from clearway.eligibility.rulepacks.model import Bar


def _registrant(facts: Facts) -> bool:
    return facts.subject_to_bars and (
        facts.registered_before or DEFINITE in facts.prior_kinds.pc290_offenses)


BAR = Bar(
    code="PC290_REGISTRANT",
    definite=True,
    condition="a PC 290 registration before the count, or a conviction before it of an "
              "offense that the statute and subsection on the record make registrable",
    text="Before this conviction, the person was required to register as a sex offender "
         "under Penal Code 290, which bars relief.",
    citation=own_section_first(PRIOR_OFFENSE, "PC 290(c)"),
    sections=BARRABLE_SECTIONS,
    when=_registrant,
)
