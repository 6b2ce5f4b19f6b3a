"""Reading law articles as courts write them: ``Art. 15``, ``Article 15``, ``ម15``, ``មាត្រា ១៥``.

A charge keeps the article as the clerk wrote it (``Charge.article_text``) and, when
ingestion resolved it, the catalogue row (``law_article_id``). The checks need the law
and the article number; :func:`parse_article` reads them from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_LAW = "lshtse-2008"
LABOUR_LAW = "labour-1997"

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_NUMBER = re.compile(r"(\d+)")
_LABOUR_WORDS = ("labour", "labor", "ច្បាប់ការងារ")
_LAW_CODE = re.compile(r"(lshtse-2008|labour-1997)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """A law article: the law's catalogue code and the article number."""

    law_code: str
    number: int

    def __str__(self) -> str:
        law = "Labour Law" if self.law_code == LABOUR_LAW else "LSHTSE 2008"
        return f"{law} Art {self.number}"


def parse_article(text: str | None, default_law: str = DEFAULT_LAW) -> ArticleRef | None:
    """The article a court wrote, or None when no article number can be read.

    Args:
        text: e.g. ``"Art. 15"``, ``"15"``, ``"Article 15"``, ``"ម15"``, ``"មាត្រា ១៥"``,
            ``"Labour Law Art 363"``, ``"lshtse-2008/15"``.
        default_law: the law when the text names none.

    Returns:
        The article, or None.

    Examples:
        >>> parse_article("មាត្រា ១៥")
        ArticleRef(law_code='lshtse-2008', number=15)
        >>> str(parse_article("Labour Law Art. 363"))
        'Labour Law Art 363'
    """
    if not text:
        return None
    cleaned = text.translate(_KHMER_DIGITS).strip()
    law = default_law
    code = _LAW_CODE.search(cleaned)
    if code is not None:
        law = code.group(1).lower()
        cleaned = cleaned[: code.start()] + cleaned[code.end() :]
    elif any(word in cleaned.lower() for word in _LABOUR_WORDS):
        law = LABOUR_LAW
    match = _NUMBER.search(cleaned)
    if match is None:
        return None
    return ArticleRef(law, int(match.group(1)))
