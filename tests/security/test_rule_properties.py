"""Issue #9 (c): properties of the statute normaliser and the rule engine over generated
input. The normaliser never raises on any text and its canonical form reads back as
itself; the rules never raise on any history (counts, statutes, levels, dates, facts,
registrations, deaths, corrections, court orders) and do not depend on the order in which
a person's events arrive, neither decided at once nor versioned event by event."""
from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.common.events import GRANTED_RELIEFS, RELIEFS, RecordEvent
from clearway.eligibility.domain.history import History
from clearway.eligibility.domain.statutes import mentions_prop64_section, parse_statute
from clearway.eligibility.domain.versions import Current, changes, current_of
from clearway.eligibility.rulepacks.engine import Outcome, decide

AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SUBJECT = "CII000000042"
FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- statutes -------------------------------------------------------------------------------

CODES = ["HS", "H&S", "H & S", "H/S", "H.S.", "HSC", "Health and Safety", "PC", "P.C.",
         "Penal", "PEN", "VC", "V.C.", "BP", "B&P", "WI", "W&I", "WIC", "XX", ""]
SECTIONS = ["11357", "11358", "11359", "11360", "11361", "187", "664/187", "664-187",
            "288", "288A", "261", "290", "23152", "273.5", "11357.5", "113590", "1", ""]
SUBSECTION = st.sampled_from(["a", "b", "c", "A", "B", "1", "2", "iv", "IV", "x", "99", "",
                              " a ", "(", ")"])


@st.composite
def statute_like(draw: st.DrawFn) -> str:
    """Text shaped like court data's citations, with the odd character out of place."""
    code, section = draw(st.sampled_from(CODES)), draw(st.sampled_from(SECTIONS))
    subs = "".join(f"({s})" if draw(st.booleans()) else s
                   for s in draw(st.lists(SUBSECTION, max_size=4)))
    gap = draw(st.sampled_from(["", " ", "  ", "-", ":", "§", " SEC. ", "\t"]))
    tail = draw(st.sampled_from(["", " POSSESS FOR SALE", "-CULTIVATE CANNABIS", "/MJ", "POSS",
                                 "??", " (B)", ".5", "(", " C"]))
    glued = draw(st.sampled_from(["", "B", "A1", "XY", "b2"]))
    first = draw(st.booleans())
    body = f"{code}{gap}{section}{glued}{subs}" if first else f"{section}{glued}{subs}{gap}{code}"
    text = body + tail
    return draw(st.sampled_from([text, text.lower(), text.upper(), f"  {text}  "]))


@FAST
@given(st.text())
def test_parse_statute_never_raises_on_any_text(text: str) -> None:
    result = parse_statute(text)
    assert result is None or result.canonical
    mentions_prop64_section(text)


@FAST
@given(st.one_of(statute_like(), st.text(alphabet="HSPC&()/.- 0123456789abcivx§\t",
                                         max_size=40)))
def test_parse_statute_never_raises_on_citation_shaped_text(text: str) -> None:
    parse_statute(text)
    mentions_prop64_section(text)


@FAST
@given(statute_like())
def test_a_canonical_statute_reads_back_as_itself(text: str) -> None:
    statute = parse_statute(text)
    if statute is not None:
        assert parse_statute(statute.canonical) == statute, statute.canonical


# --- histories -------------------------------------------------------------------------------

PROP64 = ["HS 11357", "HS 11357(a)", "11357(B) HS", "HS11357B", "HS 11357(c)", "HS 11357(d)",
          "HS 11358", "11358 HS-CULTIVATE CANNABIS", "H&S 11359 (b)", "HS11359B", "HS 11359",
          "HS 11360(a)", "11360 HS", "HS 11360(b)", "11359/MJ", "H5 11360", "HS 11357 C",
          "PC 664/11359"]
