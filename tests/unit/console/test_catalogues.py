"""The committed language catalogues are complete and compiled from their .po files."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import server.console as console

ROOT = Path(console.__file__).resolve().parent
PO = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def _catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_Hans_CN")


def _used_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords={"_": None, "gettext": None,
                                                           "_l": None, "lazy_gettext": None})
    return {message if isinstance(message, str) else message[0]
            for _, _, message, _, _ in found}


def test_every_message_the_console_shows_has_a_chinese_translation():
    translated = {m.id for m in _catalogue() if m.id and m.string}

    assert _used_messages() - translated == set()


def test_the_compiled_catalogue_matches_its_po_file():
    with (PO.with_suffix(".mo")).open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)

    for message in _catalogue():
        if message.id and message.string:
            assert compiled.gettext(message.id) == message.string, message.id
