"""Text normalisation shared by record linkage and the blind index.

Linkage compares cleaned names and the blind index hashes them; both go through
``normalise`` so that a name which links also finds its encrypted twin, and the
two cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_KHMER_RUN = re.compile(r"([\u1780-\u17ff\u19e0-\u19ff]+)")
_KHMER_CHAR = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


def normalise(text: str, *, ascii_latin: bool) -> str:
    """Normalise a name or address for comparison or hashing.

    NFKC normalisation (full-width and compatibility forms), casefolding, trimming and
    collapsing of white space. With ``ascii_latin`` every non-Khmer character is
    transliterated to ASCII by unidecode (``Nguyễn`` -> ``nguyen``); Khmer script is
    kept as written.

    Args:
        text: any text; never raises on odd input.
        ascii_latin: transliterate non-Khmer text to ASCII.

    Returns:
        The normalised text.

    Examples:
        >>> normalise("  NGUYỄN   Thị  Lan ", ascii_latin=True)
        'nguyen thi lan'
        >>> normalise("  ＳＯＫ   Dara ", ascii_latin=False)
        'sok dara'
    """
    text = unicodedata.normalize("NFKC", text)
    if ascii_latin:
        text = "".join(
            part if _KHMER_CHAR.match(part) else unidecode(part) for part in _KHMER_RUN.split(text)
        )
    return _SPACES.sub(" ", text.casefold()).strip()
