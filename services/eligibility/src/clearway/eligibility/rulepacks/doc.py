"""RULES.md, generated from a rule pack's units so the prose cannot drift from the code."""
from __future__ import annotations

from collections.abc import Mapping

from clearway.eligibility.rulepacks.model import RELIEF_WORDS, Bars, Collect, Rule, RulePack


def render_rules_md(pack: RulePack, policy_table: Mapping[str, str],
                    default_policy: str) -> str:
    lines = [
        f"# Eligibility rules: rule pack `{pack.name}` version {pack.version}",
        "",
        f"{pack.title}. Generated from the rule pack's modules (`{pack.source_module}`) by "
        "`clearway-eligibility rules-doc`; a test fails when this file and the rule pack "
        "differ.",
        "",
        "## Scope",
        "",
        pack.scope_text,
        "",
        "## Policies",
        "",
    ]
    for policy in pack.policies:
        lines.append(f"- `{policy.name}`: {policy.summary}")
    mine = {p.name for p in pack.policies}
    courts = sorted((court, name) for court, name in policy_table.items() if name in mine)
    lines.append("")
    if courts:
        lines.append("Courts with another policy than the default, in the shipped policy "
                     "table: " + ", ".join(f"`{c}`: `{n}`" for c, n in courts) +
                     f"; every other court uses `{default_policy}`.")
        lines.append("")
    for policy in pack.policies:
        lines += [f"## `{policy.name}` (first match wins)", ""]
        for number, step in enumerate(policy.steps, 1):
            first, *rest = step.describe()
            lines.append(f"{number}. {first}")
            lines += rest
        lines.append("")
    lines += [pack.procedure_text, "", "## Reasons", "",
              "Each reason's citation names the subdivision of the count's own section "
              "first where it depends on the section.", "",
              "| code | relief | what it means | citation |", "|---|---|---|---|"]
    for unit in pack.units():
        relief = _relief_of(pack, unit.code)
        cites = "<br>".join(
            f"{s}: {c}" if s else (f"otherwise: {c}" if len(unit.citation.variants()) > 1 else c)
            for s, c in unit.citation.variants())
        lines.append(f"| `{unit.code}` | {relief} | {unit.text} | {cites} |")
    lines.append("")
    if pack.notes:
        lines += ["## Where the rules read the law more closely than the contract", ""]
        lines += [f"- {note}" for note in pack.notes]
        lines.append("")
    lines += pack.appendix()
    return "\n".join(lines).rstrip("\n") + "\n"


def _relief_of(pack: RulePack, code: str) -> str:
    """The relief a unit gives: its own (a rule) or its step's (a bar, a collected unit)."""
    found: list[str] = []
    for policy in pack.policies:
        for step in policy.steps:
            if isinstance(step, Rule) and step.code == code:
                found.append(RELIEF_WORDS[step.relief])
            elif isinstance(step, Bars):
                for bar in step.bars:
                    if bar.code == code:
                        relief = step.definite_relief if bar.definite else step.possible_relief
                        found.append(RELIEF_WORDS[relief])
            elif isinstance(step, Collect) and any(u.code == code for u in step.units):
                found.append(RELIEF_WORDS[step.relief])
    if code == pack.withdrawn.code:
        found.append("withdrawn")
    if pack.identity_conflict is not None and code == pack.identity_conflict.code:
        found.append(RELIEF_WORDS["needs_review"])
    return " / ".join(dict.fromkeys(found))
