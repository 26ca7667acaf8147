"""Rule 3, `JUVENILE`: under 18 at the conduct, any section, goes to review (under the Act
each is an infraction for a minor; a reviewer chooses). Boundary: the 18th birthday."""
import pytest

from tests.eligibility.unit.builders import D, aged, born, count, decide_on, disposition

SECTIONS = ["HS 11357", "HS 11358", "HS 11359", "HS 11360"]
BIRTHDAY = D(1990, 6, 15)


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
@pytest.mark.parametrize("statute", SECTIONS)
def test_a_minor_is_reviewed_for_every_section(policy: str, statute: str) -> None:
    o = decide_on(disposition(count(statute, level="felony", plants=3), person=aged(14)),
                  policy=policy)
    assert (o.relief, o.procedure, o.reason_codes) == ("needs_review", None, ("JUVENILE",))


def test_a_felony_sale_at_14_is_not_reduced_to_a_misdemeanor() -> None:
    o = decide_on(disposition(count("HS 11359", level="felony"), person=aged(14)))
    assert o.relief == "needs_review"


@pytest.mark.parametrize("statute", SECTIONS)
def test_the_day_before_the_18th_birthday_is_a_minor(statute: str) -> None:
    event = disposition(count(statute, offense_date=D(2008, 6, 14), plants=3),
                        person=born(BIRTHDAY))
    assert decide_on(event).reason_codes == ("JUVENILE",)


@pytest.mark.parametrize("statute", SECTIONS)
def test_on_the_18th_birthday_the_person_is_no_longer_a_minor(statute: str) -> None:
    event = disposition(count(statute, offense_date=D(2008, 6, 15), plants=3),
                        person=born(BIRTHDAY))
    assert "JUVENILE" not in decide_on(event).reason_codes


def test_the_citation_names_the_counts_own_subdivision_for_a_minor() -> None:
    o = decide_on(disposition(count("HS 11359"), person=aged(16)))
    assert o.reasons[0].citation.startswith("HS 11359(a)")
    o = decide_on(disposition(count("HS 11360"), person=aged(16)))
    assert o.reasons[0].citation.startswith("HS 11360(a)(1)")
