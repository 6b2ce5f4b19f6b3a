"""Importing a delivery folder: recognise each file's mapping, then import every file.

:func:`recognise` picks the one mapping whose file-name pattern and required columns fit
a file; :func:`import_directory` imports each file of a folder with
:func:`tipdata.ingest.pipeline.import_file`, the user's own mappings first
(:func:`load_mappings`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tipdata.errors import DataFileError
from tipdata.ingest.lookups import lookups_for
from tipdata.ingest.mapping import (
    Mapping,
    builtin_mappings,
    get_mapping,
    load_mapping,
)
from tipdata.ingest.pipeline import (
    ImportResult,
    Progress,
    UnrecognisedFileError,
    file_sha256,
    import_file,
)
from tipdata.ingest.readers import ImportFileError, check_required_columns, open_table
from tipdata.ingest.validate import ImportIssue

if TYPE_CHECKING:
    from tipdata.store import Database


def recognise(path: Path, mappings: Iterable[Mapping]) -> Mapping:
    """The mapping whose file-name pattern and required columns fit a file.

    Args:
        path: a file of a delivery folder.
        mappings: the candidate mappings.

    Returns:
        The only mapping that fits.

    Raises:
        UnrecognisedFileError: no mapping (or more than one) fits; lists the known sources.
    """
    candidates = list(mappings)
    by_name = [
        m for m in candidates if fnmatch.fnmatch(path.name.lower(), m.recognise.pattern.lower())
    ]
    fitting: list[Mapping] = []
    problems: list[str] = []
    for candidate in by_name:
        try:
            with open_table(path, candidate.file) as table:
                check_required_columns(path, table.header, candidate.recognise.required_columns)
            fitting.append(candidate)
        except DataFileError as exc:
            problems.append(f"{candidate.source}: {exc.message}")
    known = ", ".join(f"{m.source} ({m.recognise.pattern})" for m in candidates)
    if len(fitting) == 1:
        return fitting[0]
    if len(fitting) > 1:
        raise UnrecognisedFileError(
            path,
            f"more than one mapping fits this file: {', '.join(m.source for m in fitting)}; "
            "import it with an explicit source",
        )
    detail = f" ({'; '.join(problems)})" if problems else ""
    raise UnrecognisedFileError(
        path, f"no mapping recognises this file{detail}; known sources: {known}"
    )


class AmbiguousLayoutError(UnrecognisedFileError):
    """More than one layout fits a file's header: the user chooses one of ``candidates``.

    Attributes:
        candidates: the source codes of the layouts that fit, in order.
    """

    def __init__(self, path: Path, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(
            path,
            f"more than one layout fits this file's header: {', '.join(candidates)}; "
            "choose its source",
        )


def layouts_fitting(path: Path, mappings: Iterable[Mapping]) -> list[Mapping]:
    """The mappings whose required columns the file's header holds (its name aside).

    Raises:
        ImportFileError: the file is missing.
    """
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    fitting = []
    for candidate in mappings:
        try:
            with open_table(path, candidate.file) as table:
                check_required_columns(path, table.header, candidate.recognise.required_columns)
        except DataFileError:
            continue
        fitting.append(candidate)
    return fitting


def choose_mapping(
    path: Path, *, source: str | None = None, mappings: Iterable[str | Path | Mapping] = ()
) -> Mapping:
    """The mapping to import one file with: one rule for the CLI and the web.

    * ``source`` given: the user's own mapping of that source, else the built-in one;
    * the user's own ``mappings`` given: the only one, or the one whose ``recognise:``
      block fits the file (:func:`recognise`);
    * neither: the built-in layout whose required columns the file's header holds; when
      several do, the one whose file-name pattern fits too, else the user chooses.

    Args:
        path: the file.
        source: a source code the user chose.
        mappings: the user's own mappings (files, folders or loaded mappings).

    Raises:
        MappingError: an unknown source (the message lists the known ones).
        AmbiguousLayoutError: several built-in layouts fit the header (``candidates``).
        UnrecognisedFileError: no layout fits the header (the message lists the sources).
        ImportFileError: the file is missing or unreadable.
    """
    own = load_mappings(mappings)
    if source is not None:
        return own[source] if source in own else get_mapping(source)
    if own:
        return next(iter(own.values())) if len(own) == 1 else recognise(path, own.values())
    builtin = builtin_mappings()
    fitting = layouts_fitting(path, builtin.values())
    if len(fitting) > 1:
        by_name = [
            m for m in fitting if fnmatch.fnmatch(path.name.lower(), m.recognise.pattern.lower())
        ]
        fitting = by_name if len(by_name) == 1 else fitting
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        raise AmbiguousLayoutError(path, sorted(m.source for m in fitting))
    raise UnrecognisedFileError(
        path,
        "no layout recognises this file's header: choose its source; known sources: "
        + ", ".join(sorted(builtin)),
    )


def load_mappings(mappings: Iterable[str | Path | Mapping]) -> dict[str, Mapping]:
    """The user's own mappings by source code: files, folders of ``*.yaml`` files, or mappings.

    Raises:
        MappingError: a mapping is invalid, or two share a source code.
    """
    from tipdata.ingest.mapping import MappingError

    found: dict[str, Mapping] = {}
    for item in mappings:
        if isinstance(item, Mapping):
            loaded = [item]
        elif Path(item).is_dir():
            loaded = [load_mapping(path) for path in sorted(Path(item).glob("*.yaml"))]
        else:
            loaded = [load_mapping(item)]
        for mapping in loaded:
            if mapping.source in found:
                raise MappingError(
                    mapping.path or mapping.source,
                    f"source {mapping.source!r} is already defined by another mapping given",
                )
            found[mapping.source] = mapping
    return found


def _recognise_own_first(
    path: Path, own: dict[str, Mapping], builtin: dict[str, Mapping]
) -> Mapping:
    """The user's mapping that recognises a file; the built-in ones only if none of them does.

    A user's mapping replaces a built-in one with the same source code, and a file that
    one of the user's mappings recognises is never matched against the built-in ones
    (which may fit it too: the user's ``recognise:`` block decides).
    """
    if own:
        try:
            return recognise(path, own.values())
        except UnrecognisedFileError as exc:
            if "more than one" in exc.message:
                raise
    try:
        return recognise(path, builtin.values())
    except UnrecognisedFileError:
        return recognise(path, [*own.values(), *builtin.values()])


def import_directory(
    db: Database,
    directory: str | Path,
    *,
    mappings: Iterable[str | Path | Mapping] = (),
    dry_run: bool = False,
    accept_valid_rows: bool = False,
    quarantine_dir: str | Path | None = None,
    progress: Progress | None = None,
    imported_by: str | None = None,
    allow_clearing: bool = False,
) -> list[ImportResult]:
    """Import every file of a delivery folder, each with the mapping that recognises it.

    Every file is recognised before any is imported; each file is then imported in its
    own transaction (one file's errors do not undo another file's import).

    Args:
        db: the database.
        directory: the folder (files directly in it; hidden files and sub-folders ignored).
        mappings: the user's own mappings (files, folders of ``*.yaml`` or loaded
            mappings): a file one of them recognises (``recognise:`` block) is imported
            with it; the built-in mappings are tried only for the other files.
        dry_run: validate only.
        accept_valid_rows: store the valid rows of files with errors.
        quarantine_dir: folder of quarantine CSVs (default ``<directory>/quarantine``).
        progress: ``progress(step, done, total)`` callback.
        imported_by: who runs the import.

    Returns:
        One result per file, in file-name order. A malformed file gives a ``rejected``
        result with its one error.

    Raises:
        UnrecognisedFileError: a file fits no mapping (nothing is imported).
        ImportFileError: the folder does not exist or holds no file.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ImportFileError(folder, "no such folder")
    own = load_mappings(mappings)
    builtin = {
        source: mapping for source, mapping in builtin_mappings().items() if source not in own
    }
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (".csv", ".xlsx")
    )
    if not files:
        raise ImportFileError(folder, "the folder holds no .csv or .xlsx file")
    plan = [(file, _recognise_own_first(file, own, builtin)) for file in files]
    lookups = lookups_for(db)
    results: list[ImportResult] = []
    for file, mapping in plan:
        try:
            results.append(
                import_file(
                    db,
                    file,
                    mapping=mapping,
                    dry_run=dry_run,
                    accept_valid_rows=accept_valid_rows,
                    quarantine_dir=quarantine_dir or folder / "quarantine",
                    progress=progress,
                    imported_by=imported_by,
                    lookups=lookups,
                    allow_clearing=allow_clearing,
                )
            )
        except ImportFileError as exc:
            issue = ImportIssue(file.name, exc.line, exc.field, None, exc.message)
            results.append(
                ImportResult(
                    file,
                    mapping.source,
                    "rejected",
                    dry_run,
                    file_sha256(file),
                    error_count=1,
                    issues=[issue],
                )
            )
    return results


__all__ = ["import_directory", "load_mappings", "recognise"]
