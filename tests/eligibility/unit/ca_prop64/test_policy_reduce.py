"""`POLICY_REDUCE`: a county's reduction beyond the statute."""
from tests.eligibility.unit.ca_prop64.county_cases import under


def test_a_juvenile_reduced_to_an_infraction_by_the_county_names_the_option() -> None:
    o = under({"juveniles": "reduce_to_infraction"})[("CA-SF", "juvenile-sale0", 1)]
    assert (o.relief, o.reason_codes) == ("reduce_to_infraction", ("POLICY_REDUCE",))
