"""The `ca-prop64` rule pack as data: its version, its reasons (stable code, plain-English
text, citation) and its policies. A change of law or of a prosecutor's policy is a new
version here; replaying court.records.v1 recomputes everyone under it. RULES.md is
generated from this module (`clearway-eligibility rules-doc`) and a test keeps them equal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RULE_PACK = "ca-prop64"
RULE_PACK_VERSION = "1.0.0"
PROP64_EFFECTIVE = dt.date(2016, 11, 9)
ADULT_AGE = 21
YOUNG_ADULT_AGE = 18
MAX_PERSONAL_PLANTS = 6


@dataclass(frozen=True)
class ReasonText:
    code: str
    text: str
    citation: str


REASONS: dict[str, ReasonText] = {r.code: r for r in (
    ReasonText("AFTER_PROP64",
               "The conduct happened on or after November 9, 2016, when Proposition 64 took "
               "effect, so relief under Health and Safety Code 11361.8 does not apply.",
               "HS 11361.8(a), (e); Prop. 64 (2016)"),
    ReasonText("POSSESSION_ADULT",
               "Possession of cannabis by a person 21 or older is no longer a crime, so the "
               "conviction is dismissed and sealed.",
               "HS 11361.8(e)(1); HS 11362.1(a)(1)"),
    ReasonText("POSSESSION_AGE_18_20",
               "The person was 18, 19 or 20 at the time. Possession at that age is now an "
               "infraction, so the conviction is redesignated as an infraction.",
               "HS 11361.8(e)(2); HS 11357(a)(1)"),
    ReasonText("JUVENILE",
               "The person was under 18 at the time of the conduct; a reviewer must decide "
               "what relief applies.",
               "HS 11361.8; HS 11357(a)(1)"),
    ReasonText("OTHER_11357",
               "This part of Health and Safety Code 11357 (such as possession on school "
               "grounds) is not covered by the automatic rule; a reviewer must decide.",
               "HS 11357(c), (d); HS 11361.8"),
    ReasonText("PRIOR_SUPER_STRIKE",
               "Before this conviction, the person was convicted of a violent or serious "
               "'super strike' offense, which bars relief.",
               "PC 667(e)(2)(C)(iv); HS 11359(c)(1); HS 11360(a)(3)(A)"),
    ReasonText("PC290_REGISTRANT",
               "Before this conviction, the person was required to register as a sex offender "
               "under Penal Code 290, which bars relief.",
               "PC 290(c); HS 11359(c)(2); HS 11360(a)(3)(B)"),
    ReasonText("TWO_PRIORS_SAME_SECTION",
               "Before this conviction, the person had two or more convictions under the same "
               "section, which bars relief.",
               "HS 11358(d)(3); HS 11359(c)(3)"),
    ReasonText("INVOLVED_MINOR",
               "The offense involved a minor, which bars relief.",
               "HS 11359(d); HS 11360(a)(3)(C)"),
    ReasonText("ENVIRONMENTAL_HARM",
               "The cultivation violated environmental laws (such as water or land-use "
               "rules), which bars relief.",
               "HS 11358(d)(4)"),
    ReasonText("CULTIVATION_SIX_PLANTS",
               "Growing six or fewer plants by a person 21 or older is now legal, so the "
               "conviction is dismissed and sealed.",
               "HS 11362.1(a)(3); HS 11361.8(e)(1)"),
    ReasonText("FELONY_REDUCTION",
               "This felony would be a misdemeanor under Proposition 64, so it is reduced to "
               "a misdemeanor.",
               "HS 11361.8(a), (e)(2)"),
    ReasonText("MISDEMEANOR_DISMISSAL",
               "This misdemeanor or infraction is dismissed and sealed under Proposition 64.",
               "HS 11361.8(e); HS 11361.9"),
    ReasonText("UNPARSEABLE_STATUTE",
               "The statute on the record could not be read, but it mentions a cannabis "
               "section (Health and Safety Code 11357 to 11360); a reviewer must check it.",
               "HS 11361.8"),
    ReasonText("AGE_UNKNOWN",
               "The person's age at the time of the conduct is not known; a reviewer must "
               "decide.",
               "HS 11361.8"),
    ReasonText("DISMISS_ALL_POLICY",
               "Under the prosecutor's blanket dismissal policy, this cannabis conviction is "
               "dismissed and sealed.",
               "HS 11361.8(a), (e); Prop. 64 (2016)"),
    ReasonText("WITHDRAWN",
               "A correction took this count out of scope (it is no longer a cannabis "
               "conviction), so the earlier decision is withdrawn.",
               "HS 11361.8"),
)}


@dataclass(frozen=True)
class PolicyDoc:
    name: str
    summary: str


POLICIES: dict[str, PolicyDoc] = {p.name: p for p in (
    PolicyDoc("statewide",
              "The statutory baseline: each rule below in order, first match wins."),
    PolicyDoc("dismiss-all",
              "A prosecutor's blanket motion: conduct after Prop 64 stays not eligible and "
              "unreadable statutes go to review; a count with a disqualifier, or a person "
              "under 18 at the time, goes to review; every other count is dismissed and "
              "sealed."),
)}

DEFAULT_POLICY_TABLE: dict[str, str] = {"CA-LA": "dismiss-all"}
DEFAULT_POLICY = "statewide"
