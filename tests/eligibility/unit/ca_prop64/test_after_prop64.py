"""Rule 1, `AFTER_PROP64`: conduct on or after 2016-11-09 is not eligible, under every policy."""
import pytest

from clearway.eligibility.rulepacks.ca_prop64.rules.after_prop64 import RULE
from tests.eligibility.unit.builders import PROP64_DAY, PROP64_EVE, D, count, decide_on, disposition


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
def test_conduct_on_the_day_the_act_took_effect_is_not_eligible(policy: str) -> None:
    o = decide_on(disposition(count("HS 11359", offense_date=PROP64_DAY,
                                    disposition_date=D(2017, 1, 5))), policy=policy)
    assert (o.relief, o.procedure, o.reason_codes) == ("not_eligible", None, (RULE.code,))


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
def test_conduct_the_day_before_is_decided_by_the_later_rules(policy: str) -> None:
    o = decide_on(disposition(count("HS 11359", offense_date=PROP64_EVE,
                                    disposition_date=D(2017, 1, 5))), policy=policy)
    assert "AFTER_PROP64" not in o.reason_codes and o.relief != "not_eligible"


def test_the_reason_cites_hs_11361_8() -> None:
    o = decide_on(disposition(count("HS 11358", offense_date=D(2018, 1, 1),
                                    disposition_date=D(2018, 2, 1))))
    assert o.reasons[0].citation.startswith("HS 11361.8")
