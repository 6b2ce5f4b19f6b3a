"""English and Khmer: Babel message catalogues and the choice of language per request.

The source language is English; ``locale/km/LC_MESSAGES/messages.po`` holds the
Khmer translations. The ``.po`` file is the only committed form: it is compiled
in memory when the app starts (a few milliseconds), so a fresh clone needs no
build step and no binary ``.mo`` file can drift from its source. Run
``pybabel extract -F tipdata/web/babel.cfg -o messages.pot tipdata/web`` and
``pybabel update`` to add new messages; ``tests/web/test_i18n.py`` fails when a
message in the code or the templates has no Khmer translation.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from tipdata.errors import DataFileError

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "km": "ខ្មែរ"}
"""Each language in its own script, as offered in the language switch."""


def catalogue_path(language: str) -> Path:
    """The ``.po`` file of a language."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogue(path: Path) -> Translations:
    """Read a ``.po`` file and compile it in memory.

    Raises:
        DataFileError: the file cannot be read or parsed; the message names it.
    """
    try:
        with path.open("rb") as handle:
            catalogue = read_po(handle, abort_invalid=True)
    except (OSError, ValueError) as exc:
        raise DataFileError(path, f"cannot read message catalogue: {exc}") from None
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@dataclass(frozen=True)
class Catalogues:
    """The compiled translations of every interface language.

    Attributes:
        default: the language used when nothing else applies.
        translations: language code → translations (English: the identity).
    """

    default: str
    translations: dict[str, gettext.NullTranslations]

    @classmethod
    def load(cls, languages: Iterable[str], default: str = "en") -> Catalogues:
        """Compile the catalogue of each language; English needs none."""
        translations: dict[str, gettext.NullTranslations] = {}
        for language in languages:
            if language == "en":
                translations[language] = gettext.NullTranslations()
            else:
                translations[language] = compile_catalogue(catalogue_path(language))
        if default not in translations:
            raise ValueError(f"default language {default!r} is not among {sorted(translations)}")
        return cls(default=default, translations=translations)

    @property
    def languages(self) -> tuple[str, ...]:
        """The language codes offered."""
        return tuple(self.translations)

    def get(self, language: str) -> gettext.NullTranslations:
        """The translations of a language (the default language's if unknown)."""
        return self.translations.get(language) or self.translations[self.default]

    def negotiate(self, cookie: str | None, accept_language: str | None) -> str:
        """The language of a request: the user's choice (cookie), else the browser's, else default.

        Examples:
            >>> catalogues = Catalogues("en", {"en": gettext.NullTranslations(),
            ...                                 "km": gettext.NullTranslations()})
            >>> catalogues.negotiate(None, "km-KH,km;q=0.9,en;q=0.8")
            'km'
            >>> catalogues.negotiate("en", "km")
            'en'
        """
        if cookie in self.translations:
            return str(cookie)
        for language in _accepted(accept_language or ""):
            if language in self.translations:
                return language
        return self.default


def _accepted(header: str) -> list[str]:
    """Primary language tags of an ``Accept-Language`` header, by preference."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower().split("-")[0]
        if not tag or tag == "*":
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
