"""The Khmer catalogue: every message of the code and templates is translated, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tipdata.web.i18n import Catalogues, catalogue_path

WEB = Path(__file__).resolve().parents[2] / "tipdata" / "web"
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted_messages() -> set[str]:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHOD_MAP, OPTIONS
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_message_has_a_khmer_translation() -> None:
    with catalogue_path("km").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted_messages() - set(translated))
    assert missing == [], "run pybabel extract/update and translate these"


def test_translations_keep_the_placeholders() -> None:
    with catalogue_path("km").open("rb") as handle:
        catalogue = read_po(handle)
    broken = [
        m.id
        for m in catalogue
        if m.id and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert broken == []


def test_catalogue_compiles_at_start() -> None:
    catalogues = Catalogues.load(("en", "km"))
    assert catalogues.get("km").gettext("Sign in") == "ចូលប្រើ"
    assert catalogues.get("en").gettext("Sign in") == "Sign in"
    assert catalogues.get("fr").gettext("Sign in") == "Sign in"  # unknown: the default


def test_accept_language_negotiation() -> None:
    catalogues = Catalogues.load(("en", "km"))
    assert catalogues.negotiate(None, "fr;q=1, km;q=0.8, en;q=0.5") == "km"
    assert catalogues.negotiate(None, "km;q=0, en") == "en"
    assert catalogues.negotiate("km", "en") == "km"
    assert catalogues.negotiate("xx", None) == "en"
