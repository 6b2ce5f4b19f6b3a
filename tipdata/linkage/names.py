"""Person names: clean-up, parsing into family / middle / given, order-free keys.

Records of one person from police, MOSAVY, NGOs and courts write the same name in
different ways: in Khmer script or Latin letters, family name first (Cambodian and
Vietnamese convention) or last (foreign forms), with or without Vietnamese diacritics.
This module turns a written name into comparable parts; ``romanise`` gives the keys.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from tipdata.linkage.romanise import contains_khmer, romanisation_key
from tipdata.text import normalise

NameOrder = Literal["family_first", "given_first", "unknown"]
Script = Literal["latin", "khmer", "mixed"]

_KHMER_CHAR = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
_TOKEN_SPLIT = re.compile(r"[\s,.;:/\\()\[\]\"'`_\-]+")

#: Vietnamese family names (diacritics removed), the most frequent first.
VIETNAMESE_FAMILY_NAMES = frozenset(
    {
        "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang",
        "bui", "do", "ho", "ngo", "duong", "ly", "dinh", "dao", "doan", "lam", "mai",
        "trinh", "truong", "luong", "luu", "cao", "ta", "ha", "tang", "chau", "quach",
        "thai", "trieu", "to", "la", "kieu", "van", "khuc", "giang", "tong", "ton",
    }
)  # fmt: skip

#: Vietnamese middle names (tên đệm) that mark the token as a middle name.
VIETNAMESE_MIDDLE_NAMES = frozenset(
    {
        "thi", "van", "duc", "huu", "minh", "ngoc", "quoc", "thanh", "cong", "dinh",
        "xuan", "kim", "hong", "bao", "gia", "nhu", "dieu", "quang", "trung", "tuan",
    }
)  # fmt: skip

_VIETNAMESE_NATIONALITIES = frozenset({"vn", "vnm", "viet nam", "vietnam", "vietnamese"})
_VIETNAMESE_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")


def clean(text: str, *, ascii_latin: bool = True) -> str:
    """Normalise a name or address for comparison; the caller keeps the original.

    NFKC normalisation (full-width and compatibility forms), casefolding, trimming and
    collapsing of white space. With ``ascii_latin`` every non-Khmer character is
    transliterated to ASCII by unidecode (``Nguyễn`` -> ``nguyen``); Khmer script is
    kept, since ``romanise.romanise_khmer`` reads it better than unidecode.

    Args:
        text: any text; never raises on odd input.
        ascii_latin: transliterate non-Khmer text to ASCII.

    Returns:
        The cleaned text.

    Examples:
        >>> clean("  NGUYỄN   Thị  Lan ")
        'nguyen thi lan'
    """
    return normalise(text, ascii_latin=ascii_latin)


def name_tokens(full: str) -> tuple[str, ...]:
    """The words of a name, cleaned, in written order.

    Args:
        full: the name as written.

    Returns:
        Cleaned tokens; hyphens, commas and dots separate tokens.
    """
    return tuple(token for token in _TOKEN_SPLIT.split(clean(full)) if token)


def script_of(text: str) -> Script:
    """Which script a name is written in: ``latin``, ``khmer`` or ``mixed``."""
    letters = [char for char in text if char.isalpha() or _KHMER_CHAR.match(char)]
    khmer = sum(1 for char in letters if _KHMER_CHAR.match(char))
    if khmer and khmer == len(letters):
        return "khmer"
    return "mixed" if khmer else "latin"


@dataclass(frozen=True)
class NameParts:
    """A name split into parts, in cleaned form, with the original kept.

    Attributes:
        family: family name (surname), cleaned; empty when unknown.
        middle: middle name(s), space-separated (Vietnamese Thi, Van, ...); often empty.
        given: given name(s), space-separated.
        original: the name exactly as written in the source.
        script: ``latin``, ``khmer`` or ``mixed``.
    """

    family: str
    middle: str
    given: str
    original: str
    script: Script

    @property
    def tokens(self) -> tuple[str, ...]:
        """All parts' tokens, family first."""
        return tuple(" ".join((self.family, self.middle, self.given)).split())

    def key(self) -> str:
        """Romanisation key of the whole name, family first, without spaces."""
        return romanisation_key(" ".join(self.tokens), compact=True)


