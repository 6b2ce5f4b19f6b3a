"""Cleaning transforms of the mapping language: text steps, ages with units, approximate years.

A mapping cleans a cell with ``{text: <expression>, steps: [...]}``; each step is a
small, safe function from text to text (no code runs from a mapping). The steps are
applied in order; an empty result is "no value". The steps (documented for data
officers in ``docs/mappings.md``):

* ``trim`` — spaces at both ends removed, runs of spaces made one.
* ``upper``, ``lower``, ``title`` — letter case.
* ``nfc``, ``nfkc`` — Unicode normalisation (``nfkc`` also turns full-width letters and
  ligatures into plain ones).
* ``fold_diacritics`` — ``Nguyễn`` → ``Nguyen`` (for keys; store the written form).
* ``digits`` — Khmer and Thai digits to ASCII.
* ``{replace: {pattern: REGEX, with: TEXT}}`` — every match replaced (``\\1`` refers
  to a group).
* ``{extract: REGEX}`` — the first match (its first group, if it has one); no match
  gives no value.
* ``strip_titles`` or ``{strip_titles: [en, km, th, vi]}`` — titles and honorifics
  at the start of a name removed (``MS. SOK`` → ``SOK``); lists in
  ``tipdata/codelists/titles.yaml``.
* ``{nickname: name}`` / ``{nickname: alias}`` — ``Sreymom (A Mom)``, ``Sreymom
  "A Mom"``, ``Sreymom alias A Mom`` or ``Sreymom aka A Mom``: the name without
  the nickname, or the nickname alone.

Ages with units (``14 yrs``, ``28y``, ``១២ ឆ្នាំ``, ``6 months``) and approximate
years (``c. 1995``, ``1995?``) are read by :func:`parse_age` and
:func:`parse_approximate_year`, used by the ``age``, ``year`` and ``birth`` expressions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from tipdata.ingest.dates import DIGITS

TITLES_FILE = Path(__file__).parents[1] / "codelists" / "titles.yaml"
"""The lists of titles and honorifics, by language."""

TitleLanguage = Literal["en", "km", "th", "vi"]

DEFAULT_NULL_TOKENS: tuple[str, ...] = ()
"""A mapping declares its own null tokens (``null_tokens:``); none by default."""


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplaceSpec(_Step):
    """``{pattern: REGEX, with: TEXT}``."""

    pattern: str = Field(min_length=1)
    with_: str = Field(default="", alias="with")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        _check_regex(value)
        return value


class ReplaceStep(_Step):
    """Every match of a regular expression replaced."""

    replace: ReplaceSpec


class ExtractStep(_Step):
    """The first match of a regular expression (its first group if it has groups)."""

    extract: str = Field(min_length=1)

    @field_validator("extract")
    @classmethod
    def _compiles(cls, value: str) -> str:
        _check_regex(value)
        return value


class StripTitlesStep(_Step):
    """Titles and honorifics removed from the start of a name."""

    strip_titles: list[TitleLanguage] = Field(min_length=1)


class NicknameStep(_Step):
    """The name without its nickname (``name``), or the nickname alone (``alias``)."""

    nickname: Literal["name", "alias"]


_SIMPLE_STEPS = (
    "trim",
    "upper",
    "lower",
    "title",
    "nfc",
    "nfkc",
    "fold_diacritics",
    "digits",
    "strip_titles",
)


_STEP_MODELS: dict[str, type[_Step]] = {}


def _parse_step(value: Any) -> Any:
    """A step as written in YAML, validated, with a message naming what is wrong."""
    if isinstance(value, _Step) or value in _SIMPLE_STEPS:
        return value
    if isinstance(value, str):
        raise ValueError(f"unknown step {value!r}; steps: {', '.join(_ALL_STEPS)}")
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(
            "a step is a name (trim, upper, ...) or a mapping with one key "
            f"({', '.join(_STEP_MODELS)}); found {value!r}"
        )
    key = next(iter(value))
    model = _STEP_MODELS.get(key)
    if model is None:
        raise ValueError(f"unknown step {key!r}; steps: {', '.join(_ALL_STEPS)}")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(
            f"step {key!r}: {where}: {first['msg'].removeprefix('Value error, ')}"
        ) from None


Step = Annotated[Any, BeforeValidator(_parse_step)]
"""One cleaning step of a ``{text: ..., steps: [...]}`` expression."""


_STEP_MODELS.update(
    replace=ReplaceStep, extract=ExtractStep, strip_titles=StripTitlesStep, nickname=NicknameStep
)
_ALL_STEPS = (*_SIMPLE_STEPS, "replace", "extract", "nickname")


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None


TextFunction = Callable[[str], str]


def fold_diacritics(text: str) -> str:
    """``text`` without combining marks on Latin letters (``Nguyễn`` → ``Nguyen``, ``đ`` → ``d``).

    Khmer and Thai vowel signs are combining marks too, but part of the letter: they are
    kept (only marks following a Latin letter are dropped).
    """
    out: list[str] = []
    latin = False
    for char in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")):
        if unicodedata.combining(char):
            if latin:
                continue
        else:
            latin = char.isascii()
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


@dataclass(frozen=True)
class TitleList:
    """The titles of one language, with the source of the list."""

    language: str
    source: str
    titles: tuple[str, ...]


@cache
def title_lists() -> dict[str, TitleList]:
    """The title lists of ``titles.yaml`` by language code."""
    data = yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8"))
    return {
        language: TitleList(language, entry["source"], tuple(entry["titles"]))
        for language, entry in data.items()
    }


def _attached(title: str) -> bool:
    """Khmer and Thai titles may be written with no space before the name."""
    return any("\u1780" <= c <= "\u17ff" or "\u0e00" <= c <= "\u0e7f" for c in title)


@cache
def _title_regex(languages: tuple[str, ...]) -> re.Pattern[str]:
    lists = title_lists()
    titles = sorted(
        {title for language in languages for title in lists[language].titles},
        key=len,
        reverse=True,
    )
    alternatives = []
    for title in titles:
        words = r"\s+".join(re.escape(word.rstrip(".")) for word in title.split())
        dotted = title.endswith(".")
        ending = r"\.?" if not dotted else r"\."
        if _attached(title):
            alternatives.append(words + ending + r"\s*")
        else:
            alternatives.append(words + ending + r"(?:\s+|(?<=\.))")
    return re.compile(r"^(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


def strip_titles(text: str, languages: tuple[str, ...] = ("en", "km", "th", "vi")) -> str:
    """``text`` without the titles at its start (never down to nothing).

    Examples:
        >>> strip_titles("MS. SOK Dara")
        'SOK Dara'
        >>> strip_titles("នាងសុខ", ("km",))
        'នាងសុខ'
        >>> strip_titles("นางสาวสมใจ", ("th",))
        'สมใจ'
    """
    regex = _title_regex(languages)
    current = text.strip()
    while True:
        match = regex.match(current)
        if match is None:
            return current
        rest = current[match.end() :].strip()
        if not rest:
            return current
        current = rest


_BRACKETED = re.compile(
    r"^(?P<name>.*?)\s*(?:\((?P<p>[^()]*)\)|\[(?P<b>[^\[\]]*)\]|\"(?P<q>[^\"]*)\"|"
    r"“(?P<c>[^”]*)”)\s*(?P<rest>.*)$"
)
_ALIAS = re.compile(r"^(?P<name>.+?)\s+(?:alias|aka|a\.k\.a\.?|a/k/a)\s+(?P<a>.+)$", re.I)


def split_nickname(text: str) -> tuple[str, str | None]:
    """The name without its nickname, and the nickname (None if there is none).

    Examples:
        >>> split_nickname("Sreymom (A Mom)")
        ('Sreymom', 'A Mom')
        >>> split_nickname("Sok Dara alias Mao")
        ('Sok Dara', 'Mao')
        >>> split_nickname("Sok Dara")
        ('Sok Dara', None)
    """
    written = text.strip()
    match = _BRACKETED.match(written)
    if match is not None:
        alias = next(match[g] for g in ("p", "b", "q", "c") if match[g] is not None)
        name = " ".join(f"{match['name']} {match['rest']}".split())
    else:
        match = _ALIAS.match(written)
        if match is None:
            return written, None
        alias, name = match["a"], " ".join(match["name"].split())
    alias = " ".join(alias.split())
    if not name or not alias:
        return written, None
    return name, alias


def _simple(step: str) -> TextFunction:
    functions: dict[str, TextFunction] = {
        "trim": lambda text: " ".join(text.split()),
        "upper": str.upper,
        "lower": str.lower,
        "title": str.title,
        "nfc": lambda text: unicodedata.normalize("NFC", text),
        "nfkc": lambda text: unicodedata.normalize("NFKC", text),
        "fold_diacritics": fold_diacritics,
        "digits": lambda text: text.translate(DIGITS),
        "strip_titles": strip_titles,
    }
    return functions[step]


def step_function(step: Any) -> TextFunction:
    """The function of one validated step."""
    if isinstance(step, str):
        return _simple(step)
    if isinstance(step, ReplaceStep):
        regex = re.compile(step.replace.pattern)
        replacement = step.replace.with_
        return lambda text: regex.sub(replacement, text)
    if isinstance(step, ExtractStep):
        regex = re.compile(step.extract)

        def extract(text: str) -> str:
            match = regex.search(text)
            if match is None:
                return ""
            return (match.group(1) if regex.groups else match.group(0)) or ""

        return extract
    if isinstance(step, StripTitlesStep):
        languages = tuple(step.strip_titles)
        return lambda text: strip_titles(text, languages)
    assert isinstance(step, NicknameStep)
    part = 0 if step.nickname == "name" else 1
    return lambda text: split_nickname(text)[part] or ""


def compile_steps(steps: list[Any]) -> Callable[[str], str | None]:
    """One function applying the steps in order; empty text gives None."""
    functions = [step_function(step) for step in steps]

    def apply(text: str) -> str | None:
        for function in functions:
            text = function(text)
            if not text:
                return None
        return text.strip() or None

    return apply


# ---------------------------------------------------------------------------
# Ages with units, approximate years
# ---------------------------------------------------------------------------

_YEAR_UNITS = r"y|yr|yrs|year|years|yo|y\.o|y/o|ans|ឆ្នាំ|ខួប|ปี|tuổi|tuoi|t"
_MONTH_UNITS = r"m|mo|mos|mth|mths|month|months|ខែ|เดือน|tháng|thang"
_AGE = re.compile(
    rf"^(?P<n>\d{{1,3}})\s*(?:(?P<y>{_YEAR_UNITS})|(?P<m>{_MONTH_UNITS}))?\.?\s*(?:old)?$",
    re.IGNORECASE,
)


def parse_age(text: str) -> int | None:
    """An age in whole years from ``14``, ``14 yrs``, ``28y``, ``១២ ឆ្នាំ``, ``6 months``, or None.

    Examples:
        >>> [parse_age(t) for t in ["14 yrs", "28y", "១២ ឆ្នាំ", "12 ปี", "18 months", "x"]]
        [14, 28, 12, 12, 1, None]
    """
    match = _AGE.match(text.translate(DIGITS).strip())
    if match is None:
        return None
    number = int(match["n"])
    return number // 12 if match["m"] else number


_APPROXIMATE = re.compile(
    r"^(?:(?:c|ca|circa|approx|approximately|about|around|abt|~|±|ប្រហែល|ประมาณ|khoảng)"
    r"\.?\s*(?P<a>\d{4})\s*\??|(?P<b>\d{4})\s*(?:\?|\(\s*(?:approx|approx\.|c\.?|\?)\s*\)))$",
    re.IGNORECASE,
)


def parse_approximate_year(text: str) -> int | None:
    """The year of ``c. 1995``, ``ca 1995``, ``~1995``, ``1995?``, ``ប្រហែល ១៩៩៥``, or None.

    Examples:
        >>> [parse_approximate_year(t) for t in ["c. 1995", "1995?", "1995", "abc"]]
        [1995, 1995, None, None]
    """
    match = _APPROXIMATE.match(text.translate(DIGITS).strip())
    if match is None:
        return None
    return int(match["a"] or match["b"])


APPROXIMATE_YEAR_SPREAD = 2
"""An approximate birth year ``c. Y`` stands for the years Y−2 … Y+2."""


def fold_null(text: str) -> str:
    """The key a null token is compared on: case and spaces ignored."""
    return " ".join(text.casefold().split())
