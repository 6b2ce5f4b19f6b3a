"""The CLI commands no other test ran, each run through the command line on a demo home.

The home is a copy of the session's demo database (imported, linked by ground truth), so
the checks, the international report and `report explain` have real figures to work on.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import TEST_MASTER_KEY
from tests.shared_demo import DemoTemplate
from tipdata.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(
    sqlite_demo_template: DemoTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A tipdata home holding a copy of the demo database, its key in the environment."""
    assert sqlite_demo_template.sqlite_path is not None
    folder = tmp_path_factory.mktemp("cli-home")
    shutil.copyfile(sqlite_demo_template.sqlite_path, folder / "tipdata.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIPDATA_MASTER_KEY", TEST_MASTER_KEY.to_base64())
        yield folder


def run(home: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert result.exit_code == 0, (args, result.output)
    return result.output


def test_db_current_names_the_newest_revision(home: Path) -> None:
    versions = Path(__file__).parents[1] / "tipdata" / "store" / "migrations" / "versions"
    newest = max(p.name.split("_", 1)[0] for p in versions.glob("0*.py"))
    assert run(home, "db", "current").strip() == newest


def test_codelists_check_prints_every_list_with_its_size() -> None:
    result = runner.invoke(app, ["codelists", "check"])
    assert result.exit_code == 0, result.output
    sizes = dict(re.findall(r"│ ([a-z][a-z ()0-9-]+?)\s+│\s+(\d+)\s+│", result.output))
    assert int(sizes["provinces (2008)"]) == 24  # the 24 provinces of the 2009 report
    assert int(sizes["provinces (today)"]) == 25
    assert int(sizes["law articles"]) > 0 and int(sizes["countries"]) >= 249


def test_check_run_stores_findings_and_check_list_filters_them(home: Path) -> None:
    summary = run(home, "check", "run")
    found = re.search(
        r"(\d+) findings: (\d+) judgments.*stored\s+as check run (\d+)", summary, re.DOTALL
    )
    assert found, summary
    total = int(found.group(1))
    assert total > 0

    listed = run(home, "check", "list")
    assert f"{total} findings" in listed
    per_court_year: dict[tuple[str, str], int] = {}
    for court, year, count in re.findall(
        r"│ (\S+)\s+│ (\d{4})\s+│ \S+\s+│ \w+\s+│ (\d+)\s+│", summary
    ):
        per_court_year[court, year] = per_court_year.get((court, year), 0) + int(count)
    (court, year), expected = max(per_court_year.items(), key=lambda item: item[1])
    narrowed = run(home, "check", "list", "--court", court, "--year", year)
    assert f"{expected} findings" in narrowed
    assert expected < total


def test_users_list_grant_disable_and_totp(home: Path) -> None:
    run(home, "users", "add", "sophal", "--role", "statistics_reader", "--agency", "MOI",
        "--password", "mekong delta ferry lanterns")  # fmt: skip
    assert re.search(r"sophal\s+│\s+statistics_reader", run(home, "users", "list"))

    assert "sophal is now police_analyst" in run(
        home, "users", "grant", "sophal", "--role", "police_analyst"
    )
    assert re.search(r"sophal\s+│\s+police_analyst", run(home, "users", "list"))

    uri = run(home, "users", "enable-totp", "sophal")
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    assert re.search(
        r"sophal\s+│\s+police_analyst\s+│\s+│\s+yes\s+│\s+yes", run(home, "users", "list")
    )

    assert "disabled sophal" in run(home, "users", "disable", "sophal")
    assert re.search(r"sophal\s+│\s+police_analyst\s+│\s+│\s+no\s+│", run(home, "users", "list"))

    shown = run(home, "audit", "show", "--limit", "10")
    actions = re.findall(r"│ (\w+)\s+│ app_user", shown)
    assert actions[:4] == ["user_changed", "user_changed", "role_granted", "user_created"], shown
    only = run(home, "audit", "show", "--action", "role_granted")
    rows = [line for line in only.splitlines() if re.match(r"│\s+\d+", line)]
    assert len(rows) == 1 and "role_granted" in rows[0]


def test_keys_rotate_and_rotate_data_keep_every_value_readable(tmp_path: Path) -> None:
    home = tmp_path / "home"  # a small home of its own: re-encrypting the demo takes long
    for setup in (("db", "upgrade"), ("codelists", "load")):
        run(home, *setup)
    run(home, "users", "add", "vanna", "--role", "police_analyst", "--agency", "MOI",
        "--password", "mekong delta ferry lanterns")  # fmt: skip
    run(home, "users", "enable-totp", "vanna")  # a protected value: the TOTP secret
    rotated = run(home, "keys", "rotate-data")
    count = re.search(r"re-encrypted (\d+) protected values under data key (\S+);", rotated)
    assert count and int(count.group(1)) > 0, rotated

    new_key = home / "new-master.key"
    done = run(home, "keys", "rotate", "--new-key-file", str(new_key))
    assert re.search(r"rewrapped (\d+) data keys", done)
    assert new_key.stat().st_mode & 0o077 == 0
    # the old master key no longer opens the data keys; the new one does
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIPDATA_MASTER_KEY", new_key.read_text(encoding="ascii").strip())
        names = runner.invoke(app, ["persons", "find", "--document", "n 0123-456", "--home",
                                    str(home)])  # fmt: skip
        assert names.exit_code == 0, names.output
        intact = runner.invoke(app, ["audit", "verify", "--home", str(home)])
        assert "audit log intact" in intact.output
    stale = runner.invoke(app, ["persons", "find", "--document", "n 0123-456", "--home", str(home)])
    assert stale.exit_code != 0
    assert "Traceback" not in stale.output


def test_report_international_writes_the_unodc_report(home: Path, tmp_path: Path) -> None:
    out = run(home, "report", "international", "--year", "2008", "--out", str(tmp_path),
              "--htcds")  # fmt: skip
    html = Path(out.splitlines()[0].strip())
    assert html.is_file() and html.name.startswith("unodc")
    rows = re.search(r"\((\d+) rows, (\d+) dropped\)", out)
    assert rows and int(rows.group(1)) > 0


def test_report_explain_lists_the_persons_behind_a_figure(home: Path) -> None:
    out = run(home, "report", "explain", "victims_by_sex_age", "female", "Total", "--year",
              "2008")  # fmt: skip
    head = re.match(r"victims_by_sex_age \[(.+?) × (.+?)\] = (\d+) \(agency records (\d+)\)", out)
    assert head, out
    value = int(head.group(3))
    assert value > 0
    persons = [line for line in out.splitlines() if re.match(r"  \S", line)]
    assert len(persons) == value
    assert " row " in out  # each fact names the file and row it came from
