"""docs/law-catalogue.md's article table is generated from the catalogue and cannot drift."""

from __future__ import annotations

from tipdata.codelists import load_law_catalogue
from tipdata.codelists.lawdoc import DOC, render_document


def test_law_catalogue_doc_matches_the_catalogue() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert render_document(current, load_law_catalogue()) == current, (
        "docs/law-catalogue.md is stale: run `python -m tipdata.codelists.lawdoc`"
    )


def test_doc_states_the_2009_report_facts() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert (
        "| 3 | Application of this Law outside the Territory | scope | no | none (non-penal)"
        in text
    )
    assert (
        "| 15 |  | penal | yes | base: 84–180 months; aggravated (victim_minor, public_official, "
        "organized_group): 180–240 months |" in text
    )
