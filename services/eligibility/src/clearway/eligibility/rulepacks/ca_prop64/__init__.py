"""`ca-prop64`: California's Proposition 64 (2016), HS 11361.8, as contract section 4
reads (version 1.1.0). Each rule and bar is a module of its own under `rules/` and `bars/`;
`policies.py` orders them; RULES.md is generated from them."""
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts, in_scope
from clearway.eligibility.rulepacks.ca_prop64.offenses import (
    DEFINITE,
    PC290_REGISTRABLE,
    POSSIBLE,
    SUPER_STRIKES,
)
from clearway.eligibility.rulepacks.ca_prop64.policies import DISMISS_ALL, STATEWIDE
from clearway.eligibility.rulepacks.ca_prop64.rules import identity_conflict, withdrawn
from clearway.eligibility.rulepacks.model import RulePack

NOTES = (
    "Attempts. The contract counts an attempt (PC 664/ + section) as the offense attempted. "
    "For PC 290 the statute agrees (PC 290(c)(1) reaches attempts), and an attempted HS "
    "11357-11360 is decided as that section. For super strikes PC 667(e)(2)(C)(iv)(IV) names "
    "only attempted homicides (PC 187 to 191.5), so another attempted super strike is a "
    "possible bar (a reviewer decides), not a definite one.",
    "PC 286, 287, 288a and 289 without a subsection. The contract makes them definite PC 290 "
    "offenses \"except (b)\" (289: except (h) and (i)), where registration is not automatic. "
    "With no subsection on the record the exception cannot be ruled out, so by the "
    "contract's own test (definite only when the statute and subsection settle it) they are "
    "possible. Likewise PC 236.1, 266h, 266i, 311.2 and 653f with no subsection are possible "
    "PC 290 offenses. PC 314 without a subsection is definite: both of its paragraphs are "
    "registrable.",
    "Age unknown. The contract names `AGE_UNKNOWN` for HS 11357 only; every rule after rule 2 "
    "depends on the age (a minor goes to review whatever the section), so a count of any "
    "section without a date of birth goes to review. Dispositions always carry a date of "
    "birth, so this is rare.",
    "Juveniles under `dismiss-all` with a lawful small amount (HS 11358 with six plants or "
    "fewer, HS 11360(b)) go to review like every other juvenile count (contract 4.3).",
    "Two priors. A prior's age is taken at its offense date (or, without one, its "
    "disposition date). HS 11360 without a subsection below felony counts as 11360(b), as "
    "in rule 5.",
)


def _county_section() -> list[str]:
    from clearway.eligibility.rulepacks.ca_prop64 import county

    example = county.CountyPolicyDocument.model_validate({
        "name": "example", "version": 1, "related_charges": True,
        "additional_relief": {"under_21_at_conviction": True, "age_at_least": 57,
                              "years_since_conviction": 10, "years_crime_free": 7,
                              "only_prop64_convictions": True, "deceased": True}})
    policy = county.build(example)
    assert policy.related is not None
    units = [*policy.option_units, policy.related.unit]  # type: ignore[attr-defined]
    doc = (county.__doc__ or "").split("\n\n", 1)[1].strip()
    return ["## County policies (contract 4.5)", "",
            "A county policy is a YAML or JSON document (`CLEARWAY_ELIGIBILITY_POLICY_FILES`; "
            "or whole, inline, in `POST /v1/evaluate`), named in the policy table like "
            "`statewide`.", "", *doc.splitlines(), "",
            "Its reasons (numbers as in the contract's example; each county sets its own):", "",
            "| code | relief | what it means | citation |", "|---|---|---|---|",
            *(f"| `{u.code}` | {u.relief.replace('_', ' ')} | {u.text} | "  # type: ignore[attr-defined]
              f"{u.citation.default} |" if hasattr(u, "relief") else
              f"| `{u.code}` | dismiss (without sealing) | {u.text} | {u.citation.default} |"
              for u in units), ""]


def _appendix() -> list[str]:
    lines = [*_county_section(), "## Offense lists (contract 4.1)", ""]
    for offenses in (SUPER_STRIKES, PC290_REGISTRABLE):
        lines += [f"{offenses.name[0].upper()}{offenses.name[1:]} ({offenses.citation}):", "",
                  f"- definite: {offenses.describe(DEFINITE)}.",
                  f"- possible: {offenses.describe(POSSIBLE)}.", ""]
    return lines


PACK = RulePack(
    name="ca-prop64",
    version="1.1.0",
    title="California Proposition 64 (HS 11361.8)",
    in_scope=in_scope,
    facts=Facts,
    policies=(STATEWIDE, DISMISS_ALL),
    withdrawn=withdrawn.UNIT,
    identity_conflict=identity_conflict.UNIT,
    scope_text=(
        "A count is decided when its statute is Health and Safety Code 11357, 11358, 11359 "
        "or 11360 (any subsection; an attempt, PC 664/ + section, counts as the section) and "
        "its disposition is `convicted`, or when its statute cannot be read but mentions "
        "one of those sections. Other counts get no decision but are part of the person's "
        "history. The conduct date is the offense date; without one, the disposition date "
        "stands in only when it is before November 9, 2016. Age is whole years from birth "
        "to the conduct date. \"Before\" means an earlier disposition (or registration) "
        "date than the count decided. Every in-scope count's conduct predates the Act, so "
        "subsections are read in the numbering in force before it: HS 11357(a) concentrated "
        "cannabis, (b) 28.5 grams or less, (c) more than 28.5 grams, (d) and (e) school "
        "grounds; HS 11360(a) sale or transport, (b) giving away or transporting 28.5 grams "
        "or less."),
    procedure_text=(
        "Procedure for every granted relief: `petition` (HS 11361.8(a)) when the sentence, "
        "supervision included, ends after the as-of date, otherwise `application` "
        "(HS 11361.8(e))."),
    notes=NOTES,
    appendix=_appendix,
    source_module=__name__,
)
