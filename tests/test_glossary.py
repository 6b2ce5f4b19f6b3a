"""docs/glossary.md: every domain term has its Khmer, and the interface's terms agree with it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tipdata.web.i18n import catalogue_path

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def glossary_rows() -> list[tuple[str, str, str]]:
    """``(English, Khmer, meaning)`` of every table row of the glossary."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[0] not in ("English", "---"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_every_term_has_khmer_in_khmer_script_and_a_meaning() -> None:
    rows = glossary_rows()
    assert len(rows) >= 35
    missing = [term for term, khmer, meaning in rows
               if not any("\u1780" <= ch <= "\u17ff" for ch in khmer) or not meaning]  # fmt: skip
    assert missing == []


def test_terms_of_the_interface_have_the_interface_khmer() -> None:
    with catalogue_path("km").open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    shared = [(term, khmer) for term, khmer, _ in glossary_rows() if term in catalogue]
    assert len(shared) >= 25  # the check reads the interface's own words
    differ = [(term, khmer, catalogue[term]) for term, khmer in shared if catalogue[term] != khmer]
    assert differ == []
