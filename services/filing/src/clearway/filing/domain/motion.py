"""What a Prop 64 motion says: the content of a motion and its proposed order (pure, no I/O).

A `MotionContent` (one case, its granted counts) is turned by `build_motion_document` into
a `MotionDocument`: every sentence of the filing as plain strings, laid out by an adapter.
The wording follows Judicial Council form CR-400 (Petition/Application, Health and Safety
Code section 11361.8): caption, case number, defendant and birth date, each count with its
statute, conviction date and relief asked, the procedure, the statutory basis, a declaration
signed by a Deputy District Attorney, and a proposed order with granted/denied boxes.

A bulk motion (one per court, the cases listed in an exhibit) uses `build_bulk_motion_document`
and one `ExhibitRow` per case (`exhibit_row`), columns `EXHIBIT_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from clearway.common.courts import STATE_COURT, county_name

Relief = Literal["dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction"]
Procedure = Literal["application", "petition"]

RELIEFS: tuple[str, ...] = get_args(Relief)
PROCEDURES: tuple[str, ...] = get_args(Procedure)

def court_caption(court: str) -> str:
    """Caption line: "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES".

    An unknown code still yields a usable caption naming the code.
    """
    county = county_name(court)
    if county is None:
        return f"{STATE_COURT} ({court})"
    return f"{STATE_COURT}, COUNTY OF {county.upper()}"


# ---------------------------------------------------------------------------------------
# Wording, as data
# ---------------------------------------------------------------------------------------

RELIEF_WORDING: dict[str, str] = {
    "dismiss_and_seal": "dismiss and seal",
    "reduce_to_misdemeanor": "reduce to a misdemeanor",
    "reduce_to_infraction": "redesignate as an infraction",
}
# How the proposed order words each relief once granted.
RELIEF_ORDERED: dict[str, str] = {
    "dismiss_and_seal": "dismissed as legally invalid and sealed",
    "reduce_to_misdemeanor": "reduced to a misdemeanor",
    "reduce_to_infraction": "redesignated as an infraction",
}

PROCEDURE_TITLES: dict[str, str] = {
    "petition": (
        "Petition for Recall or Dismissal of Sentence, "
        "Health and Safety Code section 11361.8(a)"
    ),
    "application": (
        "Application to Redesignate / Dismiss and Seal, "
        "Health and Safety Code section 11361.8(e)"
    ),
}
# Short form, for tables.
PROCEDURE_SHORT: dict[str, str] = {
    "petition": "Petition, HS 11361.8(a)",
    "application": "Application, HS 11361.8(e)",
}
PROCEDURE_ORDER: tuple[str, ...] = ("petition", "application")  # statute order: (a) before (e)

PROP64 = (
    "Proposition 64, the Control, Regulate and Tax Adult Use of Marijuana Act "
    "(Adult Use of Marijuana Act, AUMA), approved by the voters on November 8, 2016"
)

BASIS_GENERAL = (
    f"{PROP64}, reduced or eliminated the penalties for the possession, cultivation, "
    "possession for sale, and transportation or sale of cannabis (Health and Safety Code "
    "sections 11357, 11358, 11359 and 11360). Health and Safety Code section 11361.8 gives "
    "a person convicted of such an offense, who would not have been guilty of an offense or "
    "would have been guilty of a lesser offense had the Act been in effect at the time of "
    "the offense, the right to relief before the trial court that entered the judgment."
)
BASIS_BY_PROCEDURE: dict[str, str] = {
    "petition": (
        "Currently serving a sentence (Health and Safety Code section 11361.8(a)): a person "
        "currently serving a sentence may petition for a recall or dismissal of sentence. "
        "Under section 11361.8(b), the court shall presume the petitioner satisfies the "
        "criteria in subdivision (a) unless the party opposing the petition proves by clear "
        "and convincing evidence that the petitioner does not satisfy the criteria; if the "
        "criteria are satisfied, the court shall grant the petition unless it determines "
        "that granting it would pose an unreasonable risk of danger to public safety."
    ),
    "application": (
        "Sentence completed (Health and Safety Code section 11361.8(e)): a person who has "
        "completed a sentence may apply to have the conviction dismissed and sealed because "
        "it is now legally invalid, or redesignated as a misdemeanor or infraction. Under "
        "section 11361.8(f), the court shall presume the applicant satisfies the criteria in "
        "subdivision (e) unless the party opposing the application proves by clear and "
        "convincing evidence that the applicant does not satisfy them, and shall then "
        "redesignate the conviction or dismiss and seal it as legally invalid. Under section "
        "11361.8(g), no hearing is necessary unless the applicant requests one."
    ),
}
BASIS_SEALING = (
    "Dismissal and sealing: a conviction that is legally invalid under the Act is dismissed "
    "and sealed (Health and Safety Code section 11361.8(e), (f)). The People request that "
    "the record of each count dismissed be sealed."
)
BASIS_REDUCTION = (
    "Reduction: a felony conviction recalled and resentenced or redesignated as a "
    "misdemeanor or infraction, and a misdemeanor conviction redesignated as an infraction, "
    "shall be considered a misdemeanor or infraction for all purposes (Health and Safety "
    "Code section 11361.8(h))."
)
BASIS_PRESUMPTION_PEOPLE = (
    "The People, the party who could oppose this request, have reviewed the available "
    "records and do not oppose it: nothing in those records rebuts the presumption of "
    "eligibility, and no risk to public safety is asserted."
)

DECLARATION = (
    "I am a Deputy District Attorney{of_county}. I have reviewed the "
    "criminal history records available to the People for the defendant named above. "
    "Based on that review, each count listed above is eligible for the relief requested "
    "under Health and Safety Code section 11361.8, and the People request it on the "
    "defendant's behalf. I declare under penalty of perjury under the laws of the State "
    "of California that the foregoing is true and correct."
)
BULK_DECLARATION = (
    "I am a Deputy District Attorney{of_county}. I have reviewed the "
    "criminal history records available to the People for each defendant listed in "
    "Exhibit A. Based on that review, each count listed there is eligible for the relief "
    "stated for it under Health and Safety Code section 11361.8, and the People request it "
    "on each defendant's behalf. I declare under penalty of perjury under the laws of the "
    "State of California that the foregoing is true and correct."
)
PROSECUTOR_TITLE = "Deputy District Attorney"
JUDGE_TITLE = "Judge of the Superior Court"
ORDER_CHOICES: tuple[str, str] = ("GRANTED", "DENIED")
ORDER_CLOSING: tuple[str, ...] = (
    (
        "For each count granted, the clerk shall update the court's records accordingly, "
        "seal the records of each count dismissed and sealed, and report the disposition to "
        "the California Department of Justice."
    ),
)

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def court_date(value: date) -> str:
    """Date as courts print it on forms: 02/01/2010 (locale-independent)."""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


def long_date(value: date) -> str:
    """Date in words for the signature line: June 1, 2024 (locale-independent)."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def relief_wording(relief: str) -> str:
    return RELIEF_WORDING[relief]


