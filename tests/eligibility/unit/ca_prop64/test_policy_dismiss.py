"""`POLICY_DISMISS`: a county's `dismiss` option, beyond the statute (PC 1385)."""
from tests.eligibility.unit.ca_prop64.county_cases import under


def test_a_felony_sale_dismissed_by_the_county_names_the_option() -> None:
    o = under({"baseline": {"HS 11359": "dismiss"}})[("CA-SF", "felony-sale0", 1)]
    assert (o.relief, o.reason_codes, o.procedure) == (
        "dismiss_and_seal", ("POLICY_DISMISS",), "application")
