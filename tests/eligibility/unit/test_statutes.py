from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.eligibility.domain.statutes import (
    LETTERED_SECTIONS,
    PROP64_SECTIONS,
    Statute,
    is_prop64,
    mentions_prop64_section,
    parse_statute,
)

SPELLINGS = [
    # The contract's examples.
    ("HS 11359(b)", "HS 11359(b)"),
    ("11359(B) HS", "HS 11359(b)"),
    ("H&S 11359 (b)", "HS 11359(b)"),
    ("HS11359B", "HS 11359(b)"),
    ("11358 HS-CULTIVATE CANNABIS", "HS 11358"),
    ("PC 664/187(a)", "PC 664/187(a)"),
    ("187(A) PC", "PC 187(a)"),
    # Health and Safety Code aliases.
    ("HS11358C", "HS 11358(c)"),
    ("H&S 11360 (a)", "HS 11360(a)"),
    ("H&S 11360(A)(1)", "HS 11360(a)(1)"),
    ("HSC 11357(b)", "HS 11357(b)"),
    ("H & S 11357", "HS 11357"),
    ("H&SC 11358", "HS 11358"),
    ("H.S. 11359", "HS 11359"),
    ("H. & S. 11359", "HS 11359"),
    ("H/S 11359 POSS FOR SALE??", "HS 11359"),
    ("H S 11359", "HS 11359"),
    ("H AND S 11359", "HS 11359"),
    ("HEALTH & SAFETY 11360(a)", "HS 11360(a)"),
    ("HEALTH AND SAFETY 11357", "HS 11357"),
    ("Health and Safety Code section 11357(b)", "HS 11357(b)"),
    ("HLTH & SAF 11359", "HS 11359"),
    ("HS § 11359", "HS 11359"),
    ("HS-11359", "HS 11359"),
    ("11359HS", "HS 11359"),
    # Descriptions and level flags after the citation.
    ("11359 H&S POSSESS FOR SALE", "HS 11359"),
    ("11359 (B)(1) H&S - FELONY", "HS 11359(b)(1)"),
    ("HS 11359 POSS MJ FOR SALE", "HS 11359"),
    ("HS 11360(A) M", "HS 11360(a)"),
    ("HS 11359 (POSS FOR SALE)", "HS 11359"),
    ("HS 11359, F", "HS 11359"),
    ("HS 11359.", "HS 11359"),
    # Case and spacing.
    ("  hs   11360 ( a ) ", "HS 11360(a)"),
    ("hs11360a", "HS 11360(a)"),
    ("HS 11360 (A) (1)", "HS 11360(a)(1)"),
    ("HS11360A1", "HS 11360(a)(1)"),
    ("HS11359B(1)", "HS 11359(b)(1)"),
    ("\tHS 11359(b)\n", "HS 11359(b)"),
    # Bare cannabis sections are HS.
    ("11357(a)", "HS 11357(a)"),
    ("11360", "HS 11360"),
    ("11359 POSS FOR SALE", "HS 11359"),
    ("11357A", "HS 11357(a)"),
    # Penal Code.
    ("664/187(A) PC", "PC 664/187(a)"),
    ("PC 664-187", "PC 664/187"),
    ("PC 664 / 187 (A)", "PC 664/187(a)"),
    ("PC 288(a)", "PC 288(a)"),
    ("PC 245(d)(3)", "PC 245(d)(3)"),
    ("PC 190.2", "PC 190.2"),
    ("PC 190.05", "PC 190.05"),
    ("PC 288.5", "PC 288.5"),
    ("PC 311.10", "PC 311.10"),
    ("PC 11418(a)(1)", "PC 11418(a)(1)"),
    ("PC 290", "PC 290"),
    ("P.C. 261", "PC 261"),
    ("PEN 187", "PC 187"),
    ("PENAL CODE SECTION 187", "PC 187"),
    ("pc 187", "PC 187"),
    ("187PC", "PC 187"),
    ("187 P.C.", "PC 187"),
    ("PC 667(E)(2)(C)(IV)", "PC 667(e)(2)(c)(iv)"),
    ("PC 243E1", "PC 243(e)(1)"),
    # Other codes.
    ("VC 23152(a)", "VC 23152(a)"),
    ("VC23152A", "VC 23152(a)"),
    ("23152(B) VEH", "VC 23152(b)"),
    ("V.C. 2800.2", "VC 2800.2"),
    ("B&P 25658(a)", "BP 25658(a)"),
    ("BPC 4060", "BP 4060"),
    ("W&I 707(b)", "WI 707(b)"),
    ("WIC 602", "WI 602"),
]


@pytest.mark.parametrize(("text", "canonical"), SPELLINGS)
def test_spelling_normalises_to_its_canonical_form(text: str, canonical: str) -> None:
    statute = parse_statute(text)
    assert statute is not None
    assert statute.canonical == canonical


