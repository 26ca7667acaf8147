"""Rule 5, `TRANSPORT_SMALL_AMOUNT_AGE_18_20`: the same small amount at 18 to 20 is an
infraction (HS 11360(b))."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_on, disposition


@pytest.mark.parametrize("age", [18, 19, 20])
def test_a_small_amount_at_18_to_20_is_an_infraction(age: int) -> None:
    o = decide_on(disposition(count("HS 11360(b)", level="misdemeanor"), person=aged(age)))
    assert (o.relief, o.reason_codes) == ("reduce_to_infraction",
                                          ("TRANSPORT_SMALL_AMOUNT_AGE_18_20",))
    assert o.reasons[0].citation.startswith("HS 11360(b)")
