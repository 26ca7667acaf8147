"""Rule 4: the other parts of HS 11357 as they were numbered before the Act."""
from clearway.eligibility.rulepacks.ca_prop64.facts import POSSESSION, Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _other(facts: Facts) -> bool:
    return facts.section == "11357" and facts.first_subsection not in (None, "a", "b")


RULE = Rule(
    code="OTHER_11357",
    relief="needs_review",
    condition="Any other HS 11357 subsection (before the Act: (c) more than 28.5 grams, "
              "(d) and (e) on school grounds)",
    text="In the numbering before Proposition 64, Health and Safety Code 11357(c) was "
         "possession of more than 28.5 grams, and 11357(d) and (e) were possession on "
         "school grounds. These are not covered by an automatic rule; a reviewer must "
         "decide.",
    citation=Citation("HS 11357(c), (d), (e) (before Prop. 64); HS 11361.8"),
    sections=POSSESSION,
    when=_other,
)
