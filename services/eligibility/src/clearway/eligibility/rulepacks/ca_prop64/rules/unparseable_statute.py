"""Rule 2: a statute that cannot be read but mentions HS 11357-11360."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _unreadable(facts: Facts) -> bool:
    return facts.statute is None


RULE = Rule(
    code="UNPARSEABLE_STATUTE",
    relief="needs_review",
    condition="A statute that cannot be read but mentions 11357, 11358, 11359 or 11360",
    text="The statute on the record could not be read, but it mentions a cannabis section "
         "(Health and Safety Code 11357 to 11360); a reviewer must check it.",
    citation=Citation("HS 11361.8"),
    when=_unreadable,
)
