"""The self-service catalogue is complete (pages and the refusals marked N_) and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import server

ROOT = Path(server.__file__).resolve().parent
PO = ROOT / "selfservice" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "N_": None}
SOURCES = [(ROOT / "selfservice", [("**/templates/**.html", "jinja2"), ("**.py", "python")]),
           (ROOT / "messaging", [("codes.py", "python"), ("selfservice.py", "python"),
                                 ("links.py", "python")])]


def _catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_Hans_CN")


def _used() -> set[str]:
    return {m if isinstance(m, str) else m[0] for folder, methods in SOURCES
            for _, _, m, _, _ in extract_from_dir(str(folder), methods, keywords=KEYWORDS)}


def test_every_message_the_debtor_can_read_has_a_chinese_translation():
    translated = {m.id for m in _catalogue() if m.id and m.string}
    assert _used() - translated == set()


def test_the_compiled_catalogue_matches_its_po_file():
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for message in _catalogue():
        if message.id and message.string:
            assert compiled.gettext(message.id) == message.string, message.id