def procedure_title(procedure: str) -> str:
    return PROCEDURE_TITLES[procedure]


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defendant:
    subject_id: str
    first_name: str
    last_name: str
    date_of_birth: date

    @property
    def full_name(self) -> str:
        """As on the caption: "JOSÉ NÚÑEZ"."""
        return f"{self.first_name} {self.last_name}".strip().upper()

    @property
    def exhibit_name(self) -> str:
        """As in an exhibit table: "NÚÑEZ, JOSÉ"."""
        return f"{self.last_name}, {self.first_name}".upper()


@dataclass(frozen=True)
class GrantedCount:
    count: int
    statute: str  # canonical, e.g. "HS 11359(b)"
    description: str | None
    level: str
    conviction_date: date
    relief: str  # one of RELIEFS
    procedure: str  # one of PROCEDURES
    decision_id: str

    def __post_init__(self) -> None:
        if self.relief not in RELIEFS:
            raise ValueError(f"count {self.count}: relief {self.relief!r} is not a granted relief")
        if self.procedure not in PROCEDURES:
            raise ValueError(f"count {self.count}: unknown procedure {self.procedure!r}")


@dataclass(frozen=True)
class MotionContent:
    court: str  # court code such as "CA-LA"
    case_number: str
    defendant: Defendant
    counts: tuple[GrantedCount, ...]
    prepared_on: date

    def __post_init__(self) -> None:
        if not self.counts:
            raise ValueError("a motion needs at least one granted count")
        numbers = [c.count for c in self.counts]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"case {self.case_number}: a count appears twice: {numbers}")

    @property
    def sorted_counts(self) -> tuple[GrantedCount, ...]:
        return tuple(sorted(self.counts, key=lambda c: c.count))

    @property
    def procedures(self) -> tuple[str, ...]:
        """Procedures the counts use, in statute order: (a) petition, then (e) application."""
        return procedures_of(c.procedure for c in self.counts)


def procedures_of(procedures: Iterable[str]) -> tuple[str, ...]:
    used = set(procedures)
    return tuple(p for p in PROCEDURE_ORDER if p in used)


def motion_title(procedures: Iterable[str]) -> str:
    """One title per procedure; a case mixing both names both."""
    return " and ".join(PROCEDURE_TITLES[p] for p in procedures_of(procedures))


# ---------------------------------------------------------------------------------------
# The document: every string an adapter lays out
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    count: str
    statute: str
    offense: str
    level: str
    conviction_date: str
    relief: str
    procedure: str


