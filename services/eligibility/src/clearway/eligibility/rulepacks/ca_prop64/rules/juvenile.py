"""Rule 3: under 18 at the conduct, any section. Under the Act each of these is an
infraction for a minor, and juvenile adjudications have their own forms: a reviewer
chooses the relief."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _minor(facts: Facts) -> bool:
    return facts.minor


RULE = Rule(
    code="JUVENILE",
    relief="needs_review",
    condition="Under 18 at the conduct, any section",
    text="The person was under 18 at the time of the conduct. Under Proposition 64 this "
         "conduct is an infraction for a minor, and juvenile records use their own forms "
         "(JV-744 to JV-746); a reviewer must decide what relief applies.",
    citation=Citation("HS 11361.8(m)", by_section={
        "11357": "HS 11357(a)(1), (b)(1); HS 11361.8(m)",
        "11358": "HS 11358(a); HS 11361.8(m)",
        "11359": "HS 11359(a); HS 11361.8(m)",
        "11360": "HS 11360(a)(1); HS 11361.8(m)",
    }),
    when=_minor,
)
