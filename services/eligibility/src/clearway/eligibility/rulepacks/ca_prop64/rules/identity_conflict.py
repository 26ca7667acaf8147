"""Courts give different dates of birth for the person, and the outcome of the count depends
on which is right. No court's view overwrites another's (a court writes only its own record),
so a person decides. Given by the engine, which decides on each court's date."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Unit


def _engine_decides(facts: Facts) -> bool:
    return False  # the engine compares the readings; no single reading can tell


UNIT = Unit(
    code="IDENTITY_CONFLICT",
    condition="Courts give different dates of birth, and the count's outcome depends on "
              "which is right",
    text="Courts give different dates of birth for this person, and the outcome for this "
         "count depends on which one is right; a reviewer must check which record belongs "
         "to this person.",
    citation=Citation("HS 11361.8"),
    when=_engine_decides,
)
