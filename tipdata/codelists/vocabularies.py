"""Small controlled vocabularies: exploitation types, means of control, pathway stages, roles.

Each is one YAML file with a list of entries keyed by ``code``. Exploitation types
and means of control carry ``hints``, the words agencies write for them, so a free-text
column ("CSE", "labor", "karaoke") can be mapped to a code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import Field

from tipdata.codelists.datafiles import (
    CodelistModel,
    check_unique,
    name_key,
    parse_model,
    read_yaml,
)
from tipdata.errors import CodelistError

EXPLOITATION_TYPES_FILE = "exploitation_types.yaml"
MEANS_OF_CONTROL_FILE = "means_of_control.yaml"
STAGES_FILE = "stages.yaml"
ROLES_FILE = "roles.yaml"

_CODE = r"^[a-z][a-z0-9_]*$"


class Term(CodelistModel):
    """An entry of a vocabulary.

    Attributes:
        code: stable lower-case code.
        name_en: English label.
        name_km: Khmer label, when known.
        description: what the term covers.
    """

    code: str = Field(pattern=_CODE)
    name_en: str = Field(min_length=1)
    name_km: str | None = None
    description: str | None = None


class HintedTerm(Term):
    """A term with the HTCDS value it maps to and the words agencies write for it.

    Attributes:
        htcds: the HTCDS field/value this term corresponds to.
        hints: words and abbreviations that mean this term.
    """

    htcds: str = Field(min_length=1)
    hints: tuple[str, ...] = ()


class ExploitationType(HintedTerm):
    """A form of exploitation; sub-types have the top-level type as ``parent``."""

    parent: str | None = Field(default=None, pattern=_CODE)


class MeansOfControl(HintedTerm):
    """A means by which a trafficker controls a victim (HTCDS MethodsOfControl)."""


class Stage(Term):
    """A step of the victim or the prosecution pathway (an ``EventType``).

    Attributes:
        pathway: ``victim``, ``prosecution`` or ``migration`` (labour migration:
            departures, deportations, hotline reports).
        order: usual position in the pathway; alternatives share a position.
    """

    pathway: Literal["victim", "prosecution", "migration"]
    order: int = Field(ge=0)


class Role(Term):
    """A role a person plays in a record or a case (a ``PersonRole``)."""


TermT = TypeVar("TermT", bound=Term)


class Vocabulary(Generic[TermT]):
    """An ordered, code-keyed vocabulary with optional resolution by hints.

    Attributes:
        by_code: the terms keyed by code, in file order.
    """

    def __init__(self, terms: Iterable[TermT]) -> None:
        """Index ``terms`` by code and by the keys of their codes, names and hints."""
        self.by_code: Mapping[str, TermT] = {t.code: t for t in terms}
        self._by_key: dict[str, TermT] = {}
        for term in self.by_code.values():
            for word in _words(term):
                self._by_key.setdefault(name_key(word), term)

    def __len__(self) -> int:
        return len(self.by_code)

    def __iter__(self) -> Iterator[TermT]:
        return iter(self.by_code.values())

    def __getitem__(self, code: str) -> TermT:
        return self.by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def codes(self) -> tuple[str, ...]:
        """The codes in file order."""
        return tuple(self.by_code)

    def resolve(self, text: str | None) -> TermT | None:
        """Return the term whose code, English name or hint ``text`` is, or None.

        Matching ignores case, spaces, punctuation and accents.
        """
        if text is None:
            return None
        return self._by_key.get(name_key(text))


def _words(term: Term) -> tuple[str, ...]:
    """The code, names and hints by which a term can be written."""
    words = [term.code, term.name_en]
    if term.name_km:
        words.append(term.name_km)
    if isinstance(term, HintedTerm):
        words.extend(term.hints)
    return tuple(words)


class _ExploitationFile(CodelistModel):
    source: str
    types: tuple[ExploitationType, ...]


class _MeansFile(CodelistModel):
    source: str
    means: tuple[MeansOfControl, ...]


class _StagesFile(CodelistModel):
    source: str
    stages: tuple[Stage, ...]


class _RolesFile(CodelistModel):
    source: str
    roles: tuple[Role, ...]


def _load(
    path: Path, model: type[CodelistModel], key: str
) -> tuple[tuple[Term, ...], list[int | None]]:
    """Parse one vocabulary file; check codes and hints are unique."""
    document = read_yaml(path)
    parsed = parse_model(model, document.data, path=path, line_of=document.line_of)
    terms: tuple[Term, ...] = getattr(parsed, key)
    lines = [document.line_of((key, i)) for i in range(len(terms))]
    check_unique(path, ((t.code, n) for t, n in zip(terms, lines, strict=True)))
    owners: dict[str, str] = {}
    for term, line in zip(terms, lines, strict=True):
        for word in _words(term):
            word_key = name_key(word)
            if not word_key:
                raise CodelistError(path, "hint has no letters", line=line, value=word)
            owner = owners.setdefault(word_key, term.code)
            if owner != term.code:
                raise CodelistError(
                    path,
                    f"word already means {owner!r}; resolution would be ambiguous",
                    line=line,
                    field="hints",
                    value=word,
                )
    return terms, lines


def load_exploitation_types(path: Path) -> Vocabulary[ExploitationType]:
    """Read ``exploitation_types.yaml``.

    Raises:
        CodelistError: a bad entry, a duplicate code or hint, an unknown parent, or a
            sub-type of a sub-type (the hierarchy has two levels).
    """
    terms, lines = _load(path, _ExploitationFile, "types")
    types = [t for t in terms if isinstance(t, ExploitationType)]
    top_level = {t.code for t in types if t.parent is None}
    for term, line in zip(types, lines, strict=True):
        if term.parent is not None and term.parent not in top_level:
            raise CodelistError(
                path,
                "parent must be a top-level exploitation type",
                line=line,
                field="parent",
                value=term.parent,
            )
    return Vocabulary(types)


def load_means_of_control(path: Path) -> Vocabulary[MeansOfControl]:
    """Read ``means_of_control.yaml``.

    Raises:
        CodelistError: a bad entry or a duplicate code or hint.
    """
    terms, _ = _load(path, _MeansFile, "means")
    return Vocabulary(t for t in terms if isinstance(t, MeansOfControl))


def load_stages(path: Path) -> Vocabulary[Stage]:
    """Read ``stages.yaml``.

    Raises:
        CodelistError: a bad entry or a duplicate code.
    """
    terms, _ = _load(path, _StagesFile, "stages")
    return Vocabulary(t for t in terms if isinstance(t, Stage))


def load_roles(path: Path) -> Vocabulary[Role]:
    """Read ``roles.yaml``.

    Raises:
        CodelistError: a bad entry or a duplicate code.
    """
    terms, _ = _load(path, _RolesFile, "roles")
    return Vocabulary(t for t in terms if isinstance(t, Role))