COUNT_COLUMNS: tuple[str, ...] = (
    "Count", "Statute", "Offense", "Level", "Convicted", "Relief requested", "Procedure",
)  # fmt: skip


@dataclass(frozen=True)
class OrderItem:
    label: str  # "Count 1, HS 11359(b), convicted 02/01/2010"
    granted: str  # "dismissed as legally invalid and sealed"


@dataclass(frozen=True)
class MotionDocument:
    caption: str
    case_number: str
    parties: tuple[str, ...]
    title: str
    intro: tuple[str, ...]
    count_rows: tuple[CountRow, ...]  # empty for a bulk motion (see the exhibit)
    basis: tuple[str, ...]
    request: tuple[str, ...]
    declaration: str
    signed: str  # "Executed on June 1, 2024, at Los Angeles County, California."
    prosecutor_title: str
    order_title: str
    order_intro: str
    order_items: tuple[OrderItem, ...]
    order_closing: tuple[str, ...]
    order_choices: tuple[str, str]
    judge_title: str
    references: tuple[str, ...]  # decision ids the motion rests on (traceability)
    keywords: str  # PDF metadata


def _of_county(court: str) -> str:
    """" of the County of Fresno"; empty for an unknown court code."""
    county = county_name(court)
    return "" if county is None else f" of the County of {county}"


def _executed(court: str, on: date) -> str:
    county = county_name(court)
    place = "in California" if county is None else f"at {county} County, California"
    return f"Executed on {long_date(on)}, {place}."


def _basis(procedures: tuple[str, ...], reliefs: set[str]) -> tuple[str, ...]:
    paragraphs = [BASIS_GENERAL, *(BASIS_BY_PROCEDURE[p] for p in procedures)]
    if "dismiss_and_seal" in reliefs:
        paragraphs.append(BASIS_SEALING)
    if reliefs & {"reduce_to_misdemeanor", "reduce_to_infraction"}:
        paragraphs.append(BASIS_REDUCTION)
    paragraphs.append(BASIS_PRESUMPTION_PEOPLE)
    return tuple(paragraphs)


def count_row(count: GrantedCount) -> CountRow:
    return CountRow(
        count=str(count.count),
        statute=count.statute,
        offense=count.description or "",
        level=count.level.capitalize(),
        conviction_date=court_date(count.conviction_date),
        relief=RELIEF_WORDING[count.relief],
        procedure=PROCEDURE_SHORT[count.procedure],
    )


def build_motion_document(content: MotionContent) -> MotionDocument:
    counts = content.sorted_counts
    procedures = content.procedures
    of_county = _of_county(content.court)
    defendant = content.defendant
    count_list = ", ".join(str(c.count) for c in counts)
    by_procedure = "; ".join(
        f"{PROCEDURE_TITLES[p]} (count(s) "
        + ", ".join(str(c.count) for c in counts if c.procedure == p)
        + ")"
        for p in procedures
    )
    intro = (
        (
            f"The People of the State of California, through the District Attorney"
            f"{of_county}, move on behalf of defendant {defendant.full_name} (date of "
            f"birth {court_date(defendant.date_of_birth)}) under Health and Safety Code "
            f"section 11361.8 for the relief stated below for count(s) {count_list} of case "
            f"{content.case_number}."
        ),
        f"Procedure: {by_procedure}.",
    )
    request = tuple(
        f"Count {c.count} ({c.statute}, convicted {court_date(c.conviction_date)}): "
        f"{RELIEF_WORDING[c.relief]}."
        for c in counts
    )
    return MotionDocument(
        caption=court_caption(content.court),
        case_number=content.case_number,
        parties=(
            "THE PEOPLE OF THE STATE OF CALIFORNIA,",
            "Plaintiff,",
            "v.",
            f"{defendant.full_name},",
            "Defendant.",
            f"Date of birth: {court_date(defendant.date_of_birth)}",
        ),
        title=motion_title(procedures),
        intro=intro,
        count_rows=tuple(count_row(c) for c in counts),
        basis=_basis(procedures, {c.relief for c in counts}),
        request=request,
        declaration=DECLARATION.format(of_county=of_county),
        signed=_executed(content.court, content.prepared_on),
        prosecutor_title=PROSECUTOR_TITLE,
        order_title=f"[PROPOSED] ORDER ({motion_title(procedures)})",
        order_intro=(
            f"The court, having read and considered the motion in case "
            f"{content.case_number}, People v. {defendant.full_name}, and good cause "
            "appearing, orders as marked for each count:"
        ),
        order_items=tuple(
            OrderItem(
                label=f"Count {c.count}, {c.statute}, convicted {court_date(c.conviction_date)}",
                granted=RELIEF_ORDERED[c.relief],
            )
            for c in counts
        ),
        order_closing=ORDER_CLOSING,
        order_choices=ORDER_CHOICES,
        judge_title=JUDGE_TITLE,
        references=tuple(c.decision_id for c in counts),
        keywords=(
            f"HS 11361.8 Prop 64 {content.court} {content.case_number} {defendant.subject_id}"
        ),
    )


