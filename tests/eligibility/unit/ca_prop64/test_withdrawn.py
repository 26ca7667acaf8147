"""`WITHDRAWN`: a correction that takes a count out of scope publishes a last version."""
import datetime as dt

from clearway.eligibility.domain.versions import changes, current_of
from clearway.eligibility.rulepacks.engine import decide
from tests.eligibility.unit.builders import AS_OF, PERSON, corrected, count, disposition, history_of

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_a_count_corrected_to_dismissed_is_withdrawn_with_the_packs_reason() -> None:
    original = disposition(count("HS 11359"))
    first = changes(PERSON.subject_id, decide(history_of([original]), AS_OF), {}, AS_OF, NOW)
    current = {(d.court, d.case_number, d.count): current_of(d) for d in first}
    correction = corrected(original, count("HS 11359", disposition="dismissed"))
    (last,) = changes(PERSON.subject_id, decide(history_of([original, correction]), AS_OF),
                      current, AS_OF, NOW)
    assert (last.relief, last.procedure, last.version) == ("withdrawn", None, 2)
    assert [r.code for r in last.reasons] == ["WITHDRAWN"]
    assert (last.rule_pack, last.rule_pack_version) == ("ca-prop64", "1.1.0")
