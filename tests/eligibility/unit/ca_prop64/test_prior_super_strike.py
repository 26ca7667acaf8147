"""Rule 6, `PRIOR_SUPER_STRIKE` (definite): a super strike that the statute and subsection on
the record settle, disposed of before the count: not eligible, citing the count's own
subdivision."""
import pytest

from tests.eligibility.unit.builders import D, conviction, count, decide_on, disposition

DEFINITE = ["PC 187", "PC 187(a)", "PC 664/187(a)", "PC 190.2", "PC 191.5", "PC 205",
            "PC 209", "PC 217.1(b)", "PC 245(d)(3)", "PC 286(c)(2)", "PC 288.7",
            "PC 451.5", "PC 653f(b)", "PC 4500", "PC 11418(a)(1)", "PC 12310(a)",
            "PC 18755(a)"]


@pytest.mark.parametrize("prior", DEFINITE)
def test_a_definite_super_strike_bars(prior: str) -> None:
    o = decide_on(disposition(count("HS 11359")), disposition(conviction(prior, D(2005, 1, 1))))
    assert o.relief == "not_eligible"
    assert o.reason_codes[0] == "PRIOR_SUPER_STRIKE"


@pytest.mark.parametrize(("when", "bars"), [(D(2010, 5, 31), True), (D(2010, 6, 1), False),
                                            (D(2012, 1, 1), False)])
def test_only_a_conviction_disposed_of_before_the_count_bars(when: object, bars: bool) -> None:
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    o = decide_on(target, disposition(conviction("PC 187", when)))
    assert (o.relief == "not_eligible") is bars


@pytest.mark.parametrize(("section", "cites"), [("HS 11358", "HS 11358(d)(1)"),
                                                ("HS 11359", "HS 11359(c)(1)"),
                                                ("HS 11360", "HS 11360(a)(3)(A)")])
def test_the_citation_names_the_counts_own_subdivision_first(section: str, cites: str) -> None:
    o = decide_on(disposition(count(section, plants=20)),
                  disposition(conviction("PC 187", D(2005, 1, 1))))
    assert o.reasons[0].citation == f"{cites}; PC 667(e)(2)(C)(iv)"


def test_it_does_not_bar_possession() -> None:
    o = decide_on(disposition(count("HS 11357")), disposition(conviction("PC 187", D(2005, 1, 1))))
    assert o.relief == "dismiss_and_seal"