def build_bulk_motion_document(court: str, case_count: int, prepared_on: date) -> MotionDocument:
    """Cover motion and proposed order for the cases listed in Exhibit A."""
    of_county = _of_county(court)
    cases = f"{case_count:,} case" + ("" if case_count == 1 else "s")
    return MotionDocument(
        caption=court_caption(court),
        case_number="See Exhibit A",
        parties=(
            "THE PEOPLE OF THE STATE OF CALIFORNIA,",
            "Plaintiff,",
            "v.",
            "THE DEFENDANTS IN THE CASES LISTED IN EXHIBIT A,",
            "Defendants.",
        ),
        title=(
            "Motion for Relief under Health and Safety Code section 11361.8 "
            f"in the {cases} listed in Exhibit A"
        ),
        intro=(
            (
                f"The People of the State of California, through the District Attorney"
                f"{of_county}, move on behalf of each defendant listed in Exhibit A "
                f"under Health and Safety Code section 11361.8 for the relief stated for each "
                f"count of the {cases} listed in Exhibit A, which is attached and incorporated "
                "here."
            ),
            "Procedure, as stated for each case in Exhibit A: "
            + "; ".join(PROCEDURE_TITLES[p] for p in PROCEDURE_ORDER)
            + ".",
        ),
        count_rows=(),
        basis=_basis(PROCEDURE_ORDER, set(RELIEFS)),
        request=(
            (
                f"For each of the {cases} listed in Exhibit A, the People request the relief "
                "stated in its Relief column (dismiss and seal, reduce to a misdemeanor, or "
                "redesignate as an infraction) for the counts in its Counts column."
            ),
        ),
        declaration=BULK_DECLARATION.format(of_county=of_county),
        signed=_executed(court, prepared_on),
        prosecutor_title=PROSECUTOR_TITLE,
        order_title="[PROPOSED] ORDER (Health and Safety Code section 11361.8)",
        order_intro=(
            f"The court, having read and considered the People's motion concerning the "
            f"{cases} listed in Exhibit A, and good cause appearing, orders:"
        ),
        order_items=(
            OrderItem(
                label=f"The {cases} listed in Exhibit A",
                granted="each count granted the relief stated for it in Exhibit A",
            ),
        ),
        order_closing=ORDER_CLOSING,
        order_choices=ORDER_CHOICES,
        judge_title=JUDGE_TITLE,
        references=(),
        keywords=f"HS 11361.8 Prop 64 {court} bulk",
    )


# ---------------------------------------------------------------------------------------
# Bulk exhibit
# ---------------------------------------------------------------------------------------

EXHIBIT_COLUMNS: tuple[str, ...] = (
    "Case number", "Defendant", "Date of birth", "Counts", "Statute", "Relief", "Procedure",
)  # fmt: skip


@dataclass(frozen=True)
class ExhibitRow:
    case_number: str
    defendant_name: str  # "LAST, FIRST"
    date_of_birth: date
    counts: str  # "1, 3"
    statutes: str  # "HS 11359(b), HS 11357(a)", one per count, same order
    reliefs: str  # "dismiss and seal" or "1: dismiss and seal; 3: reduce to a misdemeanor"
    procedure: str  # "Application, HS 11361.8(e)" or per count when mixed

    def as_record(self) -> tuple[str, ...]:
        """Values in EXHIBIT_COLUMNS order; dates in ISO 8601 (the CSV's form)."""
        return (
            self.case_number,
            self.defendant_name,
            self.date_of_birth.isoformat(),
            self.counts,
            self.statutes,
            self.reliefs,
            self.procedure,
        )


def _per_count(counts: tuple[GrantedCount, ...], values: list[str]) -> str:
    if len(set(values)) == 1:
        return values[0]
    return "; ".join(f"{c.count}: {v}" for c, v in zip(counts, values, strict=True))


def exhibit_row(content: MotionContent) -> ExhibitRow:
    """The exhibit line of one case (all its granted counts)."""
    counts = content.sorted_counts
    return ExhibitRow(
        case_number=content.case_number,
        defendant_name=content.defendant.exhibit_name,
        date_of_birth=content.defendant.date_of_birth,
        counts=", ".join(str(c.count) for c in counts),
        statutes=", ".join(c.statute for c in counts),
        reliefs=_per_count(counts, [RELIEF_WORDING[c.relief] for c in counts]),
        procedure=_per_count(counts, [PROCEDURE_SHORT[c.procedure] for c in counts]),
    )


@dataclass(frozen=True)
class BulkSummary:
    motion_count: int  # cases (exhibit rows) in the motion
    pages: int
