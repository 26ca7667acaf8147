"""Rule 7, `FELONY_REDUCTION`: an HS 11358, 11359 or 11360 felony without a bar is reduced
to a misdemeanor, citing the subdivision that makes it one under the Act."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_on, disposition


@pytest.mark.parametrize(("statute", "cites"), [("HS 11358", "HS 11358(c)"),
                                                ("HS 11359", "HS 11359(b)"),
                                                ("HS 11360(a)", "HS 11360(a)(2)")])
@pytest.mark.parametrize("age", [18, 45])
def test_an_adults_felony_is_reduced_to_a_misdemeanor(statute: str, cites: str,
                                                       age: int) -> None:
    o = decide_on(disposition(count(statute, level="felony", plants=40), person=aged(age)))
    assert (o.relief, o.reason_codes) == ("reduce_to_misdemeanor", ("FELONY_REDUCTION",))
    assert o.reasons[0].citation.startswith(cites)


def test_an_attempted_sale_counts_as_the_sale() -> None:
    o = decide_on(disposition(count("PC 664/11359", level="felony")))
    assert (o.relief, o.statute) == ("reduce_to_misdemeanor", "PC 664/11359")
