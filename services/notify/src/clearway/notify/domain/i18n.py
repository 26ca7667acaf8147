"""Message catalogs for notices, loaded straight from the ``.po`` files.

Every ``locale/<lang>/LC_MESSAGES/notify.po`` next to this package is read once at
import and compiled in memory (no ``.mo`` files, no build step), so a translator adds
a language by adding one ``.po`` file. Entries marked ``fuzzy`` or left empty are not
used: those messages fall back to the English ``msgid``.

This module reads files at import time only; the lookups it offers are pure.
"""

from __future__ import annotations

import io
import string
from collections.abc import Iterable, Mapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "notify"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

# Tags that name a language we have under another code.
LANGUAGE_ALIASES: Mapping[str, str] = {
    "fil": "tl",  # Filipino is standardised Tagalog
    "cmn": "zh",  # Mandarin
    "yue": "zh",  # Cantonese: written Chinese
    "hye": "hy",
    "kor": "ko",
    "vie": "vi",
    "spa": "es",
    "eng": "en",
    "zho": "zh",
    "chi": "zh",
    "arm": "hy",
    "tgl": "tl",
}


def _key(tag: str) -> str:
    return tag.strip().replace("_", "-").lower()


def load_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, NullTranslations]:
    """Read and compile every ``<lang>/LC_MESSAGES/notify.po`` under ``locale_dir``.

    Keys are the directory names with ``_`` spelled ``-`` (``zh_Hant`` -> ``zh-Hant``).
    """
    catalogs: dict[str, NullTranslations] = {}
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po_path.parent.parent.name.replace("_", "-")
        with po_path.open("rb") as handle:
            catalog = read_po(handle, domain=DOMAIN, abort_invalid=True)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        catalogs[language] = Translations(fp=buffer, domain=DOMAIN)
    catalogs.setdefault(SOURCE_LANGUAGE, NullTranslations())
    return catalogs


CATALOGS: Mapping[str, NullTranslations] = load_catalogs()
AVAILABLE_LANGUAGES: tuple[str, ...] = tuple(sorted(CATALOGS))


def choose_language(tag: str | None, available: Iterable[str] = AVAILABLE_LANGUAGES) -> str:
    """The available language that best serves a BCP 47 ``tag``; ``"en"`` when none does.

    The longest available prefix of the tag wins (``zh-Hant-TW`` -> ``zh-Hant`` if
    present, else ``zh``); ``es-MX`` -> ``es``; tags are matched case-insensitively and
    ``_`` is read as ``-``. A few ISO 639-2/3 codes map to the code we hold
    (``fil`` -> ``tl``, ``yue``/``cmn`` -> ``zh``). An empty, unknown or malformed tag
    gives ``"en"``, whether or not ``"en"`` is listed.
    """
    by_key = {_key(a): a for a in available}
    if not tag or not tag.strip():
        return SOURCE_LANGUAGE
    parts = [p for p in _key(tag).split("-") if p]
    for end in range(len(parts), 0, -1):
        candidate = "-".join(parts[:end])
        if candidate in by_key:
            return by_key[candidate]
    if parts:
        alias = LANGUAGE_ALIASES.get(parts[0])
        if alias is not None and alias in by_key:
            return by_key[alias]
    return SOURCE_LANGUAGE


def placeholders(template: str) -> frozenset[str]:
    """The ``{name}`` fields of a ``str.format`` template (ValueError if it is malformed)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def translate(language: str, msgid: str, **values: str) -> str:
    """``msgid`` in ``language`` with ``values`` filled in.

    Falls back to the English ``msgid`` when the language has no translation for it,
    or when the translation's placeholders do not match the English ones (a
    translator's typo never breaks a notice or leaks a raw ``{field}``).
    """
    catalog = CATALOGS.get(language) or CATALOGS[SOURCE_LANGUAGE]
    template = catalog.gettext(msgid)
    if template != msgid:
        try:
            if placeholders(template) == placeholders(msgid):
                return template.format(**values)
        except (ValueError, KeyError, IndexError):
            pass
    return msgid.format(**values)


def is_translated(language: str, msgid: str) -> bool:
    catalog = CATALOGS.get(language)
    return catalog is not None and catalog.gettext(msgid) != msgid
