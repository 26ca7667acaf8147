"""A toy rule pack for another (made-up) state, kept in the test tree: it proves that a
pack needs nothing outside its own package but a registry entry (`register(PACK)`)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from clearway.eligibility.rulepacks.model import Citation, Policy, Rule, RulePack, Unit

CUTOFF = dt.date(2000, 1, 1)


class ToyFacts:
    def __init__(self, count: Any, history: Any, as_of: dt.date) -> None:
        self.count = count
        self.section = count.statute_text.split()[-1]


def in_scope(count: Any) -> bool:
    return count.convicted and count.statute_text.startswith("XX ")


OLD = Rule(code="TOY_OLD", relief="dismiss_and_seal",
           condition="A toy conviction before 2000",
           text="Toy convictions before 2000 are cleared.",
           citation=Citation("XX Toy Code 1(a)"),
           when=lambda f: f.count.disposition_date < CUTOFF)
RECENT = Rule(code="TOY_RECENT", relief="not_eligible",
              condition="Any later toy conviction",
              text="Later toy convictions stay.",
              citation=Citation("XX Toy Code 1(b)", by_section={"77": "XX Toy Code 77(b)"}),
              when=lambda f: True)
GONE = Unit(code="TOY_WITHDRAWN", condition="The count left scope",
            text="The toy count left scope.", citation=Citation("XX Toy Code 9"),
            when=lambda f: False)

PACK = RulePack(
    name="xx-toy", version="0.1.0", title="The toy state's clean slate",
    in_scope=in_scope, facts=ToyFacts,
    policies=(Policy("toy-statewide", "Old toy convictions are cleared.", (OLD, RECENT)),),
    withdrawn=GONE, scope_text="Counts under the toy code.",
    procedure_text="Procedure: as for every pack.", source_module=__name__,
)
