"""The offense lists of contract 4.1, read as the contract writes them: definite when the
statute and subsection settle it, possible when they do not."""
from __future__ import annotations

import pytest

from clearway.eligibility.domain.statutes import Statute, parse_statute
from clearway.eligibility.rulepacks.ca_prop64.offenses import (
    DEFINITE,
    PC290_REGISTRABLE,
    POSSIBLE,
    SUPER_STRIKES,
)


def statute(text: str) -> Statute:
    parsed = parse_statute(text)
    assert parsed is not None, text
    return parsed


SUPER_STRIKE_CASES = [
    ("PC 187", DEFINITE), ("187(A) PC", DEFINITE), ("PC 664/187(a)", DEFINITE),
    ("PC 190", DEFINITE), ("PC 190.2", DEFINITE), ("PC 190.05", DEFINITE),
    ("PC 664/190.2", DEFINITE), ("PC 1902", None),
    ("PC 245(d)(3)", DEFINITE), ("PC 245(d)(3)(a)", DEFINITE), ("PC 245(d)", None),
    ("PC 245(a)(1)", None), ("PC 245", None),
    ("PC 261(a)(2)", DEFINITE), ("PC 261(a)(6)", DEFINITE), ("PC 261(a)(1)", POSSIBLE),
    ("PC 261", POSSIBLE), ("PC 262(a)(4)", DEFINITE), ("PC 262(b)", POSSIBLE),
    ("PC 286(c)(1)", DEFINITE), ("PC 286(c)(3)", DEFINITE), ("PC 286(c)", POSSIBLE),
    ("PC 286(d)", DEFINITE), ("PC 286(b)", POSSIBLE),
    ("PC 287(c)(2)", DEFINITE), ("PC 288a(c)(1)", DEFINITE), ("PC288A", POSSIBLE),
    ("PC 288(a)", DEFINITE), ("PC 288(b)(1)", DEFINITE), ("PC 288(c)", POSSIBLE),
    ("PC 288", POSSIBLE), ("PC 288.5", DEFINITE), ("PC 288.7", DEFINITE),
    ("PC 289(a)", DEFINITE), ("PC 289(j)", DEFINITE), ("PC 289(b)", POSSIBLE),
    ("PC 217.1(b)", DEFINITE), ("PC 217.1(a)", POSSIBLE), ("PC 217.1", POSSIBLE),
    ("PC 653f(b)", DEFINITE), ("PC 653f(a)", POSSIBLE), ("PC 653f", POSSIBLE),
    ("PC 12310(a)", DEFINITE), ("PC 12310(b)", POSSIBLE),
    ("PC 18755(a)", DEFINITE), ("PC 18755", POSSIBLE),
    ("PC 11418(a)(1)", DEFINITE), ("PC 11418(a)(2)", None),
    ("PC 207", POSSIBLE), ("PC 207(a)", POSSIBLE), ("PC 220", POSSIBLE),
    ("PC 205", DEFINITE), ("PC 206", DEFINITE), ("PC 209", DEFINITE), ("PC 209.5", DEFINITE),
    ("PC 218", DEFINITE), ("PC 219", DEFINITE), ("PC 264.1", DEFINITE), ("PC 269", DEFINITE),
    ("PC 273ab", DEFINITE), ("PC 273a", None), ("PC 451.5", DEFINITE), ("PC 4500", DEFINITE),
    ("PC 12308", DEFINITE), ("PC 18745", DEFINITE), ("PC 191.5", DEFINITE),
    # an attempt: definite only for homicide (PC 667(e)(2)(C)(iv)(IV))
    ("PC 664/288(a)", POSSIBLE), ("PC 664/211", None), ("PC 664", None),
    ("HS 187", None), ("HS 11359", None), ("PC 459", None),
]


@pytest.mark.parametrize(("text", "kind"), SUPER_STRIKE_CASES)
def test_each_statute_is_the_kind_of_super_strike_the_contract_lists(
        text: str, kind: str | None) -> None:
    assert SUPER_STRIKES.kind(statute(text), "felony") == kind


