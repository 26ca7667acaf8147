"""`IDENTITY_CONFLICT`: a court writes only its own view of a person. When courts give
different dates of birth and the count's outcome depends on which is right, a reviewer
decides; when it does not, the count is decided as usual on its own court's date."""
from clearway.eligibility.rulepacks.engine import decide
from tests.eligibility.unit.builders import (
    AS_OF,
    LA,
    D,
    Person,
    count,
    decide_on,
    disposition,
    history_of,
)

HOLDER = Person(subject_id="CII000001", date_of_birth=D(1980, 1, 1))
OTHER_VIEW = Person(subject_id="CII000001", date_of_birth=D(1994, 6, 1))  # 15 in 2010


def test_another_courts_date_of_birth_that_would_change_the_outcome_sends_it_to_review(
) -> None:
    la_count = disposition(count("HS 11359"), person=HOLDER, court=LA)
    sac = disposition(count("PC 459"), person=OTHER_VIEW, court="CA-SAC")
    o = decide_on(la_count, sac)
    assert (o.relief, o.procedure, o.reason_codes) == ("needs_review", None,
                                                       ("IDENTITY_CONFLICT",))
    assert o.identity_conflict == (("CA-LA", D(1980, 1, 1)), ("CA-SAC", D(1994, 6, 1)))


def test_a_difference_that_does_not_change_the_outcome_decides_as_usual() -> None:
    la_count = disposition(count("HS 11359"), person=HOLDER, court=LA)
    sac = disposition(count("PC 459"), person=Person(date_of_birth=D(1981, 3, 3)),
                      court="CA-SAC")
    o = decide_on(la_count, sac)
    assert (o.relief, o.reason_codes, o.identity_conflict) == (
        "dismiss_and_seal", ("DISMISS_ALL_POLICY",), ())


def test_each_count_is_decided_on_its_own_courts_date_of_birth() -> None:
    la_count = disposition(count("HS 11357"), person=HOLDER, court=LA)
    sf_count = disposition(count("HS 11357"), person=Person(date_of_birth=D(1979, 2, 2)))
    outcomes = decide(history_of([la_count, sf_count]), AS_OF)
    assert {o.court: o.reason_codes for o in outcomes} == {
        "CA-LA": ("DISMISS_ALL_POLICY",), "CA-SF": ("POSSESSION_ADULT",)}


def test_a_courts_later_correction_of_its_own_date_of_birth_is_no_conflict() -> None:
    first = disposition(count("HS 11359"), person=OTHER_VIEW, court=LA)
    corrected = disposition(count("HS 11359"), person=HOLDER, court=LA,
                            case_number=first.case.case_number,  # type: ignore[union-attr]
                            occurred_at=first.occurred_at.replace(year=2025))
    (o,) = decide(history_of([first, corrected]), AS_OF)
    assert o.reason_codes == ("DISMISS_ALL_POLICY",)


def test_priors_from_every_court_still_count() -> None:
    murder = disposition(count("PC 187", offense_date=D(2001, 1, 1),
                               disposition_date=D(2001, 6, 1)),
                         person=HOLDER, court="CA-SAC")
    o = decide_on(disposition(count("HS 11359"), person=HOLDER), murder)
    assert o.reason_codes == ("PRIOR_SUPER_STRIKE",)
