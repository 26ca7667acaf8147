"""`POSSIBLE_CANNABIS_COUNT`: a conviction of another statute that an import flagged because
its charge text cites HS 11357-11360 goes to review (issue #20: the DOJ file's comments)."""
import pytest

from clearway.eligibility.rulepacks.ca_prop64.facts import POSSIBLE_CANNABIS_PREFIX
from clearway.ingest.domain.doj import POSSIBLE_CANNABIS_PREFIX as IMPORTERS_PREFIX
from tests.eligibility.unit.builders import D, count, decide_all, decide_on, disposition


def flagged(statute: str, comment: str = "POSS MJ FOR SALE 11359 HS", **kw: object) -> dict:
    body = count(statute, **kw)  # type: ignore[arg-type]
    body["description"] = POSSIBLE_CANNABIS_PREFIX + comment
    return body


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
def test_a_flagged_count_of_another_statute_goes_to_review(policy: str) -> None:
    o = decide_on(disposition(flagged("PC 148")), policy=policy)
    assert (o.relief, o.reason_codes, o.statute) == (
        "needs_review", ("POSSIBLE_CANNABIS_COUNT",), "PC 148")


def test_an_unflagged_count_of_another_statute_gets_no_decision() -> None:
    body = count("PC 148")
    body["description"] = "RESISTING, ARRESTED ON 11359"
    assert decide_all(disposition(body)) == []


def test_the_dates_still_come_first() -> None:
    o = decide_on(disposition(flagged("PC 148", offense_date=D(2018, 1, 1),
                                      disposition_date=D(2018, 2, 1))))
    assert o.reason_codes == ("AFTER_PROP64",)


def test_a_flagged_cannabis_statute_is_decided_as_that_section() -> None:
    assert decide_on(disposition(flagged("HS 11359"))).reason_codes == ("FELONY_REDUCTION",)


def test_the_importer_and_the_rule_use_the_same_mark() -> None:
    assert IMPORTERS_PREFIX == POSSIBLE_CANNABIS_PREFIX
