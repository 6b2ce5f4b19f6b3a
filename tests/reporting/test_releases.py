"""Releases are stored: tables, threshold, who, when and a hash of each published file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.access.conftest import FAST, GOOD_PASSWORD, add_world
from tipdata.access import Actor, Passwords
from tipdata.access.errors import AccessDenied
from tipdata.access.users import add_user, sync_roles
from tipdata.reporting.engine import Cell
from tipdata.reporting.releases import (
    LOCAL_OPERATOR,
    file_sha256,
    list_releases,
    release_report,
)
from tipdata.reporting.report import TOTAL, CellSource, Report, ReportTable
from tipdata.store import AuditEvent, Database, ReportRelease

START, END = date(2008, 1, 1), date(2008, 12, 31)


def _report(counts: dict[tuple[str, str], int]) -> Report:
    rows, columns = ("female", "male"), ("child", "adult")
    cells = {key: Cell(v, v) for key, v in counts.items()}
    for r in rows:
        cells[(r, TOTAL)] = Cell(sum(counts[(r, c)] for c in columns), 0)
    for c in columns:
        cells[(TOTAL, c)] = Cell(sum(counts[(r, c)] for r in rows), 0)
    cells[(TOTAL, TOTAL)] = Cell(sum(counts.values()), 0)
    table = ReportTable(
        "victims_by_sex_age", "Victims", ("d",), "Sex", (*rows, TOTAL), (*columns, TOTAL),
        cells, {(TOTAL, TOTAL): CellSource("victims_identified")},
    )  # fmt: skip
    return Report("Test", START, END, (table,), datetime(2009, 1, 5, tzinfo=UTC))


REPORT = _report(
    {("female", "child"): 40, ("female", "adult"): 25, ("male", "child"): 12, ("male", "adult"): 3}
)


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    """A publisher (NTF data officer), an auditor and a statistics reader."""
    with db.session() as session:
        sync_roles(session)
        world = add_world(session)
        found = {}
        for username, role in [
            ("publisher", "ntf_data_officer"),
            ("auditor", "auditor"),
            ("reader", "statistics_reader"),
        ]:
            user = add_user(
                session, None, username=username, display_name=username, role=role,
                agency_id=world.police, province_code=None, password=GOOD_PASSWORD,
                passwords=Passwords(FAST),
            )  # fmt: skip
            found[username] = Actor.of(user)
        session.commit()
    return found


def test_a_release_is_stored_with_file_hashes_and_listed(
    db: Database, actors: dict[str, Actor], tmp_path: Path
) -> None:
    released = release_report(
        db, REPORT, tmp_path / "out", actor=actors["publisher"], threshold=5, rounding_base=None
    )
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    stem = "tip_report-2008-01-01-2008-12-31-published"
    assert names == [f"{stem}.csv", f"{stem}.html", f"{stem}.xlsx"]
    # the male adult cell (3) is below the threshold: suppressed in the published CSV
    assert ",male,Male,adult,Adult (18+),,," in (tmp_path / "out" / f"{stem}.csv").read_text()
    release = released.release
    assert release.files == {name: file_sha256(tmp_path / "out" / name) for name in names}
    assert release.digest == released.published.digest
    assert (release.report_kind, release.period_start, release.period_end) == (
        "tip_report",
        START,
        END,
    )
    assert (release.tables, release.threshold, release.rounding_base) == (
        ("victims_by_sex_age",),
        5,
        None,
    )
    assert release.released_by == "publisher"
    assert list_releases(db, actor=actors["auditor"]) == [release]
    assert list_releases(db, actor=actors["publisher"], report_kind="unodc") == []
    with db.session() as session:
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "report_release")
        ).one()
        assert (event.object_type, event.object_ids) == ("report_release", str(release.release_id))
        assert event.user_id == actors["publisher"].user_id


def test_only_publishers_release_and_only_publishers_and_auditors_list(
    db: Database, actors: dict[str, Actor], tmp_path: Path
) -> None:
    with pytest.raises(AccessDenied):
        release_report(db, REPORT, tmp_path / "out", actor=actors["auditor"], threshold=5)
    assert not (tmp_path / "out").exists()
    with pytest.raises(AccessDenied):
        list_releases(db, actor=actors["reader"])
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ReportRelease)) == 0


def test_local_operator_releases_are_listed_newest_first(db: Database, tmp_path: Path) -> None:
    first = release_report(db, REPORT, tmp_path / "a", actor=None, threshold=5).release
    second = release_report(
        db, REPORT, tmp_path / "b", actor=None, threshold=10, rounding_base=5
    ).release
    assert [r.release_id for r in list_releases(db, actor=None)] == [
        second.release_id,
        first.release_id,
    ]
    assert second.released_by == LOCAL_OPERATOR
    assert second.digest != first.digest  # threshold and rounding change what is released


def test_cli_lists_releases(tmp_path: Path) -> None:
    from tipdata.cli import app

    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    empty = runner.invoke(app, ["report", "releases", *home])
    assert empty.exit_code == 0, empty.output
    assert "0 releases" in empty.output
