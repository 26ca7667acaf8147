"""`RELATED_CHARGE`: the contract's list of related charges."""
import pytest

from clearway.eligibility.rulepacks.ca_prop64.rules.related_charge import is_related
from tests.eligibility.unit.builders import count, disposition, history_of


@pytest.mark.parametrize(("statute", "related"), [
    ("PC 647(f)", True), ("PC 647(b)", False), ("PC 148(a)(1)", True), ("PC 148.9", True),
    ("HS 11364", True), ("BP 4060", True), ("VC 40508(a)", True), ("PC 459", False),
    ("HS 11359", False)])
def test_only_the_listed_statutes_are_related_charges(statute: str, related: bool) -> None:
    (record,) = history_of([disposition(count(statute))]).counts
    assert is_related(record) is related
