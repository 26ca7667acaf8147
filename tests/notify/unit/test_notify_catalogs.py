"""The message catalogs: complete, consistent, and loaded without a build step."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from clearway.notify.domain import i18n
from clearway.notify.domain.i18n import LOCALE_DIR, load_catalogs, placeholders, translate

DOMAIN_DIR = Path(i18n.__file__).parent
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/notify.po"))


def code_msgids() -> set[str]:
    ids: set[str] = set()
    for source in sorted(DOMAIN_DIR.glob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(source)):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_in_the_code_is_in_the_translators_template():
    template = {m.id for m in read(LOCALE_DIR / "notify.pot") if m.id}
    assert code_msgids() == template


def test_there_are_catalogs_for_english_spanish_and_the_la_county_languages():
    languages = {p.parent.parent.name for p in PO_FILES}
    assert {"en", "es", "zh", "ko", "vi", "tl", "hy"} <= languages


@pytest.mark.parametrize(
    "po_path",
    [p for p in PO_FILES if p.parent.parent.name != "en"],
    ids=lambda p: p.parent.parent.name,
)
def test_every_catalog_translates_every_message_with_the_same_placeholders(po_path):
    catalog = read(po_path)
    translated = {m.id: m for m in catalog if m.id}
    for msgid in code_msgids():
        assert msgid in translated, f"missing: {msgid}"
        message = translated[msgid]
        assert message.string, f"untranslated: {msgid}"
        assert not message.fuzzy, f"fuzzy: {msgid}"
        assert placeholders(message.string) == placeholders(msgid), msgid


def test_no_compiled_mo_files_are_needed():
    assert not list(LOCALE_DIR.rglob("*.mo"))
    assert "es" in i18n.CATALOGS


def test_a_translator_adds_a_language_by_dropping_in_a_po_file(tmp_path):
    catalog = Catalog(locale="fr", domain="notify")
    catalog.add("You do not need to do anything.", "Vous n'avez rien à faire.")
    target = tmp_path / "fr" / "LC_MESSAGES" / "notify.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        write_po(handle, catalog)
    loaded = load_catalogs(tmp_path)
    assert set(loaded) == {"fr", "en"}
    assert loaded["fr"].gettext("You do not need to do anything.") == "Vous n'avez rien à faire."


def test_a_fuzzy_translation_is_not_used(tmp_path):
    catalog = Catalog(locale="fr", domain="notify")
    catalog.add("Your case", "Votre dossier", flags=("fuzzy",))
    target = tmp_path / "fr" / "LC_MESSAGES" / "notify.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        write_po(handle, catalog)
    assert load_catalogs(tmp_path)["fr"].gettext("Your case") == "Your case"


def _catalog_with(msgid: str, msgstr: str) -> Translations:
    import io

    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="fr", domain="notify")
    catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="notify")


def test_a_translation_with_a_broken_placeholder_falls_back_to_english(monkeypatch):
    msgid = "Case number: {case_number}"
    monkeypatch.setitem(i18n.CATALOGS, "xx", _catalog_with(msgid, "Numéro : {numero_de_dossier}"))
    assert translate("xx", msgid, case_number="BA1") == "Case number: BA1"
    monkeypatch.setitem(i18n.CATALOGS, "xx", _catalog_with(msgid, "Numéro : {case_number"))
    assert translate("xx", msgid, case_number="BA1") == "Case number: BA1"
    monkeypatch.setitem(i18n.CATALOGS, "xx", _catalog_with(msgid, "Numéro : {case_number}"))
    assert translate("xx", msgid, case_number="BA1") == "Numéro : BA1"


def test_values_are_inserted_literally_and_never_reformatted():
    assert translate("es", "Case number: {case_number}", case_number="{court_name}") == (
        "Número de caso: {court_name}"
    )
