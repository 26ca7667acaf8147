"""What a Prop 64 motion says, before any rendering."""

from __future__ import annotations

import re
from datetime import date

import pytest

from clearway.common.courts import COUNTIES
from clearway.filing.domain.motion import (
    EXHIBIT_COLUMNS,
    PROCEDURE_TITLES,
    Defendant,
    ExhibitRow,
    GrantedCount,
    MotionContent,
    build_bulk_motion_document,
    build_motion_document,
    court_caption,
    court_date,
    exhibit_row,
    long_date,
    motion_title,
    relief_wording,
)

PETITION_TITLE = (
    "Petition for Recall or Dismissal of Sentence, Health and Safety Code section 11361.8(a)"
)
APPLICATION_TITLE = (
    "Application to Redesignate / Dismiss and Seal, Health and Safety Code section 11361.8(e)"
)


def granted(
    count: int,
    *,
    statute: str = "HS 11359(b)",
    relief: str = "dismiss_and_seal",
    procedure: str = "application",
    convicted: date = date(2010, 2, 1),
) -> GrantedCount:
    return GrantedCount(
        count=count,
        statute=statute,
        description="POSSESS MARIJUANA FOR SALE",
        level="felony",
        conviction_date=convicted,
        relief=relief,
        procedure=procedure,
        decision_id=f"dec-{count}",
    )


def motion(*counts: GrantedCount, court: str = "CA-LA") -> MotionContent:
    return MotionContent(
        court=court,
        case_number="BA123456",
        defendant=Defendant("CII-1", "José", "Núñez", date(1980, 1, 2)),
        counts=counts,
        prepared_on=date(2024, 6, 1),
    )


def test_the_county_table_lists_all_58_california_counties_once() -> None:
    assert len(COUNTIES) == 58
    assert len(set(COUNTIES.values())) == 58
    assert all(re.fullmatch(r"CA-[A-Z]{2,3}", code) for code in COUNTIES)


@pytest.mark.parametrize(
    ("code", "county"),
    [
        ("CA-LA", "Los Angeles"),
        ("CA-SF", "San Francisco"),
        ("CA-SD", "San Diego"),
        ("CA-ALA", "Alameda"),
        ("CA-SAC", "Sacramento"),
        ("CA-OR", "Orange"),
        ("CA-RIV", "Riverside"),
        ("CA-SB", "San Bernardino"),
        ("CA-SCL", "Santa Clara"),
        ("CA-FRE", "Fresno"),
        ("CA-KER", "Kern"),
    ],
)
def test_a_court_code_names_its_county(code: str, county: str) -> None:
    assert COUNTIES[code] == county


def test_the_caption_names_the_superior_court_of_the_county() -> None:
    assert court_caption("CA-LA") == "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES"
    assert court_caption("CA-SLO") == "SUPERIOR COURT OF CALIFORNIA, COUNTY OF SAN LUIS OBISPO"


def test_an_unknown_court_code_still_gets_a_caption_naming_the_code() -> None:
    assert court_caption("CA-XYZ") == "SUPERIOR COURT OF CALIFORNIA (CA-XYZ)"


def test_each_relief_has_its_plain_wording() -> None:
    assert relief_wording("dismiss_and_seal") == "dismiss and seal"
    assert relief_wording("reduce_to_misdemeanor") == "reduce to a misdemeanor"
    assert relief_wording("reduce_to_infraction") == "redesignate as an infraction"


def test_a_petition_cites_subdivision_a_and_an_application_subdivision_e() -> None:
    assert PROCEDURE_TITLES["petition"] == PETITION_TITLE
    assert PROCEDURE_TITLES["application"] == APPLICATION_TITLE
    assert motion_title(["petition"]) == PETITION_TITLE
    assert motion_title(["application", "application"]) == APPLICATION_TITLE


def test_a_case_mixing_procedures_states_both_petition_first() -> None:
    assert motion_title(["application", "petition"]) == f"{PETITION_TITLE} and {APPLICATION_TITLE}"