PC290_CASES = [
    ("PC 236.1(b)", DEFINITE), ("PC 236.1(c)", DEFINITE), ("PC 236.1(a)", POSSIBLE),
    ("PC 236.1", POSSIBLE), ("PC 243.4(a)", DEFINITE),
    ("PC 261(a)(1)", DEFINITE), ("PC 261(a)(4)", DEFINITE), ("PC 261(a)(6)", DEFINITE),
    ("PC 261(a)(5)", POSSIBLE), ("PC 261", POSSIBLE),
    ("PC 262(a)(1)", DEFINITE), ("PC 262(a)(2)", POSSIBLE), ("PC 262", POSSIBLE),
    ("PC 264.1", DEFINITE), ("PC 266", DEFINITE), ("PC 266c", DEFINITE),
    ("PC 266h(b)", DEFINITE), ("PC 266h(a)", None), ("PC 266i(b)", DEFINITE),
    ("PC 266j", DEFINITE), ("PC 267", DEFINITE), ("PC 269", DEFINITE), ("PC 285", DEFINITE),
    ("PC 286(c)(2)", DEFINITE), ("PC 286(b)", POSSIBLE), ("PC 286(b)(1)", POSSIBLE),
    ("PC 286", POSSIBLE), ("PC 287(a)", DEFINITE), ("PC 287(b)", POSSIBLE),
    ("PC 288a(c)", DEFINITE), ("PC 288a(b)", POSSIBLE),
    ("PC 288", DEFINITE), ("PC 288(c)(1)", DEFINITE), ("PC 288.1", None),
    ("PC 288.3", DEFINITE), ("PC 288.4", DEFINITE), ("PC 288.5", DEFINITE),
    ("PC 288.6", DEFINITE), ("PC 288.7", DEFINITE),
    ("PC 289(a)", DEFINITE), ("PC 289(h)", POSSIBLE), ("PC 289(i)", POSSIBLE),
    ("PC 311.1", DEFINITE), ("PC 311.2(b)", DEFINITE), ("PC 311.2(d)", DEFINITE),
    ("PC 311.2(a)", None), ("PC 311.3", DEFINITE), ("PC 311.4", DEFINITE),
    ("PC 311.10", DEFINITE), ("PC 311.11(a)", DEFINITE), ("PC 314(1)", DEFINITE),
    ("PC 314(2)", DEFINITE), ("PC 647.6(a)", DEFINITE), ("PC 647a", DEFINITE),
    ("PC 647(b)", None), ("PC 653f(c)", DEFINITE), ("PC 653f(b)", None),
    ("PC 207", POSSIBLE), ("PC 209", POSSIBLE), ("PC 220", POSSIBLE), ("PC 272", POSSIBLE),
    ("PC 664/261(a)(2)", DEFINITE), ("PC 664/220", POSSIBLE),  # attempts count (290(c)(1))
    ("PC 290", None), ("HS 288", None), ("HS 11359", None),
]


@pytest.mark.parametrize(("text", "kind"), PC290_CASES)
def test_each_statute_is_the_kind_of_pc290_offense_the_contract_lists(
        text: str, kind: str | None) -> None:
    assert PC290_REGISTRABLE.kind(statute(text), "felony") == kind


@pytest.mark.parametrize(("level", "kind"), [("felony", DEFINITE), ("misdemeanor", POSSIBLE),
                                             ("infraction", POSSIBLE)])
def test_pc_288_2_is_definite_only_at_level_felony(level: str, kind: str) -> None:
    assert PC290_REGISTRABLE.kind(statute("PC 288.2"), level) == kind


def test_the_lists_cite_their_statutes() -> None:
    assert SUPER_STRIKES.citation == "PC 667(e)(2)(C)(iv)"
    assert PC290_REGISTRABLE.citation == "PC 290(c)"