UNPARSEABLE = [
    "",
    "   ",
    "HS",
    "POSSESS MARIJUANA FOR SALE",
    "187",  # a bare number that is not 11357-11360 has no code
    "187(A)",
    "664/187",
    "GC 12345",  # an unrecognised code
    "11359POSS",  # description glued to the number
    "HS 11359(POSS)",
    "HS 11357(c",  # unclosed subsection: do not drop it silently
    "HS 11357 (c",
    "PC 182/11359",  # conspiracy compound: which offense it is needs a human
    "182/11359 PC",
    "HS 11359/11360",
    "PC 999XY",  # two letters that are not a known lettered section
    "113 59",
    "HS 113590000",
]


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_statute(text) is None


def test_a_letter_glued_to_a_cannabis_section_is_a_subsection() -> None:
    assert parse_statute("HS11359B") == Statute("HS", "11359", ("b",))


def test_a_known_lettered_penal_section_keeps_its_letter() -> None:
    assert parse_statute("PC288A") == Statute("PC", "288a")
    assert parse_statute("288A PC") == Statute("PC", "288a")
    assert parse_statute("PC 266C") == Statute("PC", "266c")
    assert parse_statute("PC 266j") == Statute("PC", "266j")
    assert parse_statute("PC 653F") == Statute("PC", "653f")
    assert parse_statute("PC 273AB") == Statute("PC", "273ab")


def test_a_parenthesised_letter_is_always_a_subsection() -> None:
    assert parse_statute("PC 288(A)") == Statute("PC", "288", ("a",))


def test_a_lettered_section_can_have_subsections() -> None:
    assert parse_statute("PC 288A(C)(1)") == Statute("PC", "288a", ("c", "1"))


def test_an_unknown_single_glued_letter_is_a_subsection() -> None:
    assert parse_statute("PC288B") == Statute("PC", "288", ("b",))


def test_a_glued_letter_followed_by_a_spaced_code_is_still_a_subsection() -> None:
    # "B PC" must not be read as the Business and Professions Code ("BPC").
    assert parse_statute("288B PC") == Statute("PC", "288", ("b",))


def test_a_spaced_letter_after_a_non_cannabis_section_is_description() -> None:
    assert parse_statute("PC 288 A") == Statute("PC", "288")


@pytest.mark.parametrize("text", ["HS 11357 C", "11357 C", "11357 C HS", "HS 11359 F"])
def test_a_spaced_letter_after_a_cannabis_section_is_ambiguous(text: str) -> None:
    # "HS 11357 C" may mean 11357(c), which the rules treat unlike 11357.
    assert parse_statute(text) is None
    assert mentions_prop64_section(text)


@pytest.mark.parametrize(
    "text", ["11359 HS F", "HS 11359 - F", "HS 11359(B) F", "11359 H S", "HS 11359 MJ"]
)
def test_a_letter_after_the_code_a_hyphen_or_a_subsection_is_description(
    text: str,
) -> None:
    statute = parse_statute(text)
    assert statute is not None
    assert is_prop64(statute)


def test_an_attempt_keeps_the_attempted_offense_as_base_section() -> None:
    statute = parse_statute("PC 664/187(a)")
    assert statute is not None
    assert statute.section == "664/187"
    assert statute.base_section == "187"


def test_base_section_of_a_plain_section_is_the_section() -> None:
    assert Statute("PC", "288.5").base_section == "288.5"


def test_str_is_the_canonical_form() -> None:
    assert str(Statute("PC", "245", ("d", "3"))) == "PC 245(d)(3)"


def test_a_decimal_section_keeps_its_trailing_zero() -> None:
    # PC 311.10 and PC 311.1 are different offenses.
    assert parse_statute("PC 311.10") != parse_statute("PC 311.1")


def test_cannabis_sections_are_prop64() -> None:
    for section in PROP64_SECTIONS:
        assert is_prop64(Statute("HS", section, ("a",)))


def test_other_health_and_safety_sections_are_not_prop64() -> None:
    assert not is_prop64(Statute("HS", "11357.5"))
    assert not is_prop64(Statute("HS", "11350"))


def test_a_cannabis_number_under_another_code_is_not_prop64() -> None:
    assert not is_prop64(Statute("PC", "11359"))


@pytest.mark.parametrize(
    "text",
    [
        "H/S 11359 POSS FOR SALE??",
        "11357",
        "HS11358C",
        "CT1 11360-TRANSPORT",
        "182/11359",
        "11359POSS",
    ],
)
def test_text_citing_a_cannabis_section_mentions_prop64(text: str) -> None:
    assert mentions_prop64_section(text)


@pytest.mark.parametrize(
    "text",
    ["PC 187", "113590", "211359", "HS 11357.5", "113 59", "11356", "11361", ""],
)
def test_text_without_a_cannabis_section_does_not_mention_prop64(text: str) -> None:
    assert not mentions_prop64_section(text)


