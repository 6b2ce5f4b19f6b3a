"""The command line: commands listed, errors as one clear line with a non-zero exit code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tipdata.cli import app

runner = CliRunner()


def test_help_lists_the_command_groups() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "codelists", "demo"):
        assert command in result.output


def test_tipdata_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-backup.sqlite"
    result = runner.invoke(app, ["db", "restore", str(missing), "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert "no-such-backup.sqlite" in lines[0]


def test_upgrade_load_backup_and_restore_through_the_cli(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from tipdata.store import Database
    from tipdata.store.backup import table_fingerprints

    home = ["--home", str(tmp_path)]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    loaded = runner.invoke(app, ["codelists", "load", *home])
    assert loaded.exit_code == 0, loaded.output
    db = Database(f"sqlite:///{tmp_path / 'tipdata.db'}")
    before = table_fingerprints(db)
    backup_file = tmp_path / "backup.sqlite"
    assert runner.invoke(app, ["db", "backup", str(backup_file), *home]).exit_code == 0
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM penalty_range"))
    assert table_fingerprints(db) != before
    restored = runner.invoke(app, ["db", "restore", str(backup_file), *home])
    assert restored.exit_code == 0, restored.output
    assert table_fingerprints(db) == before
    db.dispose()


def test_demo_generate_writes_agency_files_and_ground_truth(tmp_path: Path) -> None:
    out = tmp_path / "delivery"
    result = runner.invoke(
        app, ["demo", "generate", "--scale", "0.02", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "ground_truth" / "manifest.json").is_file()
    assert sorted(p.name for p in out.glob("iom_poipet_screening_2008.csv")) == [
        "iom_poipet_screening_2008.csv"
    ]


def test_import_imports_and_provenance_through_the_cli(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path)]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    assert runner.invoke(app, ["codelists", "load", *home]).exit_code == 0
    delivery = tmp_path / "delivery"
    generated = runner.invoke(
        app, ["demo", "generate", "--scale", "0.02", "--seed", "5", "--out", str(delivery)]
    )
    assert generated.exit_code == 0, generated.output
    police = delivery / "moi_police_register_2008.csv"
    dry = runner.invoke(
        app, ["import", str(police), "--source", "moi_police_register", "--dry-run", *home]
    )
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing stored" in dry.output
    stored = runner.invoke(app, ["import", str(police), "--source", "moi_police_register", *home])
    assert stored.exit_code == 0, stored.output
    assert "stored as import run 1" in stored.output
    again = runner.invoke(app, ["import", str(police), "--source", "moi_police_register", *home])
    assert "nothing new: nothing stored" in again.output
    listed = runner.invoke(app, ["imports", *home])
    assert "moi_police_register" in listed.output
    traced = runner.invoke(app, ["provenance", "person_record:1", *home])
    assert traced.exit_code == 0, traced.output
    assert "moi_police_register_2008.csv row 2" in traced.output


def test_a_rejected_file_exits_non_zero_and_names_row_and_column(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path)]
    runner.invoke(app, ["db", "upgrade", *home])
    runner.invoke(app, ["codelists", "load", *home])
    delivery = tmp_path / "delivery"
    runner.invoke(app, ["demo", "generate", "--scale", "0.02", "--out", str(delivery)])
    police = delivery / "moi_police_register_2008.csv"
    lines = police.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("Sex")] = "X"
    police.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(police), "--source", "moi_police_register", *home])
    assert result.exit_code == 1
    assert "rejected, nothing stored" in result.output
    assert "row 2" in result.stderr
    assert "Sex" in result.stderr


def test_adding_a_user_of_an_unknown_province_or_agency_is_one_line(tmp_path: Path) -> None:
    """Review finding 10: an unknown province was an IntegrityError with the password hash."""
    home = ["--home", str(tmp_path)]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    assert runner.invoke(app, ["codelists", "load", *home]).exit_code == 0
    password = "a long enough pass phrase 7"
    for agency, province in (("MOI", "99"), ("NO-SUCH", "12")):
        result = runner.invoke(
            app,
            ["users", "add", "kanha", "--role", "provincial_focal_point", "--agency", agency,
             "--province", province, "--password", password, *home],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
        assert "'99'" in lines[0] or "NO-SUCH" in lines[0]
        assert "argon2" not in result.output and password not in result.output
