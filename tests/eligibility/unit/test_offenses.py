from __future__ import annotations

import pytest

from clearway.eligibility.domain.offenses import (
    PC290_REGISTRABLE,
    SUPER_STRIKES,
    OffenseList,
    is_pc290_registrable,
    is_super_strike,
)
from clearway.eligibility.domain.statutes import Statute, parse_statute


def statute(text: str) -> Statute:
    parsed = parse_statute(text)
    assert parsed is not None, text
    return parsed


# The lists themselves.


def test_super_strikes_cite_pc_667_e_2_c_iv() -> None:
    assert SUPER_STRIKES.citation == "PC 667(e)(2)(C)(iv)"


def test_pc290_registrable_offenses_cite_pc_290_c() -> None:
    assert PC290_REGISTRABLE.citation == "PC 290(c)"


def test_an_entry_that_is_not_a_canonical_statute_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="not a canonical statute"):
        OffenseList(name="broken", citation="none", entries=("PC 187", "murder"))


def test_an_entry_in_a_non_canonical_spelling_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError):
        OffenseList(name="broken", citation="none", entries=("187(A) PC",))


def test_offense_lists_with_the_same_entries_are_equal() -> None:
    assert OffenseList("a", "b", ("PC 187",)) == OffenseList("a", "b", ("PC 187",))


# Super strikes.


def test_murder_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 187"))


def test_murder_with_a_subsection_is_a_super_strike() -> None:
    assert is_super_strike(statute("187(A) PC"))


def test_attempted_murder_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 664/187(a)"))


def test_an_attempt_of_another_offense_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 664/211"))


def test_an_attempt_of_a_listed_offense_is_not_a_super_strike_unless_listed() -> None:
    assert not is_super_strike(statute("PC 664/207"))


def test_the_attempt_section_alone_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 664"))


@pytest.mark.parametrize("text", ["PC 190", "PC 190.05", "PC 190.1", "PC 190.2(a)(17)"])
def test_the_pc_190_family_is_a_super_strike(text: str) -> None:
    assert is_super_strike(statute(text))


def test_pc_1902_is_not_in_the_pc_190_family() -> None:
    assert not is_super_strike(statute("PC 1902"))


def test_pc_245_d_3_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 245(d)(3)"))


def test_a_deeper_subsection_of_pc_245_d_3_is_a_super_strike() -> None:
    assert is_super_strike(Statute("PC", "245", ("d", "3", "a")))


def test_pc_245_d_without_3_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 245(d)"))


def test_pc_245_d_1_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 245(d)(1)"))


def test_assault_with_a_deadly_weapon_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 245(a)(1)"))


def test_pc_288_a_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 288(a)"))


def test_pc_288_b_1_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 288(b)(1)"))


def test_pc_288_c_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 288(c)(1)"))


def test_pc_288_without_subsection_is_not_a_super_strike() -> None:
    # Only 288(a) and 288(b) are listed; a bare 288 may be 288(c).
    assert not is_super_strike(statute("PC 288"))


def test_pc_288_does_not_match_288_5_for_the_super_strike_list() -> None:
    # 288.5 is a super strike through its own entry, not through 288(a)/(b).
    assert not SUPER_STRIKES.matches(Statute("PC", "288.55"))
    assert is_super_strike(statute("PC 288.5"))


def test_lettered_section_288a_c_1_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 288a(c)(1)"))


def test_lettered_section_288a_c_2_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 288a(c)(2)"))


def test_lettered_section_288a_alone_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC288A"))


def test_pc_273ab_is_a_super_strike() -> None:
    assert is_super_strike(statute("PC 273AB"))


def test_pc_273a_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 273A"))


def test_pc_653f_is_a_super_strike_with_any_subsection() -> None:
    assert is_super_strike(statute("PC 653f(a)"))


def test_pc_286_c_1_is_a_super_strike_but_286_c_2_is_not() -> None:
    assert is_super_strike(statute("PC 286(c)(1)"))
    assert not is_super_strike(statute("PC 286(c)(2)(a)"))


def test_pc_11418_a_1_is_a_super_strike_but_11418_a_2_is_not() -> None:
    assert is_super_strike(statute("PC 11418(a)(1)"))
    assert not is_super_strike(statute("PC 11418(a)(2)"))


def test_pc_289_j_is_a_super_strike_but_289_a_is_not() -> None:
    assert is_super_strike(statute("PC 289(j)"))
    assert not is_super_strike(statute("PC 289(a)"))


def test_a_super_strike_section_under_another_code_is_not_a_super_strike() -> None:
    assert not is_super_strike(Statute("HS", "187"))
    assert not is_super_strike(Statute("VC", "187"))


