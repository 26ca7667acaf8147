"""Rule 6, `POSSIBLE_PC290_REGISTRANT`: registrable only with an intent, subsection, level or
ages the record does not show (PC 207, 209, 220, 286(b), 289(h), 288.2 below felony ...)."""
import pytest

from clearway.eligibility.rulepacks.ca_prop64.bars.pc290_registrant import BAR as DEFINITE
from clearway.eligibility.rulepacks.ca_prop64.bars.possible_pc290_registrant import BAR
from tests.eligibility.unit.builders import D, conviction, count, decide_on, disposition
from tests.eligibility.unit.ca_prop64.facts_of import facts_of

POSSIBLE = ["PC 207", "PC 209", "PC 220", "PC 261", "PC 262(b)", "PC 286(b)", "PC 287(b)",
            "PC 288a(b)", "PC 289(h)", "PC 289(i)", "PC 236.1", "PC 272", "PC 286"]


@pytest.mark.parametrize("prior", POSSIBLE)
def test_a_possibly_registrable_offense_is_possible_and_not_definite(prior: str) -> None:
    facts = facts_of(disposition(count("HS 11359")),
                     disposition(conviction(prior, D(2005, 1, 1))))
    assert BAR.holds(facts) and not DEFINITE.holds(facts)


@pytest.mark.parametrize("prior", ["PC 207", "PC 220", "PC 286(b)", "PC 289(i)", "PC 272"])
def test_a_possibly_registrable_prior_sends_the_count_to_review(prior: str) -> None:
    o = decide_on(disposition(count("HS 11359")), disposition(conviction(prior, D(2005, 1, 1))))
    assert o.relief == "needs_review"
    assert "POSSIBLE_PC290_REGISTRANT" in o.reason_codes


@pytest.mark.parametrize("level", ["misdemeanor", "infraction"])
def test_pc_288_2_below_felony_is_only_possible(level: str) -> None:
    prior = disposition(conviction("PC 288.2", D(2005, 1, 1), level=level))
    o = decide_on(disposition(count("HS 11359")), prior)
    assert (o.relief, o.reason_codes) == ("needs_review", ("POSSIBLE_PC290_REGISTRANT",))


def test_a_prior_pc_220_is_never_a_definite_bar() -> None:
    o = decide_on(disposition(count("HS 11359")), disposition(conviction("PC 220", D(2005, 1, 1))))
    assert o.reason_codes == ("POSSIBLE_SUPER_STRIKE", "POSSIBLE_PC290_REGISTRANT")
