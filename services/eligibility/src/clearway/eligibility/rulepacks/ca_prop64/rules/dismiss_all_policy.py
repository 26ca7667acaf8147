"""`dismiss-all`: a prosecutor's blanket motion dismisses and seals every count that is
not sent to a reviewer first."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.model import Citation, Rule


def _always(facts: Facts) -> bool:
    return True


RULE = Rule(
    code="DISMISS_ALL_POLICY",
    relief="dismiss_and_seal",
    condition="Every other in-scope count",
    text="Under the prosecutor's blanket dismissal policy, this cannabis conviction is "
         "dismissed and sealed.",
    citation=Citation("HS 11361.8(a), (e); Prop. 64 (2016)"),
    when=_always,
)
