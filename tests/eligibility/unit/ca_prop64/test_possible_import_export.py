"""Rule 6, `POSSIBLE_IMPORT_EXPORT`: HS 11360 imported or exported, amount unknown."""
from tests.eligibility.unit.builders import count, decide_on, disposition


def test_an_import_of_unknown_amount_goes_to_review() -> None:
    body = count("HS 11360(a)")
    body["facts"] = {"imported": True}
    o = decide_on(disposition(body))
    assert (o.relief, o.reason_codes) == ("needs_review", ("POSSIBLE_IMPORT_EXPORT",))