OTHER = ["PC 187(a)", "PC 664/187(a)", "187(A) PC", "PC 261(a)(2)", "PC 288(a)", "PC 288a",
         "PC 311.11(a)", "PC 314(1)", "PC 647.6(a)", "VC 23152(a)", "PC 459", "HS 11350(a)",
         "PC 245(a)(1)", "garbage", "PC 290", "PC 220", "PC 207", "PC 286(b)", "PC 288.2",
         "PC 261", "PC 664/288(a)"]
DAYS = st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2025, 12, 31))


@st.composite
def counts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        disposed = draw(DAYS)
        count: dict[str, Any] = {
            "count": number,
            "statute": draw(st.one_of(st.sampled_from(PROP64), st.sampled_from(OTHER))),
            "level": draw(st.sampled_from(["felony", "misdemeanor", "infraction"])),
            "disposition": draw(st.sampled_from(["convicted", "convicted", "convicted",
                                                 "dismissed", "acquitted", "pending"])),
            "disposition_date": disposed.isoformat(),
        }
        if draw(st.booleans()):
            count["offense_date"] = (disposed - dt.timedelta(days=draw(
                st.integers(0, 900)))).isoformat()
        if draw(st.booleans()):
            sentence: dict[str, Any] = {"kind": draw(st.sampled_from(
                ["prison", "jail", "probation", "fine", "none"]))}
            if draw(st.booleans()):
                sentence["end_date"] = (disposed + dt.timedelta(days=draw(
                    st.integers(0, 20000)))).isoformat()
            count["sentence"] = sentence
        if draw(st.booleans()):
            count["facts"] = {
                "plants": draw(st.one_of(st.none(), st.integers(0, 50))),
                "grams": draw(st.one_of(st.none(), st.floats(0, 5000))),
                "involved_minor": draw(st.one_of(st.none(), st.booleans())),
                "environmental_violation": draw(st.one_of(st.none(), st.booleans())),
                "imported": draw(st.one_of(st.none(), st.booleans())),
            }
        out.append(count)
    return out


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One person's record events: dispositions in one or two courts (some of them later
    corrected), maybe PC 290 registrations, court orders, a death."""
    dob = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2005, 1, 1)))
    names = {"first_name": "Ana", "last_name": "Reyes"}
    events: list[dict[str, Any]] = []
    moment = iter(range(10_000))

    def at() -> str:  # distinct, increasing instants, in mixed offsets
        minutes = next(moment) * 7 + draw(st.integers(0, 6))
        offset = draw(st.sampled_from(["+00:00", "-08:00", "-07:00"]))
        base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
        hours = {"+00:00": 0, "-08:00": -8, "-07:00": -7}[offset]
        local = base + dt.timedelta(hours=hours)
        return local.strftime("%Y-%m-%dT%H:%M:%S") + offset

    cases = []
    for i in range(draw(st.integers(1, 4))):
        court = draw(st.sampled_from(["CA-LA", "CA-SF"]))
        cases.append((court, f"C{i}"))
        events.append({"event_type": "disposition", "court": court, "occurred_at": at(),
                       "subject": {"subject_id": SUBJECT, "date_of_birth": (
                           draw(st.sampled_from([dob, dob, dob + dt.timedelta(days=400)]))
                       ).isoformat(), **names},
                       "case": {"case_number": f"C{i}", "counts": draw(counts())}})
    for court, case in draw(st.lists(st.sampled_from(cases), max_size=2)):  # corrections
        events.append({"event_type": "disposition", "court": court, "occurred_at": at(),
                       "subject": {"subject_id": SUBJECT, "date_of_birth": dob.isoformat(),
                                   **names},
                       "case": {"case_number": case, "counts": draw(counts())}})
    for _ in range(draw(st.integers(0, 2))):
        events.append({"event_type": "registration", "court": "CA-LA", "occurred_at": at(),
                       "subject": {"subject_id": SUBJECT},
                       "registration": {"statute": draw(st.sampled_from(
                           ["PC 290", "290 PC", "PC 290(c)", "PC 457.1"])),
                           "date": draw(DAYS).isoformat()}})
    for court, case in draw(st.lists(st.sampled_from(cases), max_size=2)):
        events.append({"event_type": "court_order", "court": court, "occurred_at": at(),
                       "subject": {"subject_id": SUBJECT},
                       "order": {"case_number": case, "count": 1,
                                 "outcome": draw(st.sampled_from(["granted", "denied"])),
                                 "relief": "dismiss_and_seal",
                                 "order_date": draw(DAYS).isoformat()}})
    if draw(st.booleans()):
        events.append({"event_type": "death", "court": "CA-SF", "occurred_at": at(),
                       "subject": {"subject_id": SUBJECT},
                       "death": {"date": draw(DAYS).isoformat()}})
    for n, event in enumerate(events):
        event["event_id"] = f"E{n:03d}"
    return events


def parsed(events: list[dict[str, Any]]) -> list[RecordEvent]:
    return [RecordEvent.model_validate(e) for e in events]


def outcomes_of(events: list[RecordEvent], policy: str | None = None) -> list[Outcome]:
    return decide(History.from_events(SUBJECT, events), AS_OF, policy=policy)


def content(outcomes: list[Outcome]) -> dict[tuple[str, str, int], tuple[Any, ...]]:
    return {o.key: (o.statute, o.relief, o.procedure, o.reason_codes, o.policy)
            for o in outcomes}


@FAST
@given(histories(), st.sampled_from([None, "statewide", "dismiss-all"]))
def test_the_rules_never_raise_and_explain_every_outcome(
        events: list[dict[str, Any]], policy: str | None) -> None:
    history = parsed(events)
    outcomes = outcomes_of(history, policy)
    assert len({o.key for o in outcomes}) == len(outcomes), "two outcomes for one count"
    for o in outcomes:
        assert o.relief in RELIEFS
        assert o.reason_codes
        assert all(r.text and r.citation for r in o.reasons)
        assert (o.procedure is not None) == (o.relief in GRANTED_RELIEFS)
        assert o.policy in ("statewide", "dismiss-all")
        assert (o.rule_pack, o.rule_pack_version) == ("ca-prop64", "1.1.0")


@FAST
@given(histories(), st.randoms(use_true_random=False))
def test_the_same_events_in_any_order_give_the_same_decisions(
        events: list[dict[str, Any]], rng: Any) -> None:
    history = parsed(events)
    shuffled = list(history)
    rng.shuffle(shuffled)
    assert content(outcomes_of(shuffled)) == content(outcomes_of(history))


def versioned(events: list[RecordEvent]) -> dict[tuple[str, str, int], Current]:
    """What eligibility ends with when the events arrive one by one: each arrival decides
    the person again and publishes what changed (versions.changes)."""
    current: dict[tuple[str, str, int], Current] = {}
    seen: list[RecordEvent] = []
    for event in events:
        seen.append(event)
        for decision in changes(SUBJECT, outcomes_of(seen), current, AS_OF, NOW):
            prior = current.get((decision.court, decision.case_number, decision.count))
            assert decision.version == (prior.version + 1 if prior else 1)
            assert decision.supersedes == (prior.decision_id if prior else None)
            current[(decision.court, decision.case_number, decision.count)] = \
                current_of(decision)
    return current


def live(current: dict[tuple[str, str, int], Current]) -> dict[tuple[str, str, int], Any]:
    return {k: (c.statute, c.relief, c.procedure, c.reason_codes, c.policy)
            for k, c in current.items() if c.relief != "withdrawn"}


@FAST
@given(histories(), st.randoms(use_true_random=False))
def test_decisions_versioned_event_by_event_end_the_same_in_any_arrival_order(
        events: list[dict[str, Any]], rng: Any) -> None:
    history = parsed(events)
    shuffled = list(history)
    rng.shuffle(shuffled)
    in_order, reordered = versioned(history), versioned(shuffled)
    assert live(in_order) == live(reordered)
    assert live(in_order) == content(outcomes_of(history))
    # Redelivering every event once more changes nothing.
    again = dict(in_order)
    for decision in changes(SUBJECT, outcomes_of(history + history), again, AS_OF, NOW):
        raise AssertionError(f"a redelivery published {decision}")
