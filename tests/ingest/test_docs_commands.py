"""The commands docs/mappings.md and docs/reporting-periods.md name exist and do what they say."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.ingest.conftest import load_reference_data
from tests.ingest.test_demo_sources import delivery  # noqa: F401  (module fixture)
from tests.ingest.test_transforms import _example
from tipdata.cli import app
from tipdata.codelists import load_codelists
from tipdata.ingest import builtin_mappings, import_directory
from tipdata.ingest.delivery import recognise
from tipdata.ingest.mapping import BUILTIN_DIR, load_mapping
from tipdata.ingest.pipeline import UnrecognisedFileError
from tipdata.reporting.tip import report_period
from tipdata.store import Database

DOCS = Path(__file__).resolve().parents[2] / "docs"
runner = CliRunner()


def _commands(document: str, starting: str) -> list[str]:
    text = (DOCS / document).read_text(encoding="utf-8")
    spans = re.findall(r"`(tipdata [^`]+)`", text.replace("\n  ", " "))
    return sorted({" ".join(span.split()) for span in spans if span.startswith(starting)})


def _run(command: str) -> str:
    result = runner.invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, (command, result.output)
    assert "Traceback" not in result.output
    return result.output


def test_the_codelists_commands_named_in_the_docs_and_messages_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tipdata.cli._common import console

    monkeypatch.setattr(console, "_width", 250)  # whole names on one line
    commands = _commands("mappings.md", "tipdata codelists")
    assert commands == [
        "tipdata codelists agencies",
        "tipdata codelists agencies --partners",
        "tipdata codelists provinces",
    ]
    for command in commands:
        _run(command)
    agencies = runner.invoke(app, ["codelists", "agencies"]).output
    assert "DOSAVY-07" in agencies and "Ministry of Social Affairs" in agencies
    partners = runner.invoke(app, ["codelists", "agencies", "--partners"])
    for code in ("THA-MSDHS", "THA-RTP", "VNM-MOLISA", "MYS-POLICE", "IOM"):
        assert code in partners.output
    assert "MOSAVY " not in partners.output
    provinces = runner.invoke(app, ["codelists", "provinces"]).output
    assert "Kampong Speu" in provinces and "Kg. Speu" in provinces


def test_partner_agencies_are_foreign_with_a_known_country_and_a_source() -> None:
    codelists = load_codelists()
    partners = [a for a in codelists.agencies.by_code.values() if a.partner_country]
    assert {a.partner_country for a in partners} == {"THA", "VNM", "MYS"}
    for agency in partners:
        assert codelists.resolve_country(agency.partner_country) is not None
        assert agency.foreign_partner and "S0:" in agency.source
    assert not codelists.agencies["MOSAVY"].foreign_partner
    assert codelists.agencies["IOM"].foreign_partner


def test_year_means_the_calendar_year_in_the_docs_and_the_help() -> None:
    output = runner.invoke(app, ["report", "tip", "--help"]).output
    help_text = re.sub(r"[│\s]+", " ", output)
    assert "Calendar year of the figures: 1 January - 31 December" in help_text
    docs = (DOCS / "reporting-periods.md").read_text(encoding="utf-8")
    assert "`--year` means the calendar year everywhere" in docs
    assert "`--from 2008-04-01 --to 2009-03-31`" in docs
    from datetime import date

    assert report_period(2008) == (date(2008, 1, 1), date(2008, 12, 31))
    assert report_period(None, date(2008, 4, 1), date(2009, 3, 31)) == (
        date(2008, 4, 1),
        date(2009, 3, 31),
    )


def _own_mappings(folder: Path) -> None:
    docs = (DOCS / "mappings.md").read_text(encoding="utf-8")
    (folder / "kampot_dosavy.yaml").write_text(
        re.findall(r"```yaml\n(.*?)```", docs, re.S)[0], encoding="utf-8"
    )
    (folder / "msdhs_handover.yaml").write_text(
        _example("example: msdhs_handover.yaml"), encoding="utf-8"
    )
    files = folder / "delivery"
    files.mkdir()
    (files / "kampot_dosavy_2019.csv").write_text(
        re.findall(r"```text\n(.*?)```", docs, re.S)[0], encoding="utf-8"
    )
    (files / "msdhs_handover_2009.csv").write_text(
        _example("example: msdhs_handover_2009.csv"), encoding="utf-8"
    )


@pytest.mark.parametrize("which", [0, 1])
def test_a_folder_import_with_the_users_mappings_runs_as_written(
    which: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands("mappings.md", "tipdata import delivery")
    assert len(commands) == 2
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIPDATA_HOME", str(tmp_path / "home"))
    _own_mappings(tmp_path)
    if which == 1:
        (tmp_path / "my_mappings").mkdir()
        for name in ("kampot_dosavy.yaml", "msdhs_handover.yaml"):
            (tmp_path / name).rename(tmp_path / "my_mappings" / name)
    _run("tipdata db upgrade")
    _run("tipdata codelists load")
    output = _run(commands[which])
    assert "kampot_dosavy_2019.csv [kampot_dosavy_register]: stored" in output
    assert "msdhs_handover_2009.csv [msdhs_handover]: stored" in output
    assert "dates in 'Handed over': 2009-03-12 to 2009-04-02" in output


def test_the_users_recognise_block_wins_over_a_builtin_that_also_fits(
    db: Database,
    tmp_path: Path,
    delivery: Path,  # noqa: F811
) -> None:
    """A user's mapping for a layout a built-in mapping also fits is the one used."""
    load_reference_data(db)
    builtin = (BUILTIN_DIR / "moi_police_register.yaml").read_text(encoding="utf-8")
    own = builtin.replace("source: moi_police_register", "source: my_police_register")
    assert own != builtin
    mine = tmp_path / "mine.yaml"
    mine.write_text(own, encoding="utf-8")
    folder = tmp_path / "police"
    folder.mkdir()
    shutil.copy(delivery / "moi_police_register_2008.csv", folder)
    with pytest.raises(UnrecognisedFileError, match="more than one mapping fits"):
        # both fit: matched together, the file would be refused (as before)
        candidates = [*builtin_mappings().values(), load_mapping(mine)]
        recognise(folder / "moi_police_register_2008.csv", candidates)

    results = import_directory(db, folder, mappings=[mine], dry_run=True)
    assert [(r.source, r.status) for r in results] == [("my_police_register", "validated")]
