"""Rule 3, `AGE_UNKNOWN`: no date of birth on record, so the age at the conduct is unknown.
Dispositions always carry one, so the unit is tested on a history built without it."""
import datetime as dt

from clearway.eligibility.domain.history import History
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.ca_prop64.policies import DISMISS_ALL, STATEWIDE
from clearway.eligibility.rulepacks.ca_prop64.rules.age_unknown import RULE
from tests.eligibility.unit.builders import AS_OF, count, disposition, history_of


def facts_without_a_birth_date(statute: str) -> Facts:
    known = history_of([disposition(count(statute))])
    history = History(known.subject_id, None, known.counts)
    return Facts(history.counts[0], history, AS_OF)


def test_a_count_without_a_birth_date_goes_to_review_under_both_policies() -> None:
    for statute in ("HS 11357", "HS 11359"):
        facts = facts_without_a_birth_date(statute)
        for policy in (STATEWIDE, DISMISS_ALL):
            verdict = policy.decide(facts)
            assert (verdict.relief, [u.code for u in verdict.units]) == (
                "needs_review", [RULE.code])


def test_a_known_birth_date_does_not_hold() -> None:
    history = history_of([disposition(count("HS 11357"))])
    assert not RULE.holds(Facts(history.counts[0], history, dt.date(2024, 1, 1)))