# Property tests.

CODE_ALIASES = {
    "HS": [
        "HS",
        "H&S",
        "H & S",
        "H.S.",
        "HSC",
        "H&SC",
        "H/S",
        "HEALTH & SAFETY",
        "HEALTH AND SAFETY",
        "HEALTH AND SAFETY CODE",
        "H S",
    ],
    "PC": ["PC", "P.C.", "PEN", "PENAL", "PENAL CODE"],
    "VC": ["VC", "V.C.", "VEH", "VEHICLE CODE"],
    "BP": ["BP", "B&P", "B & P", "BPC"],
    "WI": ["WI", "W&I", "W & I", "WIC"],
}
ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"

subsection_parts = st.one_of(
    st.sampled_from(LETTERS),
    st.integers(0, 999).map(str),
    st.sampled_from(ROMAN),
)
plain_sections = st.from_regex(r"[1-9][0-9]{0,4}(\.[0-9]{1,3})?", fullmatch=True)


@st.composite
def statutes(draw: st.DrawFn) -> Statute:
    code = draw(st.sampled_from(sorted(CODE_ALIASES)))
    lettered = sorted(LETTERED_SECTIONS.get(code, ()))
    section_choices = [plain_sections, plain_sections.map(lambda s: f"664/{s}")]
    if lettered:
        section_choices.append(st.sampled_from(lettered))
    section = draw(st.one_of(*section_choices))
    subsections = draw(st.lists(subsection_parts, max_size=4))
    return Statute(code, section, tuple(subsections))


def random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))


spaces = st.sampled_from(["", " ", "  ", "\t"])
descriptions = st.one_of(
    st.sampled_from([" POSSESS FOR SALE", "-CULTIVATE CANNABIS", " - POSS MJ", ", FELONY", " - M"]),
    st.tuples(
        st.sampled_from([" ", "-", " - ", ", "]),
        # A lone letter right after a cannabis section is ambiguous (tested above).
        st.from_regex(r"[A-Z]{2}[A-Z ]{0,20}", fullmatch=True),
    ).map("".join),
)


def can_glue_first_subsection(statute: Statute) -> bool:
    """Whether "HS11359B" can stand for HS 11359(b) without ambiguity."""
    if not statute.subsections or statute.section[-1].isalpha():
        return False
    first = statute.subsections[0]
    lettered = LETTERED_SECTIONS.get(statute.code, frozenset())
    return len(first) == 1 and first.isalpha() and statute.base_section + first not in lettered


@st.composite
def spellings(draw: st.DrawFn, statute: Statute) -> str:
    code = random_case(draw, draw(st.sampled_from(CODE_ALIASES[statute.code])))
    number = random_case(draw, statute.section)
    if "/" in number:
        head, _, tail = number.partition("/")
        number = f"{head}{draw(spaces)}/{draw(spaces)}{tail}"
    parts = list(statute.subsections)
    if can_glue_first_subsection(statute) and draw(st.booleans()):
        number += random_case(draw, parts.pop(0))
    for part in parts:
        part = random_case(draw, part)
        number += f"{draw(spaces)}({draw(spaces)}{part}{draw(spaces)})"

    description = draw(st.one_of(st.just(""), descriptions))
    if draw(st.booleans()):
        text = f"{code}{draw(spaces)}{number}{description}"
    else:
        # A letter glued to the number needs a space before a trailing code.
        gap = draw(spaces.filter(bool) if number[-1].isalpha() else spaces)
        text = f"{number}{gap}{code}{description}"
    return f"{draw(spaces)}{text}{draw(spaces)}"


@given(statutes())
def test_the_canonical_form_round_trips(statute: Statute) -> None:
    assert parse_statute(statute.canonical) == statute


@given(st.data())
def test_every_spelling_of_a_statute_normalises_to_it(data: st.DataObject) -> None:
    statute = data.draw(statutes())
    text = data.draw(spellings(statute))
    assert parse_statute(text) == statute


@given(st.data())
def test_a_bare_cannabis_section_is_read_as_health_and_safety(
    data: st.DataObject,
) -> None:
    section = data.draw(st.sampled_from(sorted(PROP64_SECTIONS)))
    parts = data.draw(st.lists(subsection_parts, max_size=3))
    text = section + "".join(f"({part.upper()})" for part in parts)
    assert parse_statute(text) == Statute("HS", section, tuple(parts))


@given(st.text())
def test_parse_statute_never_raises(text: str) -> None:
    parse_statute(text)
    mentions_prop64_section(text)


@given(st.text(alphabet="0123456789()/&.- HSPCBVWIabchs§\t"))
def test_parse_statute_never_raises_on_citation_like_text(text: str) -> None:
    result = parse_statute(text)
    if result is not None:
        assert parse_statute(result.canonical) == result
