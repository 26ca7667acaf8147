"""RULES.md, generated from the rule pack so the prose cannot drift from the code."""
from __future__ import annotations

from clearway.eligibility.domain import rulepack as rp

RULES = [
    ("1", "Conduct on or after {eff}: not eligible.", ["AFTER_PROP64"]),
    ("2", "HS 11357 with subsection (a), (b) or none: age {adult} or over, dismiss and seal; "
          "{young} to {adult_minus}, reduce to an infraction; under {young}, needs review. "
          "Any other HS 11357 subsection: needs review.",
     ["POSSESSION_ADULT", "POSSESSION_AGE_18_20", "JUVENILE", "OTHER_11357"]),
    ("3", "HS 11358, 11359 and 11360 are not eligible when any bar holds (every bar that "
          "holds is listed): a super-strike conviction before the count; a PC 290 "
          "registration or registrable conviction before the count; two or more convictions "
          "of the same section before the count; the offense involved a minor; for 11358 "
          "only, an environmental violation.",
     ["PRIOR_SUPER_STRIKE", "PC290_REGISTRANT", "TWO_PRIORS_SAME_SECTION", "INVOLVED_MINOR",
      "ENVIRONMENTAL_HARM"]),
    ("4", "HS 11358 with {plants} or fewer plants and age {adult} or over: dismiss and seal.",
     ["CULTIVATION_SIX_PLANTS"]),
    ("5", "HS 11358, 11359, 11360 as a felony: reduce to a misdemeanor; as a misdemeanor or "
          "infraction: dismiss and seal.", ["FELONY_REDUCTION", "MISDEMEANOR_DISMISSAL"]),
    ("6", "A count whose statute cannot be read but mentions 11357-11360: needs review.",
     ["UNPARSEABLE_STATUTE"]),
]


def render_rules_md() -> str:
    fmt = {"eff": rp.PROP64_EFFECTIVE.strftime("%B %-d, %Y"), "adult": rp.ADULT_AGE,
           "young": rp.YOUNG_ADULT_AGE, "adult_minus": rp.ADULT_AGE - 1,
           "plants": rp.MAX_PERSONAL_PLANTS}
    lines = [
        f"# Eligibility rules: rule pack `{rp.RULE_PACK}` version {rp.RULE_PACK_VERSION}",
        "",
        "Generated from `clearway/eligibility/domain/rulepack.py` by "
        "`clearway-eligibility rules-doc`; a test fails when this file and the rule pack differ.",
        "",
        "## Scope",
        "",
        "A count is decided when its statute is Health and Safety Code 11357, 11358, 11359 or "
        "11360 (any subsection) and its disposition is `convicted`, or when its statute cannot "
        "be read but mentions one of those sections. The conduct date is the offense date, or "
        "else the disposition date; age is whole years from birth to the conduct date. "
        "\"Before\" means an earlier disposition (or registration) date than the count decided.",
        "",
        "## Policies",
        "",
    ]
    for policy in rp.POLICIES.values():
        lines.append(f"- `{policy.name}`: {policy.summary}")
    lines += ["", "Courts using `dismiss-all` by default: " +
              ", ".join(f"`{c}`" for c, p in sorted(rp.DEFAULT_POLICY_TABLE.items())
                        if p == "dismiss-all") + "; every other court uses `statewide`.", "",
              "## The statewide rules (first match wins)", ""]
    for number, text, codes in RULES:
        lines.append(f"{number}. {text.format(**fmt)} Reasons: " +
                     ", ".join(f"`{c}`" for c in codes) + ".")
    lines += ["", "Procedure for every granted relief: `petition` (HS 11361.8(a)) when the "
              "sentence ends after the as-of date, otherwise `application` (HS 11361.8(e)).",
              "", "## Reasons", "", "| code | what it means | citation |", "|---|---|---|"]
    for reason in rp.REASONS.values():
        lines.append(f"| `{reason.code}` | {reason.text} | {reason.citation} |")
    lines.append("")
    return "\n".join(lines)