def test_dates_print_the_same_way_whatever_the_locale() -> None:
    assert court_date(date(1980, 1, 2)) == "01/02/1980"
    assert long_date(date(2024, 6, 1)) == "June 1, 2024"


def test_the_motion_names_court_case_defendant_and_birth_date() -> None:
    doc = build_motion_document(motion(granted(1)))
    assert doc.caption == "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES"
    assert doc.case_number == "BA123456"
    assert "JOSÉ NÚÑEZ," in doc.parties
    assert "Date of birth: 01/02/1980" in doc.parties
    assert "THE PEOPLE OF THE STATE OF CALIFORNIA," in doc.parties


def test_the_motion_lists_every_count_in_order_with_statute_date_and_relief() -> None:
    doc = build_motion_document(
        motion(
            granted(3, statute="HS 11360(a)", relief="reduce_to_misdemeanor"),
            granted(1, statute="HS 11357(b)", convicted=date(2009, 5, 6)),
        )
    )
    assert [row.count for row in doc.count_rows] == ["1", "3"]
    first, third = doc.count_rows
    assert (first.statute, first.conviction_date, first.relief) == (
        "HS 11357(b)",
        "05/06/2009",
        "dismiss and seal",
    )
    assert (third.statute, third.relief) == ("HS 11360(a)", "reduce to a misdemeanor")
    assert doc.request == (
        "Count 1 (HS 11357(b), convicted 05/06/2009): dismiss and seal.",
        "Count 3 (HS 11360(a), convicted 02/01/2010): reduce to a misdemeanor.",
    )


def test_the_statutory_basis_cites_prop_64_and_section_11361_8() -> None:
    basis = " ".join(build_motion_document(motion(granted(1))).basis)
    assert "Proposition 64" in basis
    assert "Adult Use of Marijuana Act" in basis
    assert "2016" in basis
    assert "section 11361.8" in basis


def test_a_petition_states_the_presumption_of_subdivision_b() -> None:
    doc = build_motion_document(motion(granted(1, procedure="petition")))
    basis = " ".join(doc.basis)
    assert doc.title == PETITION_TITLE
    assert "11361.8(b), the court shall presume the petitioner satisfies the criteria" in basis
    assert "clear and convincing evidence" in basis
    assert "11361.8(e)):" not in basis  # no application paragraph


def test_an_application_states_the_presumption_of_subdivision_f() -> None:
    doc = build_motion_document(motion(granted(1, procedure="application")))
    basis = " ".join(doc.basis)
    assert doc.title == APPLICATION_TITLE
    assert "11361.8(f), the court shall presume the applicant satisfies the criteria" in basis
    assert "11361.8(a)):" not in basis  # no petition paragraph


def test_a_mixed_case_states_both_procedures_and_which_counts_use_each() -> None:
    doc = build_motion_document(
        motion(granted(1, procedure="application"), granted(2, procedure="petition"))
    )
    assert doc.title == f"{PETITION_TITLE} and {APPLICATION_TITLE}"
    assert doc.intro[1] == (
        f"Procedure: {PETITION_TITLE} (count(s) 2); {APPLICATION_TITLE} (count(s) 1)."
    )


def test_sealing_is_cited_only_when_a_count_is_dismissed() -> None:
    dismissed = " ".join(build_motion_document(motion(granted(1))).basis)
    reduced = " ".join(
        build_motion_document(motion(granted(1, relief="reduce_to_infraction"))).basis
    )
    assert "dismissed and sealed (Health and Safety Code section 11361.8(e), (f))" in dismissed
    assert "sealed (Health" not in reduced
    assert "11361.8(h)" in reduced
    assert "11361.8(h)" not in dismissed


def test_the_declaration_is_signed_by_a_deputy_district_attorney_of_the_county() -> None:
    doc = build_motion_document(motion(granted(1), court="CA-SF"))
    assert doc.prosecutor_title == "Deputy District Attorney"
    assert "County of San Francisco" in doc.declaration
    assert "under penalty of perjury" in doc.declaration
    assert doc.signed == "Executed on June 1, 2024, at San Francisco County, California."


