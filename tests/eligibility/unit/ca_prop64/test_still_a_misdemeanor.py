"""Rule 7, `STILL_A_MISDEMEANOR`: an adult's misdemeanor HS 11358 (more than six plants),
11359 or 11360(a) is still a misdemeanor under the Act; HS 11361.8 gives no lesser offense,
so it goes to review under `statewide` and is dismissed under `dismiss-all`."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_on, disposition

CASES = [("HS 11359", None), ("HS 11358", 7), ("HS 11358", None), ("HS 11360(a)", None)]


@pytest.mark.parametrize(("statute", "plants"), CASES)
@pytest.mark.parametrize("level", ["misdemeanor", "infraction"])
def test_an_adults_misdemeanor_goes_to_review(statute: str, plants: int | None,
                                              level: str) -> None:
    o = decide_on(disposition(count(statute, level=level, plants=plants), person=aged(30)))
    assert (o.relief, o.procedure, o.reason_codes) == ("needs_review", None,
                                                       ("STILL_A_MISDEMEANOR",))


@pytest.mark.parametrize(("statute", "plants"), CASES)
def test_dismiss_all_dismisses_an_adults_misdemeanor(statute: str, plants: int | None) -> None:
    o = decide_on(disposition(count(statute, level="misdemeanor", plants=plants)),
                  policy="dismiss-all")
    assert (o.relief, o.reason_codes) == ("dismiss_and_seal", ("DISMISS_ALL_POLICY",))