def test_a_cannabis_conviction_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("HS 11359(b)"))


@pytest.mark.parametrize(
    "text",
    [
        "PC 18745",
        "PC 18755",
        "PC 12308",
        "PC 12310",
        "PC 4500",
        "PC 451.5",
        "PC 191.5",
        "PC 209.5",
        "PC 217.1",
        "PC 264.1",
    ],
)
def test_listed_super_strikes_match(text: str) -> None:
    assert is_super_strike(statute(text))


def test_a_similar_number_is_not_a_super_strike() -> None:
    assert not is_super_strike(statute("PC 191"))
    assert not is_super_strike(statute("PC 209.1"))


# PC 290 registrable offenses.


def test_rape_is_pc290_registrable() -> None:
    assert is_pc290_registrable(statute("PC 261(a)(2)"))


def test_pc_288_with_any_subsection_is_pc290_registrable() -> None:
    assert is_pc290_registrable(statute("PC 288(c)(1)"))


def test_pc_288a_is_pc290_registrable() -> None:
    assert is_pc290_registrable(statute("PC288A"))


@pytest.mark.parametrize("section", ["288.2", "288.3", "288.4", "288.5", "288.6", "288.7"])
def test_the_pc_288_2_to_288_7_range_is_pc290_registrable(section: str) -> None:
    assert is_pc290_registrable(Statute("PC", section))


def test_pc_288_1_is_not_pc290_registrable() -> None:
    assert not is_pc290_registrable(statute("PC 288.1"))


def test_pc_236_1_b_is_pc290_registrable_but_236_1_a_is_not() -> None:
    assert is_pc290_registrable(statute("PC 236.1(b)"))
    assert is_pc290_registrable(statute("PC 236.1(c)(2)"))
    assert not is_pc290_registrable(statute("PC 236.1(a)"))


def test_pc_262_a_is_pc290_registrable_but_262_b_is_not() -> None:
    assert is_pc290_registrable(statute("PC 262(a)(1)"))
    assert not is_pc290_registrable(statute("PC 262(b)"))


def test_pc_311_2_b_to_d_is_pc290_registrable_but_311_2_a_is_not() -> None:
    for sub in "bcd":
        assert is_pc290_registrable(Statute("PC", "311.2", (sub,)))
    assert not is_pc290_registrable(statute("PC 311.2(a)"))


def test_pc_311_10_is_pc290_registrable_and_distinct_from_311_1() -> None:
    assert is_pc290_registrable(statute("PC 311.10"))
    assert is_pc290_registrable(statute("PC 311.1"))
    assert not is_pc290_registrable(statute("PC 311.12"))


def test_indecent_exposure_is_pc290_registrable() -> None:
    assert is_pc290_registrable(statute("PC 314(1)"))
    assert is_pc290_registrable(statute("PC 314(2)"))
    assert not is_pc290_registrable(statute("PC 314"))


def test_pc_653f_b_is_pc290_registrable_but_653f_a_is_not() -> None:
    assert is_pc290_registrable(statute("PC 653f(b)"))
    assert is_pc290_registrable(statute("PC 653F(C)"))
    assert not is_pc290_registrable(statute("PC 653f(a)"))


def test_pc_266c_and_266j_are_pc290_registrable_but_266h_is_not() -> None:
    assert is_pc290_registrable(statute("PC 266C"))
    assert is_pc290_registrable(statute("PC266J"))
    assert not is_pc290_registrable(statute("PC 266H"))


def test_pc_266_is_pc290_registrable() -> None:
    assert is_pc290_registrable(statute("PC 266"))


def test_pc_647_6_is_pc290_registrable_but_647_b_is_not() -> None:
    assert is_pc290_registrable(statute("PC 647.6(a)(1)"))
    assert not is_pc290_registrable(statute("PC 647(b)"))


def test_an_attempted_registrable_offense_is_not_registrable_unless_listed() -> None:
    assert not is_pc290_registrable(statute("PC 664/288"))


def test_a_registrable_section_under_another_code_is_not_registrable() -> None:
    assert not is_pc290_registrable(Statute("HS", "288"))


def test_the_registration_statute_itself_is_not_a_registrable_offense() -> None:
    # A PC 290 registration event counts (contract 4.1), but that is a separate
    # fact; failing to register is not in the list.
    assert not is_pc290_registrable(statute("PC 290"))


def test_a_cannabis_conviction_is_not_pc290_registrable() -> None:
    assert not is_pc290_registrable(statute("11358 HS-CULTIVATE CANNABIS"))
