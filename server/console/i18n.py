"""Console languages: Simplified Chinese by default, English on request (flask-babel).

Messages are written in English in the templates and code; the zh_Hans_CN catalogue (Babel
normalises zh_CN to zh_Hans_CN when it looks for catalogues) translates them.
Compiled catalogues (.mo) are committed beside their .po files, so running needs no build step;
tests/unit/console/test_catalogues.py fails when a .mo is stale or a message untranslated.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, g, session
from flask_babel import Babel, refresh

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT = "zh_CN"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SELF_SERVICE = Path(__file__).resolve().parent.parent / "selfservice" / "translations"


def chosen_language() -> str:
    """The language of this request: the signed-in person's choice, else Simplified Chinese."""
    lang = g.get("self_service_lang") or session.get("lang")  # the debtor's page: its own
    return lang if lang in LANGUAGES else DEFAULT


def html_lang() -> str:
    """The BCP 47 tag for <html lang>."""
    return chosen_language().replace("_", "-")


def init_app(app: Flask) -> None:
    """Install flask-babel with the console's catalogues and language choice."""
    # Babel's own default is the language the messages are written in (its fallback when a
    # catalogue lacks a message); the console's default language is chosen_language's.
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{TRANSLATIONS};{SELF_SERVICE}"
    Babel(app, locale_selector=chosen_language)
    app.jinja_env.globals.update(console_languages=LANGUAGES, html_lang=html_lang)


def install(blp: Blueprint) -> None:
    """Pick the language afresh on every request (flask-babel caches it on the app context,
    which a test, a CLI command or a background job may share across requests)."""
    blp.before_request(refresh)
