"""Rule 6, `ENVIRONMENTAL_HARM`: HS 11358 only, HS 11358(d)(3)."""
import pytest

from tests.eligibility.unit.builders import count, decide_on, disposition


def test_cultivation_with_an_environmental_violation_is_not_eligible() -> None:
    o = decide_on(disposition(count("HS 11358", plants=30, environmental_violation=True)))
    assert (o.relief, o.reason_codes) == ("not_eligible", ("ENVIRONMENTAL_HARM",))
    assert o.reasons[0].citation == "HS 11358(d)(3)"


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360(a)"])
def test_it_is_no_bar_for_sale_or_transport(statute: str) -> None:
    o = decide_on(disposition(count(statute, environmental_violation=True)))
    assert o.relief == "reduce_to_misdemeanor"
