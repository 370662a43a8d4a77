"""One word for the field worker (issue #13 item 6): "collector", never the old word.

Fails when server/ spells the old word outside the wire-alias module and the allowed phrases
(the HTTP user agent in its spellings; words that only contain the letters, like dragenter).
"""

from __future__ import annotations

import re
from pathlib import Path

SERVER = Path(__file__).resolve().parents[3] / "server"
OLD = "ag" + "ent"
ALIASES = {SERVER / "api" / "legacy_names.py"}
VENDORED = (SERVER / "static", SERVER / "console" / "static" / "vendor")
ALLOWED = re.compile(rf"user[ _-]?{OLD}|default {OLD}|http {OLD}", re.IGNORECASE)
WORD = re.compile(rf"(?<![A-Za-z]){OLD}|(?<![A-Za-z]){OLD.upper()}|{OLD.capitalize()}")
SUFFIXES = {".py", ".html", ".js", ".css", ".md", ".txt", ".json"}


def _sources():
    for path in sorted(SERVER.rglob("*")):
        if path.suffix in SUFFIXES and path not in ALIASES and "__pycache__" not in path.parts \
                and not any(path.is_relative_to(v) for v in VENDORED):
            yield path


def test_server_says_collector_not_the_old_word():
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if WORD.search(ALLOWED.sub("", line)):
                found.append(f"{path.relative_to(SERVER.parent)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_check_sees_the_old_word_and_spares_the_allowed_phrases():
    assert WORD.search(ALLOWED.sub("", f"{OLD}_id = 1"))
    assert WORD.search(ALLOWED.sub("", f"Role.{OLD.upper()}"))
    assert not WORD.search(ALLOWED.sub("", f"the User-{OLD.capitalize()} header, user_{OLD}"))
    assert not WORD.search(ALLOWED.sub("", "ondragenter, magenta"))
