"""Rule 6, `INVOLVED_MINOR`: HS 11359 and 11360 only."""
import pytest

from tests.eligibility.unit.builders import count, decide_on, disposition


@pytest.mark.parametrize(("statute", "cites"), [("HS 11359", "HS 11359(c)(3), (d)"),
                                                ("HS 11360(a)", "HS 11360(a)(3)(C)")])
def test_a_sale_or_transport_involving_a_minor_is_not_eligible(statute: str, cites: str) -> None:
    o = decide_on(disposition(count(statute, involved_minor=True)))
    assert (o.relief, o.reason_codes) == ("not_eligible", ("INVOLVED_MINOR",))
    assert o.reasons[0].citation == cites


@pytest.mark.parametrize("statute", ["HS 11358", "HS 11357"])
def test_it_is_no_bar_for_cultivation_or_possession(statute: str) -> None:
    o = decide_on(disposition(count(statute, involved_minor=True, plants=40)))
    assert "INVOLVED_MINOR" not in o.reason_codes
