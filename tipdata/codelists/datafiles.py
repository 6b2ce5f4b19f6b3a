"""Reading code-list files (YAML, CSV) so that every error names the file and the line.

YAML is composed into nodes first, so each key and list item keeps the line it was
written on; Pydantic validation errors are then mapped back to that line. CSV rows
keep the line number the reader reports for them.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tipdata.errors import CodelistError

Loc = tuple[str | int, ...]
"""A path into a parsed document: keys of mappings and indexes of lists."""

ModelT = TypeVar("ModelT", bound=BaseModel)


class CodelistModel(BaseModel):
    """Base of every code-list entry: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file with the line of every key and list item.

    Attributes:
        path: the file.
        data: the parsed content (dicts, lists, scalars).
        lines: 1-based line of each location in ``data``.
    """

    path: Path
    data: Any
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """Return the line of ``loc``, or of its nearest enclosing location that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def read_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file, recording the line of each key and list item.

    Args:
        path: the YAML file.

    Returns:
        The document; an empty file gives ``data=None``.

    Raises:
        CodelistError: the file cannot be read, is not valid YAML, or repeats a key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CodelistError(path, f"cannot read the file: {error.strerror}") from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise CodelistError(path, f"not valid YAML: {error.problem}", line=line) from error
    if node is None:
        return YamlDocument(path=path, data=None)
    lines: dict[Loc, int] = {}
    data = _build(node, (), lines, path)
    return YamlDocument(path=path, data=data, lines=lines)


def _build(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path) -> Any:
    """Turn a composed node into plain Python data, recording lines by location."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in result:
                raise CodelistError(
                    path, "key given twice", line=key_node.start_mark.line + 1, field=str(key)
                )
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, lines, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), lines, path) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Construct one scalar node with the safe loader's rules (dates, ints, bools, null)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV file with a header row.

    Args:
        path: the CSV file (UTF-8, optionally with a byte-order mark).

    Returns:
        ``(line, row)`` pairs, ``line`` being the 1-based line where the row ends.

    Raises:
        CodelistError: the file cannot be read or a row has more cells than the header.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows: list[tuple[int, dict[str, str]]] = []
            for row in reader:
                if None in row:
                    line = reader.line_num
                    raise CodelistError(path, "more cells than header columns", line=line)
                rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
            return rows
    except OSError as error:
        raise CodelistError(path, f"cannot read the file: {error.strerror}") from error


def parse_model(
    model: type[ModelT],
    data: Any,
    *,
    path: Path,
    line_of: Callable[[Loc], int | None],
    context: Mapping[str, Any] | None = None,
) -> ModelT:
    """Validate ``data`` as ``model``; turn the first validation error into a CodelistError.

    Args:
        model: the Pydantic model to validate against.
        data: the parsed content of one entry.
        path: the file the entry comes from, for the error message.
        line_of: maps a location inside ``data`` to its line in the file.
        context: passed to Pydantic validators.

    Returns:
        The validated model.

    Raises:
        CodelistError: naming the file, the line and the field at fault.
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        first = error.errors()[0]
        loc: Loc = tuple(first["loc"])
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        elif first["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        shown = first.get("input") if first["type"] != "missing" else None
        if isinstance(shown, dict | list):
            shown = None
        return_field = ".".join(str(part) for part in loc) or None
        raise CodelistError(
            path, message, line=line_of(loc), field=return_field, value=shown
        ) from error


def check_unique(path: Path, entries: Iterable[tuple[str, int | None]], what: str = "code") -> None:
    """Raise if a value occurs twice.

    Args:
        path: the file, for the message.
        entries: ``(value, line)`` pairs in file order.
        what: the name of the field, for the message.

    Raises:
        CodelistError: at the line of the second occurrence.
    """
    seen: dict[str, int | None] = {}
    for value, line in entries:
        if value in seen:
            first = seen[value]
            where = f" (first on line {first})" if first is not None else ""
            message = f"duplicate {what}{where}"
            raise CodelistError(path, message, line=line, field=what, value=value)
        seen[value] = line


_NOISE_PREFIXES_KM = ("ខេត្ត", "រាជធានី", "ក្រុង", "ប្រទេស", "សញ្ជាតិ")


def name_key(text: str) -> str:
    """Reduce a written name to a comparison key.

    Case, spacing, punctuation and Latin accents are ignored; Khmer letters, vowel
    signs and digits are kept. ``"Kratié"``, ``"KRATIE"`` and ``"Kra-tie"`` all give
    ``"kratie"``.

    Args:
        text: the name as written.

    Returns:
        The key; empty when ``text`` has no letters or digits.
    """
    decomposed = unicodedata.normalize("NFKD", text.strip())
    # Drop Latin combining accents only: Khmer vowel signs are combining marks too.
    without_accents = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    composed = unicodedata.normalize("NFKC", without_accents).casefold()
    for prefix in _NOISE_PREFIXES_KM:
        if composed.startswith(prefix) and len(composed) > len(prefix):
            composed = composed[len(prefix) :]
            break
    return "".join(ch for ch in composed if unicodedata.category(ch)[0] in "LNM")


def split_list(cell: str) -> tuple[str, ...]:
    """Split a pipe-separated CSV cell into its non-empty, stripped parts."""
    return tuple(part.strip() for part in cell.split("|") if part.strip())
