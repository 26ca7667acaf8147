"""The ca-prop64 facts of a count decided with a history, to test one unit alone."""
from clearway.common.events import RecordEvent
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from tests.eligibility.unit.builders import AS_OF, history_of


def facts_of(target: RecordEvent, *others: RecordEvent, n: int = 1) -> Facts:
    history = history_of([target, *others])
    assert target.case is not None
    key = (target.court, target.case.case_number, n)
    (count,) = [c for c in history.counts if c.key == key]
    return Facts(count, history, AS_OF)
