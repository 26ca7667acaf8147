"""Rule 2: a conviction of another statute whose charge text cites HS 11357-11360 (an import
flagged it: the DOJ file's comment names a cannabis section) may be a cannabis count
recorded under the wrong code: a reviewer checks it."""
from clearway.eligibility.rulepacks.ca_prop64.facts import (
    Facts,
    flagged_as_possible_cannabis,
    prop64_section,
)
from clearway.eligibility.rulepacks.model import Citation, Rule


def _flagged(facts: Facts) -> bool:
    statute = facts.statute
    return (statute is not None and prop64_section(statute) is None
            and flagged_as_possible_cannabis(facts.count))


RULE = Rule(
    code="POSSIBLE_CANNABIS_COUNT",
    relief="needs_review",
    condition="A conviction of another statute that an import flagged because its charge "
              "text cites 11357, 11358, 11359 or 11360 (description starting `POSSIBLE "
              "CANNABIS COUNT: `)",
    text="The conviction is recorded under another statute, but the record's charge text "
         "mentions a cannabis section (Health and Safety Code 11357 to 11360); a reviewer "
         "must check whether it is a cannabis conviction.",
    citation=Citation("HS 11361.8"),
    when=_flagged,
)
