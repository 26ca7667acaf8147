"""Rule 6, `IMPORT_EXPORT`: HS 11360 only, `facts.imported` with more than 28.5 grams."""
import pytest

from tests.eligibility.unit.builders import count, decide_on, disposition


def imported(statute: str, grams: float | None) -> dict:
    body = count(statute, grams=grams)
    body.setdefault("facts", {})["imported"] = True
    return body


def test_importing_more_than_28_5_grams_is_not_eligible() -> None:
    o = decide_on(disposition(imported("HS 11360(a)", 28.6)))
    assert (o.relief, o.reason_codes) == ("not_eligible", ("IMPORT_EXPORT",))
    assert o.reasons[0].citation == "HS 11360(a)(3)(D)"


def test_importing_28_5_grams_or_less_is_no_bar() -> None:
    assert decide_on(disposition(imported("HS 11360(a)", 28.5))).relief == (
        "reduce_to_misdemeanor")


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11358"])
def test_it_is_no_bar_for_other_sections(statute: str) -> None:
    assert decide_on(disposition(imported(statute, 500.0))).relief == "reduce_to_misdemeanor"
