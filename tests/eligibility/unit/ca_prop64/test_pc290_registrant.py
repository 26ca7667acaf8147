"""Rule 6, `PC290_REGISTRANT` (definite): a PC 290 registration, or a conviction of an
offense the record shows is registrable, before the count."""
import pytest

from tests.eligibility.unit.builders import (
    D,
    conviction,
    count,
    decide_on,
    disposition,
    registration,
)

DEFINITE = ["PC 243.4", "PC 261(a)(3)", "PC 266h(b)", "PC 286(c)", "PC 288a(d)",
            "PC 289(a)", "PC 311.11", "PC 314", "PC 647.6", "PC 647a", "PC 653f(c)",
            "PC 236.1(b)", "PC 664/288.5"]


@pytest.mark.parametrize("prior", DEFINITE)
def test_a_definite_registrable_offense_bars(prior: str) -> None:
    o = decide_on(disposition(count("HS 11360(a)")),
                  disposition(conviction(prior, D(2005, 1, 1))))
    assert o.relief == "not_eligible"
    assert "PC290_REGISTRANT" in o.reason_codes


def test_pc_288_2_bars_definitely_only_as_a_felony() -> None:
    felony = disposition(conviction("PC 288.2", D(2005, 1, 1), level="felony"))
    assert decide_on(disposition(count("HS 11359")), felony).reason_codes == (
        "PC290_REGISTRANT",)


@pytest.mark.parametrize(("when", "bars"), [(D(2010, 5, 31), True), (D(2010, 6, 1), False)])
def test_a_registration_bars_when_dated_before_the_count(when: object, bars: bool) -> None:
    o = decide_on(disposition(count("HS 11359", disposition_date=D(2010, 6, 1))),
                  registration(when))
    assert (o.reason_codes == ("PC290_REGISTRANT",)) is bars


def test_the_citation_names_hs_11359_c_1_not_c_2() -> None:
    o = decide_on(disposition(count("HS 11359")), registration(D(2005, 1, 1)))
    assert o.reasons[0].citation == "HS 11359(c)(1); PC 290(c)"
