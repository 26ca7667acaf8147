"""Rule 6, `POSSIBLE_SUPER_STRIKE`: a prior that is a super strike only with a subsection,
intent or victim's age the record does not show: review, never not eligible."""
import pytest

from clearway.eligibility.rulepacks.ca_prop64.bars.possible_super_strike import BAR
from clearway.eligibility.rulepacks.ca_prop64.bars.prior_super_strike import BAR as DEFINITE
from tests.eligibility.unit.builders import D, conviction, count, decide_on, disposition
from tests.eligibility.unit.ca_prop64.facts_of import facts_of

POSSIBLE = ["PC 207", "PC 220", "PC 261", "PC 261(a)(1)", "PC 262(a)(2)", "PC 286",
            "PC 288(c)", "PC 288a(c)", "PC 289(b)", "PC 217.1", "PC 653f", "PC 12310",
            "PC 18755(b)", "PC 664/288(a)"]


@pytest.mark.parametrize("prior", POSSIBLE)
def test_a_possible_super_strike_is_possible_and_not_definite(prior: str) -> None:
    facts = facts_of(disposition(count("HS 11360(a)")),
                     disposition(conviction(prior, D(2005, 1, 1))))
    assert BAR.holds(facts) and not DEFINITE.holds(facts)


@pytest.mark.parametrize("prior", ["PC 207", "PC 220", "PC 217.1", "PC 12310"])
def test_a_prior_that_is_only_possibly_barring_sends_the_count_to_review(prior: str) -> None:
    o = decide_on(disposition(count("HS 11360(a)")),
                  disposition(conviction(prior, D(2005, 1, 1))))
    assert o.relief == "needs_review"
    assert "POSSIBLE_SUPER_STRIKE" in o.reason_codes


def test_a_definite_bar_wins_over_a_possible_one() -> None:
    o = decide_on(disposition(count("HS 11359")),
                  disposition(conviction("PC 220", D(2004, 1, 1))),
                  disposition(conviction("PC 187", D(2005, 1, 1))))
    assert (o.relief, o.reason_codes) == ("not_eligible", ("PRIOR_SUPER_STRIKE",))


@pytest.mark.parametrize("prior", ["PC 245(a)(1)", "PC 245", "PC 664/211", "PC 459"])
def test_an_offense_on_neither_list_is_no_bar(prior: str) -> None:
    o = decide_on(disposition(count("HS 11359")), disposition(conviction(prior, D(2005, 1, 1))))
    assert o.relief == "reduce_to_misdemeanor"
