"""Text normalisation shared by record linkage and the blind index; bidi controls.

Linkage compares cleaned names and the blind index hashes them; both go through
``normalise`` so that a name which links also finds its encrypted twin, and the
two cannot drift apart. :func:`without_bidi_controls` removes the invisible
characters that reorder displayed text (a "right-to-left override" makes
``Sok\u202eyrrah`` show as ``Sokharry``); imports and pages use it.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional formatting characters: marks, embeddings, overrides and isolates."""
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


def without_bidi_controls(text: str) -> str:
    """``text`` without bidirectional formatting characters (no name needs them here).

    Examples:
        >>> without_bidi_controls("Sok \u202eyrrah\u202c Dara")
        'Sok yrrah Dara'
    """
    return BIDI_CONTROLS.sub("", text)
