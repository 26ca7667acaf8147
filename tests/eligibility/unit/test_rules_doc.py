from pathlib import Path

from clearway.eligibility.domain.rulepack import REASONS
from clearway.eligibility.domain.rules_doc import RULES, render_rules_md

RULES_MD = Path(__file__).parents[3] / "services" / "eligibility" / "RULES.md"


def test_rules_md_is_generated_from_the_rule_pack_and_has_not_drifted() -> None:
    assert RULES_MD.read_text() == render_rules_md(), (
        "RULES.md differs from the rule pack: run `make rules-doc`")


def test_every_reason_code_the_rules_document_names_exists_in_the_rule_pack() -> None:
    named = {code for _, _, codes in RULES for code in codes}
    assert named <= set(REASONS)


def test_every_reason_has_plain_text_and_a_citation() -> None:
    for reason in REASONS.values():
        assert reason.text.endswith(".") and len(reason.text) > 20
        assert reason.citation.startswith(("HS", "PC"))