def is_vietnamese(full: str, nationality: str | None = None) -> bool:
    """Whether a name should be parsed as Vietnamese.

    True when the nationality says so, or when the name carries Vietnamese diacritics,
    or when it starts or ends with a Vietnamese family name and has a Vietnamese
    middle name (``Tran Thi Mai``, ``Mai Thi Tran``).
    """
    if nationality is not None and clean(nationality) in _VIETNAMESE_NATIONALITIES:
        return True
    if _VIETNAMESE_MARKS.search(unicodedata.normalize("NFC", full).casefold()):
        return True
    tokens = name_tokens(full)
    if len(tokens) < 3:
        return False
    has_family = tokens[0] in VIETNAMESE_FAMILY_NAMES or tokens[-1] in VIETNAMESE_FAMILY_NAMES
    return has_family and any(token in VIETNAMESE_MIDDLE_NAMES for token in tokens[1:-1])


def parse_name(
    full: str, *, order: NameOrder = "unknown", nationality: str | None = None
) -> NameParts:
    """Split a written name into family, middle and given parts.

    Cambodian names (either script) are family name first by convention: the first
    word is the family name, the rest the given name (``Sok Chanthy``). Vietnamese
    names are family, middle, given (``Nguyễn Thị Lan``); with ``order="unknown"`` a
    Vietnamese family name at the end of the name (``Lan Thi Nguyen``, a form foreign
    officials write) is recognised. A one-word name is a given name.

    Args:
        full: the name as written.
        order: how the source writes names, when it is known.
        nationality: ISO code or name of the person's nationality, when known.

    Returns:
        The parts, cleaned (casefolded; Latin in ASCII), with the original kept.

    Examples:
        >>> parse_name("Nguyễn Thị Lan")
        NameParts(family='nguyen', middle='thi', given='lan', original='Nguyễn Thị Lan', script='latin')
    """  # noqa: E501
    tokens = list(name_tokens(full))
    script = script_of(full)
    if not tokens:
        return NameParts("", "", "", full, script)
    if len(tokens) == 1:
        return NameParts("", "", tokens[0], full, script)
    if is_vietnamese(full, nationality):
        return _parse_vietnamese(tokens, order, full, script)
    if order == "given_first":
        return NameParts(tokens[-1], "", " ".join(tokens[:-1]), full, script)
    return NameParts(tokens[0], "", " ".join(tokens[1:]), full, script)


def _parse_vietnamese(
    tokens: list[str], order: NameOrder, original: str, script: Script
) -> NameParts:
    if order == "unknown":
        family_last = (
            tokens[-1] in VIETNAMESE_FAMILY_NAMES and tokens[0] not in VIETNAMESE_FAMILY_NAMES
        )
        order = "given_first" if family_last else "family_first"
    if order == "given_first":
        # Given [middle ...] Family: the Western order.
        family, given, middle = tokens[-1], tokens[0], tokens[1:-1]
    else:
        # Family [middle ...] Given: the Vietnamese order; the given name is the last word.
        family, middle, given = tokens[0], tokens[1:-1], tokens[-1]
    return NameParts(family, " ".join(middle), given, original, script)


def order_insensitive_key(full: str) -> str:
    """A key equal for the same words in any order (``Sok Chanthy`` / ``Chanthy Sok``).

    Args:
        full: the name as written.

    Returns:
        The romanisation keys of the words, sorted, joined by one space.
    """
    return " ".join(sorted(romanisation_key(full).split()))


def is_swapped(name_a: str, name_b: str) -> bool:
    """Whether two names have the same words in a different order.

    Args:
        name_a: one written name.
        name_b: another written name.

    Returns:
        True when the word keys are the same set but not in the same order, e.g.
        ``Sok Chanthy`` and ``Chantey Sok``.
    """
    key_a, key_b = romanisation_key(name_a), romanisation_key(name_b)
    return key_a != key_b and order_insensitive_key(name_a) == order_insensitive_key(name_b)


def parts_swapped(a: NameParts, b: NameParts) -> bool:
    """Whether one record's family name is the other's given name and vice versa."""
    if not (a.family and a.given and b.family and b.given):
        return False
    return romanisation_key(a.family) == romanisation_key(b.given) and romanisation_key(
        a.given
    ) == romanisation_key(b.family)


__all__ = [
    "VIETNAMESE_FAMILY_NAMES",
    "VIETNAMESE_MIDDLE_NAMES",
    "NameOrder",
    "NameParts",
    "Script",
    "clean",
    "contains_khmer",
    "is_swapped",
    "is_vietnamese",
    "name_tokens",
    "order_insensitive_key",
    "parse_name",
    "parts_swapped",
    "script_of",
]
