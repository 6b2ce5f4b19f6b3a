"""Regional figures: persons counted by both countries, by role, through the release gate."""

from __future__ import annotations

import base64
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from tests.exchange.conftest import Border, make_border, store_side
from tipdata.access.keys import MasterKey
from tipdata.demo.crossborder import region
from tipdata.exchange import (
    ExchangeRefused,
    generate_keys,
    load_agreement,
    load_keys,
    new_secret,
    read_secret,
    receive,
    send,
)
from tipdata.exchange.agreement import EVENT_QUARTER
from tipdata.exchange.figures import COLUMNS, regional_figures
from tipdata.reporting.suppression import Table, audit, protect_table
from tipdata.store import CrossBorderLink, Database


def _exchange(border: Border) -> None:
    package = border.folder / "tha-2008.json"
    send(
        border.tha,
        load_agreement(border.agreement),
        load_keys(border.tha_keys),
        read_secret(border.secret),
        package,
        period_start=date(2008, 1, 1),
        period_end=date(2008, 12, 31),
    )
    receive(
        border.khm,
        package,
        load_agreement(border.agreement),
        load_keys(border.khm_keys),
        read_secret(border.secret),
    )


def test_the_figures_count_the_persons_both_sides_hold_by_role(border: Border) -> None:
    assert regional_figures(border.khm).countries == ()
    _exchange(border)
    figures = regional_figures(border.khm)
    assert figures.countries == ("THA",)
    again, victims, offenders, other = figures.counts[0]
    assert again == 0  # the agreement does not disclose event quarters
    assert {"partner_quarter": _quarters(border.khm).pop()} == {"partner_quarter": None}
    # the truth: persons both sides hold, by their (one) role
    roles = {record.person_key: record.role for record in border.pair.local}
    both = [roles[local] for _partner, local in border.pair.true_pairs()]
    true_victims, true_offenders = both.count("victim"), both.count("suspect")
    assert true_victims > 20 and true_offenders > 0
    assert 0.85 * true_victims <= victims <= true_victims
    assert offenders <= true_offenders
    assert other <= 0.1 * (victims + offenders + other)  # a role mismatch is a wrong link
    # the receiving side only: the sender learns nothing from the exchange
    assert regional_figures(border.tha).countries == ()


def test_the_release_gate_withholds_the_small_counts(border: Border) -> None:
    _exchange(border)
    figures = regional_figures(border.khm)
    table = Table.build("cross-border persons", figures.countries, COLUMNS, figures.counts)
    offenders = figures.counts[0][2]
    assert 1 <= offenders < 10
    protected = protect_table(table, threshold=10)
    published = protected.published()
    assert published[0][2] is None  # the small offender count is withheld
    assert audit(protected) == []


def _agreement(folder: Path, partner: str, code: str) -> Path:
    """An agreement of Cambodia and ``partner`` with fresh keys for both and a secret."""
    parties = {}
    for country, agency in (("KHM", "MOSAVY"), (partner, "MOI")):
        signing, encryption = generate_keys(folder / f"keys-{country}")
        parties[country] = {"agency": agency, "signing_key": signing, "encryption_key": encryption}
    document = {
        "code": code,
        "salt": base64.b64encode(f"{code}-salt-v1".encode()).decode(),
        "threshold": 0.78,
        "parties": parties,
    }
    path = folder / "agreement.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    new_secret(folder / "secret.txt")
    return path


def test_pairwise_exchanges_with_thailand_and_vietnam_give_a_row_each(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The COMMIT-style table: one Cambodian database, two partners, two agreements."""
    sides = region(150, seed=9)
    dbs: dict[str, Database] = {}
    for number, country in enumerate(("KHM", "THA", "VNM")):
        shutil.copyfile(sqlite_template, tmp_path / f"{country}.db")
        key = MasterKey(bytes(range(32 * number, 32 * number + 32)))
        dbs[country] = Database(f"sqlite:///{tmp_path / country}.db", master_key=key)
    local = store_side(dbs["KHM"], sides.local, "MOSAVY")
    for country in ("THA", "VNM"):
        store_side(dbs[country], sides.partners[country], "MOI")
    try:
        for country, code in (("THA", "KHM-THA-MOU-2003"), ("VNM", "KHM-VNM-MOU-2005")):
            folder = tmp_path / country.lower()
            agreement = load_agreement(_agreement(folder, country, code))
            secret = read_secret(folder / "secret.txt")
            package = folder / "package.json"
            send(dbs[country], agreement, load_keys(folder / f"keys-{country}"), secret, package,
                 period_start=date(2008, 1, 1), period_end=date(2008, 12, 31))  # fmt: skip
            receive(dbs["KHM"], package, agreement, load_keys(folder / "keys-KHM"), secret)
        figures = regional_figures(dbs["KHM"])
        assert figures.countries == ("THA", "VNM")
        roles = {record.person_key: record.role for record in sides.local}
        for country, (again, others, offenders, _other) in zip(
            figures.countries, figures.counts, strict=True
        ):
            both = [roles[khm] for _partner, khm in sides.pair(country).true_pairs()]
            assert both.count("victim") > 20, country
            victims = again + others
            # within 15 %: a missed link lowers the count, a wrong link of two victims raises it
            assert abs(victims - both.count("victim")) <= 0.15 * both.count("victim"), country
            assert abs(offenders - both.count("suspect")) <= 3, country
        # a person held by both partners counts in both rows (the truth has some)
        held = [{khm for _p, khm in sides.pair(c).true_pairs()} for c in ("THA", "VNM")]
        assert held[0] & held[1] and set(local) >= held[0] | held[1]
    finally:
        for db in dbs.values():
            db.dispose()


def _quarters(db: Database) -> set[str | None]:
    with db.session() as session:
        return set(session.scalars(sa.select(CrossBorderLink.partner_quarter)))


def test_victims_re_trafficked_after_repatriation_when_the_agreement_discloses_quarters(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The partner's coarse quarter beside this side's return date: re-trafficked victims."""
    border = make_border(sqlite_template, tmp_path, 300, seed=5)
    try:
        document = yaml.safe_load(border.agreement.read_text(encoding="utf-8"))
        strict_path = border.folder / "strict.yaml"
        strict_path.write_text(yaml.safe_dump(document), encoding="utf-8")
        document["disclosed"] = [EVENT_QUARTER]
        border.agreement.write_text(yaml.safe_dump(document), encoding="utf-8")
        _exchange(border)
        truth = border.pair.re_trafficked()
        assert len(truth) >= 15
        again, victims, _offenders, _other = regional_figures(border.khm).counts[0]
        # a missed link lowers the count; a wrong link would have to join two victims
        # with dates in that order to raise it
        assert 0.8 * len(truth) <= again <= len(truth) + 2
        assert again < 0.4 * (again + victims)
        # quarters only, never a day: every stored quarter reads 2008Q1 to 2008Q4
        assert _quarters(border.khm) - {None} <= {f"2008Q{q}" for q in range(1, 5)}
        # the package carries quarters; a side whose agreement does not list them refuses it
        package = border.folder / "tha-2008.json"
        strict = load_agreement(strict_path)
        with pytest.raises(ExchangeRefused, match="disclosure"):
            receive(
                border.khm,
                package,
                strict,
                load_keys(border.khm_keys),
                read_secret(border.secret),
            )
    finally:
        border.khm.dispose()
        border.tha.dispose()
