"""A cohort of people, each in a situation a county option may change, and a helper to
decide them under a county policy document (contract 4.5)."""
from __future__ import annotations

from typing import Any

from clearway.common.events import RecordEvent
from clearway.eligibility.rulepacks import pack_named
from clearway.eligibility.rulepacks.ca_prop64.county import CountyPolicyDocument, build
from clearway.eligibility.rulepacks.engine import Outcome, decide
from tests.eligibility.unit.builders import (
    AS_OF,
    D,
    Person,
    aged,
    born,
    conviction,
    count,
    death,
    disposition,
    history_of,
)


def person(key: str, base: Person) -> Person:
    return Person(subject_id=f"P-{key}", date_of_birth=base.date_of_birth)


def _cohort() -> dict[str, list[RecordEvent]]:
    adult, nineteen, minor, old = aged(35), aged(19), aged(15), born(D(1950, 1, 1))
    out: dict[str, list[RecordEvent]] = {}

    def add(key: str, who: Person, *cases: list[dict[str, Any]], extra: tuple = ()) -> None:
        p = person(key, who)
        out[key] = [disposition(*counts, person=p, case_number=f"{key}{i}")
                    for i, counts in enumerate(cases)] + [e(p) for e in extra]

    add("felony-sale", adult, [count("HS 11359")])
    add("misdemeanor-sale", adult, [count("HS 11359", level="misdemeanor")])
    add("possession", adult, [count("HS 11357", level="misdemeanor")])
    add("possession-at-19", nineteen, [count("HS 11357", level="misdemeanor")])
    add("juvenile-sale", minor, [count("HS 11359")])
    add("after-murder", adult, [conviction("PC 187", D(2001, 1, 1))], [count("HS 11359")])
    add("after-pc-220", adult, [conviction("PC 220", D(2001, 1, 1))], [count("HS 11359")])
    add("forty-plants", adult, [count("HS 11358", plants=40)])
    add("transport-with-related", adult, [count("HS 11360(a)", n=1), count("PC 148", n=2),
                                          count("PC 459", n=3)])
    add("born-1950", old, [count("HS 11359")])
    add("sale-at-19", nineteen, [count("HS 11359")])
    add("recent", adult, [count("HS 11359", offense_date=D(2016, 10, 1),
                                disposition_date=D(2018, 3, 1))])
    add("deceased", adult, [count("HS 11359")],
        extra=(lambda p: death(D(2020, 5, 5), person=p),))
    add("with-burglary", adult, [count("HS 11359")], [conviction("PC 459", D(2012, 1, 1))])
    return out


COHORT = _cohort()


def under(doc: dict[str, Any]) -> dict[tuple[str, str, int], Outcome]:
    """Every cohort count's outcome under the document (name and version filled in)."""
    policy = build(CountyPolicyDocument.model_validate({"name": "test-county", "version": 1,
                                                        **doc}))
    found: dict[tuple[str, str, int], Outcome] = {}
    for key, events in COHORT.items():
        for o in decide(history_of(events, f"P-{key}"), AS_OF,
                        custom=(pack_named("ca-prop64"), policy)):
            found[o.key] = o
    return found


def changed(doc: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The cohort's people whose outcome differs from the statutory document's, with their
    new relief and reasons."""
    plain, other = under({}), under(doc)
    out = {}
    for key in set(plain) | set(other):
        a, b = plain.get(key), other.get(key)
        if (a and (a.relief, a.reason_codes)) != (b and (b.relief, b.reason_codes)):
            assert b is not None
            out[key[1][:-1]] = (b.relief, b.reason_codes)
    return out
