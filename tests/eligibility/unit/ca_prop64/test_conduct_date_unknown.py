"""Rule 1, `CONDUCT_DATE_UNKNOWN`: without an offense date, a disposition on or after
2016-11-09 leaves the conduct date unknown (it may predate the Act): review."""
import pytest

from tests.eligibility.unit.builders import (
    PROP64_DAY,
    PROP64_EVE,
    D,
    count,
    decide_on,
    disposition,
)


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
@pytest.mark.parametrize("disposed", [PROP64_DAY, D(2017, 6, 1), D(2021, 1, 1)])
def test_no_offense_date_and_a_disposition_from_the_act_on_goes_to_review(
        policy: str, disposed: object) -> None:
    o = decide_on(disposition(count("HS 11359", offense_date=None, disposition_date=disposed)),
                  policy=policy)
    assert (o.relief, o.procedure, o.reason_codes) == (
        "needs_review", None, ("CONDUCT_DATE_UNKNOWN",))


def test_a_disposition_the_day_before_the_act_stands_in_for_the_conduct_date() -> None:
    o = decide_on(disposition(count("HS 11359", offense_date=None, disposition_date=PROP64_EVE)))
    assert (o.relief, o.reason_codes) == ("reduce_to_misdemeanor", ("FELONY_REDUCTION",))


def test_an_offense_date_settles_the_conduct_date_whatever_the_disposition_date() -> None:
    o = decide_on(disposition(count("HS 11359", offense_date=D(2015, 1, 1),
                                    disposition_date=D(2019, 1, 1))))
    assert o.relief == "reduce_to_misdemeanor"
