"""RULES.md is generated from the ca-prop64 units, and each unit has its own test file."""
from pathlib import Path

from clearway.eligibility.rulepacks import DEFAULT_POLICY, SHIPPED_POLICY_TABLE, pack_named
from clearway.eligibility.rulepacks.doc import render_rules_md

ROOT = Path(__file__).parents[3]
RULES_MD = ROOT / "services" / "eligibility" / "RULES.md"
PACK_DIR = (ROOT / "services" / "eligibility" / "src" / "clearway" / "eligibility" /
            "rulepacks" / "ca_prop64")
TEST_DIR = Path(__file__).parent / "ca_prop64"


def test_rules_md_is_generated_from_the_rule_pack_and_has_not_drifted() -> None:
    rendered = render_rules_md(pack_named("ca-prop64"), SHIPPED_POLICY_TABLE, DEFAULT_POLICY)
    assert RULES_MD.read_text() == rendered, "RULES.md differs from the pack: make rules-doc"


def test_rules_md_lists_every_reason_with_its_text_and_citation() -> None:
    text = RULES_MD.read_text()
    for unit in pack_named("ca-prop64").units():
        assert f"| `{unit.code}` |" in text
        assert unit.text in text
        for _, citation in unit.citation.variants():
            assert citation in text


def test_every_reason_has_plain_text_and_a_citation() -> None:
    for unit in pack_named("ca-prop64").units():
        assert unit.text.endswith(".") and len(unit.text) > 20, unit.code
        for _, citation in unit.citation.variants():
            assert citation.startswith(("HS", "PC")), unit.code


def test_every_rule_and_bar_module_has_a_test_file_named_after_it() -> None:
    modules = [p.stem for folder in ("rules", "bars") for p in (PACK_DIR / folder).glob("*.py")
               if p.stem not in ("__init__", "citations")]
    assert len(modules) >= 25
    missing = [m for m in modules if not (TEST_DIR / f"test_{m}.py").exists()]
    assert missing == []


def test_reason_codes_are_unique_across_the_pack() -> None:
    codes = [u.code for u in pack_named("ca-prop64").units()]
    assert len(codes) == len(set(codes))
