"""The command lines of docs/cross-border.md run as written, and the benchmark's small run."""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from tests.exchange.conftest import store_side
from tipdata.cli import app
from tipdata.cli._common import system_for
from tipdata.demo.crossborder import border_pair
from tipdata.store import Agency, Event, PersonRecord, Referral

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cross-border.md"


def _documented(section: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8").split(section, 1)[1]
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block
    return [line for line in block.group(1).splitlines() if line.strip()]


def _keys(output: str) -> dict[str, str]:
    found = dict(re.findall(r"^(signing_key|encryption_key): (\S+)$", output, re.MULTILINE))
    assert set(found) == {"signing_key", "encryption_key"}, output
    return found


def test_the_documented_exchange_commands_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    pair = border_pair(60, seed=3)
    for home, records, agency in (("tha", pair.partner, "MOI"), ("khm", pair.local, "MOSAVY")):
        for setup in (["db", "upgrade"], ["codelists", "load"]):
            assert runner.invoke(app, [*setup, "--home", home]).exit_code == 0
        store_side(system_for(Path(home)).db, records, agency)

    commands = _documented("## Setting up an agreement")
    outputs: dict[str, str] = {}
    for command in commands:
        if " send " in command:
            # the parties write the agreement file from the printed public keys
            document = yaml.safe_load(
                DOC.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
            )
            document["parties"]["KHM"].update(_keys(outputs["keys keys-khm"]))
            document["parties"]["THA"].update(_keys(outputs["keys keys-tha"]))
            Path("khm-tha.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
        outputs[" ".join(shlex.split(command)[2:4])] = result.output

    assert Path("keys-khm/signing.key").stat().st_mode & 0o777 == 0o600
    assert re.search(r"package \w+ for KHM: \d+ encodings of \d+ persons", outputs["send --out"])
    linked = re.search(r"(\d+) linked to persons here", outputs["receive tha-2008.json"])
    assert linked and int(linked.group(1)) >= 10
    assert "accepted" in outputs["log --home"] and "KHM-THA-MOU-2003" in outputs["log --home"]
    figures = outputs["figures --home"]
    assert re.search(
        r"^partner\s+victim in both, re-trafficked after repatriation\s+victim in both, other"
        r"\s+offender in both\s+other roles\s+Total",
        figures,
        re.M,
    )
    row = re.search(r"^THA\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", figures, re.MULTILINE)
    assert row and row.group(5) == linked.group(1)  # every link is one person of the row
    assert "x" in row.groups()  # 60 persons: some count is under 10 and withheld

    again = runner.invoke(app, shlex.split(commands[4])[1:])
    assert again.exit_code == 2
    assert "package refused, replay check failed" in again.output

    # a consented referral to MOSAVY (referral 1 of the Thai side), handed over as written
    tha_db = system_for(Path("tha")).db
    with tha_db.session() as session:
        agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
        victim = session.scalar(
            sa.select(PersonRecord.id)
            .where(sa.cast(PersonRecord.role, sa.String) == "victim")
            .order_by(PersonRecord.id)
        )
        session.add(
            Referral(
                person_record_id=victim,
                from_agency_id=agencies["MOI"],
                to_agency_id=agencies["MOSAVY"],
                referral_date=date(2008, 5, 20),
                consent_recorded=True,
                consent_date=date(2008, 5, 19),
                owner_agency_id=agencies["MOI"],
            )
        )
    handover = _documented("## Handing over a consented case")
    assert len(handover) == 2 and "--referral 1 " in handover[0]
    shown = []
    for command in handover:
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
        shown.append(result.output)
    assert "of referral 1 for MOSAVY (KHM)" in shown[0]
    assert "from THA: case imported" in shown[1]
    # the same package again: refused as a replay, exit 2
    again = runner.invoke(app, shlex.split(handover[1])[1:])
    assert again.exit_code == 2 and "replay check failed" in again.output
    log_khm = runner.invoke(app, ["exchange", "log", "--home", "khm"]).output
    assert len(re.findall(r"^\S+ \S+ accepted ", log_khm, re.MULTILINE)) == 2
    with system_for(Path("khm")).db.session() as session:
        kinds = session.scalars(sa.select(sa.cast(Event.event_type, sa.String))).all()
    assert "received" in kinds


@pytest.mark.slow
def test_the_documented_small_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_exchange
    finally:
        sys.path.pop(0)
    command = _documented("## Measured")[0]
    assert command.startswith(".venv/bin/python benchmarks/bench_exchange.py ")
    assert bench_exchange.main(shlex.split(command)[2:]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"clear text \(Jaro-Winkler\)\s+[\d.]+\s+[\d.]+\s+0\.\d+", printed)
    assert re.search(r"PPRL, Hamming LSH blocking .*\s0\.\d+\s+[\d.]+$", printed, re.MULTILINE)
    difference = re.search(r"F1 of PPRL \(blocked\) - F1 of clear text: ([-+][\d.]+)", printed)
    assert difference and float(difference.group(1)) >= -0.02
    assert "peak resident memory while matching" in printed
