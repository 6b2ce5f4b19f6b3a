"""Every command line of the README and docs/ is run by a test exactly as written (issue 16, 5).

A command line is a line of a fenced code block that starts with a command (``tipdata``,
``make``, ``pytest``, ``.venv/bin/...``). Each one is listed in ``RUN_BY`` with the test
that runs it as written, or in ``NOT_RUN`` with the reason it cannot be (and what runs
instead). A new command in the docs fails here until somebody says which test runs it.
Commands written inline in prose (``tipdata users unlock NAME``) name a command with
placeholders; they are not command lines and are not listed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
COMMAND = re.compile(r"(tipdata|make|pytest|\.venv/bin/\S+|python\S*) ")

# command line (without its trailing comment) -> "test file::test function" that runs it
RUN_BY: dict[str, str] = {
    # docs/provincial-reporting.md
    "tipdata provincial xlsform --out pwg_biweekly.xlsx": (
        "tests/standards/test_odk.py::test_the_documented_odk_commands_run_as_written"
    ),
    "tipdata provincial import-odk pwg_biweekly_submissions_odk_central.csv": (
        "tests/standards/test_odk.py::test_the_documented_odk_commands_run_as_written"
    ),
    # docs/provincial-reporting.md: the screening form
    "tipdata screening xlsform --out victim_screening.xlsx": (
        "tests/standards/test_odk_screening.py::test_the_documented_screening_commands_run_as_written"
    ),
    "tipdata screening odk-mapping IOM --out screening_iom.yaml": (
        "tests/standards/test_odk_screening.py::test_the_documented_screening_commands_run_as_written"
    ),
    "tipdata import tipdata_victim_screening_odk_central.csv --mapping screening_iom.yaml": (
        "tests/standards/test_odk_screening.py::test_the_documented_screening_commands_run_as_written"
    ),
    "tipdata screening odk-mapping IOM --server kobo-csv --out screening_iom_kobo.yaml": (
        "tests/standards/test_odk_screening.py::test_the_documented_kobo_csv_commands_run_as_written"
    ),
    "tipdata import tipdata_victim_screening_kobo.csv --mapping screening_iom_kobo.yaml": (
        "tests/standards/test_odk_screening.py::test_the_documented_kobo_csv_commands_run_as_written"
    ),
    # docs/htcds.md
    "tipdata report ctdc --year 2008 --out reports": (
        "tests/standards/test_ctdc.py::test_the_ctdc_command_of_the_docs_runs_as_written"
    ),
    "tipdata htcds mapping AFESIP --out htcds_afesip.yaml": (
        "tests/standards/test_htcds_import.py::test_the_documented_htcds_commands_run_as_written"
    ),
    "tipdata import htcds_afesip_2009.xlsx --mapping htcds_afesip.yaml": (
        "tests/standards/test_htcds_import.py::test_the_documented_htcds_commands_run_as_written"
    ),
    # docs/sdmx.md
    "tipdata report sdmx --year 2008 --out reports": (
        "tests/standards/test_sdmx.py::test_the_sdmx_command_of_the_docs_runs_as_written"
    ),
    # docs/cross-border.md
    "tipdata demo partners --out partners --seed 1": (
        "tests/exchange/test_partner_files.py::test_the_demo_writes_the_partners_files_as_documented"
    ),
    "tipdata exchange keys keys-khm": (
        "tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"
    ),
    "tipdata exchange keys keys-tha": (
        "tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"
    ),
    "tipdata exchange secret khm-tha.secret": (
        "tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"
    ),
    (
        "tipdata exchange send --out tha-2008.json --agreement khm-tha.yaml --keys keys-tha"
        " --secret-file khm-tha.secret --from 2008-01-01 --to 2008-12-31 --home tha"
    ): ("tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"),
    (
        "tipdata exchange receive tha-2008.json --agreement khm-tha.yaml --keys keys-khm"
        " --secret-file khm-tha.secret --home khm"
    ): ("tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"),
    "tipdata exchange log --home khm": (
        "tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"
    ),
    "tipdata exchange figures --home khm": (
        "tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"
    ),
    (
        "tipdata exchange handover --referral 1 --on 2008-06-02 --out case-1.json"
        " --agreement khm-tha.yaml --keys keys-tha --home tha"
    ): ("tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"),
    (
        "tipdata exchange receive-case case-1.json --agreement khm-tha.yaml --keys keys-khm"
        " --home khm"
    ): ("tests/exchange/test_cli.py::test_the_documented_exchange_commands_run_as_written"),
    ".venv/bin/python benchmarks/bench_exchange.py --people 300 --scale 2000": (
        "tests/exchange/test_cli.py::test_the_documented_small_benchmark_runs"
    ),
    'tipdata persons find --document "n 0123-456"': (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    "tipdata users unlock dara": (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    'tipdata users token-issue dara --name "monthly export" --days 30': (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    "tipdata users token-list": (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    "tipdata users token-revoke 1": (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    "tipdata audit verify": (
        "tests/access/test_admin_commands.py::test_the_documented_administration_commands_run_as_written"
    ),
    ".venv/bin/python benchmarks/bench_transliteration.py": (
        "tests/linkage/test_transliteration.py::test_the_benchmark_command_prints_the_figures"
    ),
    "tipdata link": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "tipdata link --mode full": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "tipdata link --threshold 0.9": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "tipdata link --engine spark": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "tipdata link review": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "tipdata link explain --pair 1": (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    ),
    "pytest -q tests/codelists": "tests/test_docs_testing.py::test_documented_command_passes",
    'pytest -q -m "not postgres" tests/store/test_database.py': (
        "tests/test_docs_testing.py::test_documented_command_passes"
    ),
    'pytest -q -m "not slow" tests/legal/test_demo_checks.py tests/codelists': (
        "tests/test_docs_testing.py::test_documented_command_passes"
    ),
    "pytest -q -n 2 --dist loadscope tests/codelists tests/test_text.py": (
        "tests/test_docs_testing.py::test_documented_command_passes"
    ),
    ".venv/bin/pybabel extract -F tipdata/web/babel.cfg -o /tmp/messages.pot tipdata/web": (
        "tests/test_doc_commands.py::test_the_translation_commands_of_docs_web_run_as_written"
    ),
    ".venv/bin/pybabel update -i /tmp/messages.pot -d tipdata/web/locale -l km": (
        "tests/test_doc_commands.py::test_the_translation_commands_of_docs_web_run_as_written"
    ),
    "tipdata dhis2 export --format json --out reports.json": (
        "tests/standards/test_dhis2_exchange.py::test_the_dhis2_commands_of_the_docs_run_as_written"
    ),
    "tipdata dhis2 export --format csv --id-scheme code --year 2009 --out reports.csv": (
        "tests/standards/test_dhis2_exchange.py::test_the_dhis2_commands_of_the_docs_run_as_written"
    ),
    "tipdata dhis2 export --format adx --id-scheme code --out reports.xml": (
        "tests/standards/test_dhis2_exchange.py::test_the_dhis2_commands_of_the_docs_run_as_written"
    ),
    "tipdata dhis2 import reports.xml": (
        "tests/standards/test_dhis2_exchange.py::test_the_dhis2_commands_of_the_docs_run_as_written"
    ),
}

# command line -> why no test runs it as written, and what runs in its place
NOT_RUN: dict[str, str] = {
    ".venv/bin/python benchmarks/bench_exchange.py --people 2000": (
        "a benchmark of a minute (2,000 persons); tests/exchange/test_cli.py runs the same"
        " script at --people 300 --scale 2000, tests/exchange/test_accuracy.py the 0.02 check"
    ),
    ".venv/bin/python benchmarks/bench_exchange.py --skip-accuracy --scale 100000 --names demo": (
        "a benchmark of minutes (100,000 encodings a side); tests/exchange/test_cli.py runs"
        " the same script at --people 300 --scale 2000"
    ),
    ".venv/bin/python benchmarks/bench_exchange.py --skip-accuracy --scale 300000": (
        "a benchmark of tens of minutes (300,000 encodings a side); tests/exchange/test_cli.py"
        " runs the same script at --people 300 --scale 2000"
    ),
    (
        ".venv/bin/python benchmarks/bench_exchange.py --skip-accuracy --scale 1000000"
        " --cache bench-cache"
    ): (
        "a benchmark of 45 minutes on this loaded machine (2 x 1 M encodings 29 min, then"
        " matching 12 min);"
        " tests/exchange/test_cli.py runs the same script at --people 300 --scale 2000"
    ),
    "make test": "it is the suite itself; .ci/run runs it on a clean clone",
    "make demo": (
        "installs and then serves until stopped; the job it runs (`tipdata demo run`) is run"
        " at a small scale by tests/demo/test_pipeline_reports.py"
    ),
    "tipdata persons show P-XXXXXXXX": (
        "P-XXXXXXXX stands for a person id of the reader's database; `persons show` is run"
        " by tests/linkage/test_service.py"
    ),
    ".venv/bin/python benchmarks/bench_releases.py --scale 10": (
        "a benchmark at national scale (tens of minutes); its report is in the notes"
    ),
    ".venv/bin/python benchmarks/bench_linkage.py unseen": (
        "a benchmark of several minutes; tests/linkage/test_unseen_eval.py runs the same"
        " function on a tiny set"
    ),
    ".venv/bin/python benchmarks/bench_review_labels.py --set trafficking-2009 --seed 2": (
        "a benchmark of minutes (four full linkages of 2,000 records); tests/linkage/"
        "test_operation.py checks m from labels on tiny inline records"
    ),
    ".venv/bin/python benchmarks/bench_linkage.py public": (
        "a benchmark of about ten minutes (historical_50k links 50,578 records twice);"
        " tests/linkage/test_public_tipdata.py runs its tipdata side on fake_1000 and"
        " tests/linkage/test_public_benchmarks.py its Splink side on historical_50k"
    ),
    ".venv/bin/python benchmarks/bench_migration.py --scale 0.1 --seed 1": (
        "a benchmark of minutes; tests/reporting/test_migration.py checks the figures it"
        " prints on the scale-0.05 demo"
    ),
}


def documented_command_lines() -> list[tuple[str, str]]:
    """(document, command line) for every command line of the README and docs/*.md."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in FENCE.findall(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                command = line.split("  #", 1)[0].strip()
                if COMMAND.match(command + " "):
                    found.append((path.relative_to(ROOT).as_posix(), command))
    return found


def test_every_documented_command_line_is_run_by_a_named_test() -> None:
    unlisted = sorted(
        {f"{doc}: {command}" for doc, command in documented_command_lines()}
        - {f"{doc}: {command}" for doc, command in documented_command_lines()
           if command in RUN_BY or command in NOT_RUN}
    )  # fmt: skip
    assert unlisted == [], "say which test runs these (RUN_BY) or why none can (NOT_RUN)"


def test_the_lists_name_only_commands_that_are_documented_and_tests_that_exist() -> None:
    documented = {command for _doc, command in documented_command_lines()}
    assert sorted(set(RUN_BY) - documented) == []
    assert sorted(set(NOT_RUN) - documented) == []
    assert not set(RUN_BY) & set(NOT_RUN)
    for command, test in RUN_BY.items():
        file, name = test.split("::")
        source = (ROOT / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), (command, test)


def test_the_translation_commands_of_docs_web_run_as_written(tmp_path: Path) -> None:
    # run in a copy of tipdata/web, so that the repository's catalogue is not rewritten
    shutil.copytree(ROOT / "tipdata" / "web", tmp_path / "tipdata" / "web")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    commands = [c for doc, c in documented_command_lines() if doc == "docs/web.md"]
    assert [c.split()[1] for c in commands] == ["extract", "update"]
    for command in commands:
        done = subprocess.run(
            command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    catalogue = (tmp_path / "tipdata/web/locale/km/LC_MESSAGES/messages.po").read_text("utf-8")
    assert "#, fuzzy" not in catalogue.split("\n\n", 1)[1]  # every message still translated


@pytest.mark.parametrize("doc", ["README.md", "docs/linkage.md", "docs/access-control.md"])
def test_the_inventory_reads_the_command_blocks(doc: str) -> None:
    assert any(found == doc for found, _command in documented_command_lines())


def test_every_link_command_line_is_run_not_excused() -> None:
    """Issue 13: every `tipdata link ...` line of the README and docs runs as written."""
    link_lines = {c for _doc, c in documented_command_lines() if c.startswith("tipdata link")}
    assert link_lines, "the inventory finds the link commands"
    runner = (
        "tests/linkage/test_link_commands.py::test_every_link_command_of_the_docs_runs_as_written"
    )
    assert {c: RUN_BY.get(c) for c in link_lines} == dict.fromkeys(link_lines, runner)