def test_the_proposed_order_has_a_granted_or_denied_choice_for_each_count() -> None:
    doc = build_motion_document(
        motion(granted(1), granted(2, relief="reduce_to_misdemeanor", statute="HS 11360(a)"))
    )
    assert doc.order_title.startswith("[PROPOSED] ORDER")
    assert doc.order_choices == ("GRANTED", "DENIED")
    assert doc.judge_title == "Judge of the Superior Court"
    assert [(item.label, item.granted) for item in doc.order_items] == [
        ("Count 1, HS 11359(b), convicted 02/01/2010", "dismissed as legally invalid and sealed"),
        ("Count 2, HS 11360(a), convicted 02/01/2010", "reduced to a misdemeanor"),
    ]


def test_the_motion_keeps_the_decision_ids_it_rests_on() -> None:
    doc = build_motion_document(motion(granted(2), granted(1)))
    assert doc.references == ("dec-1", "dec-2")


def test_a_count_whose_relief_was_not_granted_cannot_be_moved_on() -> None:
    with pytest.raises(ValueError, match="not a granted relief"):
        granted(1, relief="needs_review")


def test_an_unknown_procedure_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown procedure"):
        granted(1, procedure="hearing")


def test_a_motion_without_counts_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        motion()


def test_a_motion_naming_a_count_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        motion(granted(1), granted(1))


def test_an_exhibit_row_summarises_one_case() -> None:
    row = exhibit_row(
        motion(
            granted(3, statute="HS 11360(a)", relief="reduce_to_misdemeanor", procedure="petition"),
            granted(1, statute="HS 11359(b)"),
        )
    )
    assert row == ExhibitRow(
        case_number="BA123456",
        defendant_name="NÚÑEZ, JOSÉ",
        date_of_birth=date(1980, 1, 2),
        counts="1, 3",
        statutes="HS 11359(b), HS 11360(a)",
        reliefs="1: dismiss and seal; 3: reduce to a misdemeanor",
        procedure="1: Application, HS 11361.8(e); 3: Petition, HS 11361.8(a)",
    )


def test_an_exhibit_row_states_a_shared_relief_and_procedure_once() -> None:
    row = exhibit_row(motion(granted(1), granted(2)))
    assert row.reliefs == "dismiss and seal"
    assert row.procedure == "Application, HS 11361.8(e)"


def test_an_exhibit_record_follows_the_exhibit_columns_with_an_iso_birth_date() -> None:
    assert EXHIBIT_COLUMNS == (
        "Case number",
        "Defendant",
        "Date of birth",
        "Counts",
        "Statute",
        "Relief",
        "Procedure",
    )
    record = exhibit_row(motion(granted(1))).as_record()
    assert len(record) == len(EXHIBIT_COLUMNS)
    assert record[:3] == ("BA123456", "NÚÑEZ, JOSÉ", "1980-01-02")


def test_the_bulk_motion_refers_to_the_cases_listed_in_exhibit_a() -> None:
    doc = build_bulk_motion_document("CA-LA", 12345, date(2024, 6, 1))
    text = " ".join([doc.title, *doc.intro, *doc.request, doc.order_intro])
    assert "the 12,345 cases listed in Exhibit A" in text
    assert doc.case_number == "See Exhibit A"
    assert PETITION_TITLE in doc.intro[1]
    assert APPLICATION_TITLE in doc.intro[1]
    assert doc.count_rows == ()
    assert doc.order_choices == ("GRANTED", "DENIED")


def test_a_bulk_motion_of_one_case_says_case_not_cases() -> None:
    doc = build_bulk_motion_document("CA-LA", 1, date(2024, 6, 1))
    assert "the 1 case listed in Exhibit A" in doc.title


def test_a_motion_for_an_unknown_court_does_not_invent_a_county() -> None:
    doc = build_motion_document(motion(granted(1), court="CA-XYZ"))
    text = " ".join([*doc.intro, doc.declaration, doc.signed])
    assert "County of" not in text
    assert "through the District Attorney, move on behalf of defendant" in doc.intro[0]
    assert doc.signed == "Executed on June 1, 2024, in California."
