"""County policy (4.5), additional relief: each option turns a reduction into a dismissal
(PC 1385, beyond HS 11361.8). Each is made for the county's own number (`age_at_least: 57`)."""
from __future__ import annotations

import datetime as dt

from clearway.eligibility.domain.history import age_on
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts, prop64_section
from clearway.eligibility.rulepacks.model import Citation, Rule

CITATION = Citation("PC 1385")
COURT_DECIDES = (" The prosecutor's policy asks the court to dismiss it in the interest of "
                 "justice; whether the court can after the sentence has ended is for the court "
                 "to decide.")


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def under_21_at_conviction() -> Rule:
    def holds(facts: Facts) -> bool:
        born = facts.history.date_of_birth
        return born is not None and age_on(born, facts.count.disposition_date) < 21

    return Rule(code="RELIEF_UNDER_21", relief="dismiss_and_seal",
                condition="Under 21 when convicted (`under_21_at_conviction`)",
                text="The person was under 21 when convicted, so this reduction becomes a "
                     "dismissal." + COURT_DECIDES,
                citation=CITATION, when=holds)


def age_at_least(years: int) -> Rule:
    def holds(facts: Facts) -> bool:
        born = facts.history.date_of_birth
        return born is not None and age_on(born, facts.as_of) >= years

    return Rule(code="RELIEF_AGE", relief="dismiss_and_seal",
                condition=f"{years} or older today (`age_at_least: {years}`)",
                text=f"The person is {years} or older, so this reduction becomes a dismissal."
                     + COURT_DECIDES,
                citation=CITATION, when=holds)


def years_since_conviction(years: int) -> Rule:
    def holds(facts: Facts) -> bool:
        return facts.count.disposition_date <= years_before(facts.as_of, years)

    return Rule(code="RELIEF_YEARS_SINCE_CONVICTION", relief="dismiss_and_seal",
                condition=f"Convicted {years} or more years ago "
                          f"(`years_since_conviction: {years}`)",
                text=f"The conviction is {years} or more years old, so this reduction becomes "
                     "a dismissal." + COURT_DECIDES,
                citation=CITATION, when=holds)


def years_crime_free(years: int) -> Rule:
    def holds(facts: Facts) -> bool:
        since = years_before(facts.as_of, years)
        return not any(c.convicted and c.disposition_date > since
                       for c in facts.history.counts)

    return Rule(code="RELIEF_CRIME_FREE", relief="dismiss_and_seal",
                condition=f"No conviction of any kind in the last {years} years "
                          f"(`years_crime_free: {years}`)",
                text=f"The person has had no conviction in the last {years} years, so this "
                     "reduction becomes a dismissal." + COURT_DECIDES,
                citation=CITATION, when=holds)


def only_prop64_convictions() -> Rule:
    def holds(facts: Facts) -> bool:
        return all(c.statute is not None and prop64_section(c.statute) is not None
                   for c in facts.history.counts if c.convicted)

    return Rule(code="RELIEF_ONLY_PROP64", relief="dismiss_and_seal",
                condition="Every conviction on record is HS 11357-11360 "
                          "(`only_prop64_convictions`)",
                text="The person's only convictions are cannabis convictions under Proposition "
                     "64, so this reduction becomes a dismissal." + COURT_DECIDES,
                citation=CITATION, when=holds)


def deceased() -> Rule:
    def holds(facts: Facts) -> bool:
        return facts.history.death_date is not None

    return Rule(code="RELIEF_DECEASED", relief="dismiss_and_seal",
                condition="A death is on record (`deceased`)",
                text="The person has died, so this reduction becomes a dismissal."
                     + COURT_DECIDES,
                citation=CITATION, when=holds)
