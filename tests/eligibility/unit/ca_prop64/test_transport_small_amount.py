"""Rule 5, `TRANSPORT_SMALL_AMOUNT`: HS 11360(b) before the Act (giving away or transporting
28.5 grams or less), or 11360 without a subsection below felony, at 21 or over: lawful
(HS 11362.1(a)(1)) whatever the priors, dismissed and sealed."""
import pytest

from tests.eligibility.unit.builders import D, aged, conviction, count, decide_on, disposition


@pytest.mark.parametrize(("statute", "level"), [("HS 11360(b)", "misdemeanor"),
                                                ("HS 11360(b)", "felony"),
                                                ("HS 11360", "misdemeanor"),
                                                ("HS 11360", "infraction")])
def test_a_small_amount_is_dismissed_for_an_adult(statute: str, level: str) -> None:
    o = decide_on(disposition(count(statute, level=level), person=aged(25)))
    assert (o.relief, o.reason_codes) == ("dismiss_and_seal", ("TRANSPORT_SMALL_AMOUNT",))


def test_it_is_decided_before_the_bars() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    assert decide_on(disposition(count("HS 11360(b)")), murder).relief == "dismiss_and_seal"


def test_11360_without_a_subsection_as_a_felony_is_sale_or_transport() -> None:
    o = decide_on(disposition(count("HS 11360", level="felony")))
    assert o.reason_codes == ("FELONY_REDUCTION",)
