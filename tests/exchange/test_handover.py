"""Consented case hand-over between two databases: identity only for the consented person."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.exchange.conftest import AGREEMENT_CODE, Border
from tests.exchange.test_canary import _as_word, _canaries, _table_text
from tipdata.exchange import ExchangeRefused, load_agreement, load_keys
from tipdata.exchange.package import open_document
from tipdata.linkage.features import load_person_records
from tipdata.standards.handover import (
    HANDOVER_FORMAT,
    HandoverRefused,
    receive_handover,
    send_handover,
)
from tipdata.store import Agency, CrossBorderExchange, Event, PersonRecord, Referral

HANDED_OVER = date(2008, 6, 2)


def _referral(border: Border, record_id: int, agency: str, consent: bool) -> int:
    with border.tha.session() as session:
        ids = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
        referral = Referral(
            person_record_id=record_id,
            from_agency_id=ids["MOI"],
            to_agency_id=ids[agency],
            referral_date=date(2008, 5, 20),
            consent_recorded=consent,
            consent_date=date(2008, 5, 19) if consent else None,
            owner_agency_id=ids["MOI"],
        )
        session.add(referral)
        session.flush()
        return referral.id


def _victims(border: Border) -> list[int]:
    with border.tha.session() as session:
        return list(
            session.scalars(
                sa.select(PersonRecord.id)
                .where(sa.cast(PersonRecord.role, sa.String) == "victim")
                .order_by(PersonRecord.id)
                .limit(2)
            )
        )


def _send(border: Border, referral: int, out: Path) -> None:
    agreement = load_agreement(border.agreement)
    send_handover(
        border.tha, agreement, load_keys(border.tha_keys), referral, out, handed_over_on=HANDED_OVER
    )


def _receive(border: Border, path: Path, agreement_file: Path | None = None) -> object:
    agreement = load_agreement(agreement_file or border.agreement)
    return receive_handover(border.khm, path, agreement, load_keys(border.khm_keys))


def _khm_events(border: Border) -> list[tuple[str, date | None]]:
    with border.khm.session() as session:
        return [
            (str(kind), day)
            for kind, day in session.execute(
                sa.select(sa.cast(Event.event_type, sa.String), Event.event_date)
            )
        ]


def test_a_consented_case_is_handed_over_and_received(
    border: Border, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    consented, other = _victims(border)
    referral = _referral(border, consented, "MOSAVY", consent=True)
    package = border.folder / "handover.json"
    before = len(_khm_events(border))
    _send(border, referral, package)
    received = _receive(border, package)
    assert received.sender == "THA"  # type: ignore[attr-defined]
    # the pathway goes on: handed over (THA), received and identified (KHM), dated
    with border.tha.session() as session:
        handed = session.execute(
            sa.select(sa.cast(Event.event_type, sa.String), Event.event_date).where(
                Event.person_record_id == consented
            )
        ).all()
    assert ("handed_over", HANDED_OVER) in [tuple(row) for row in handed]
    events = _khm_events(border)
    assert len(events) == before + 2
    assert ("received", HANDED_OVER) in events
    # the identity arrived (encrypted at rest, read through linkage's read path)
    sent = load_person_records(border.tha, record_ids=[consented]).iloc[0]
    khm = load_person_records(border.khm)
    got = khm[khm["source"] == "handover_mosavy"]
    assert len(got) == 1
    assert got.iloc[0]["family_name"] == sent["family_name"]
    assert got.iloc[0]["given_name"] == sent["given_name"]
    # both logs: sent on THA, accepted on KHM; no name in either (canary)
    for db, status in ((border.tha, "sent"), (border.khm, "accepted")):
        with db.session() as session:
            assert session.scalars(sa.select(CrossBorderExchange.status)).all() == [status]
    names = _canaries(border.pair.partner)
    text = (
        _table_text(border)
        + json.dumps(json.loads(package.read_bytes())["manifest"], ensure_ascii=False)
        + caplog.text
    )
    assert [value for value in names if _as_word(value).search(text)] == []
    # the decrypted package holds the consented person's identity and no one else's
    body = open_document(
        HANDOVER_FORMAT,
        json.loads(package.read_bytes()),
        package.name,
        "THA",
        load_agreement(border.agreement),
        load_keys(border.khm_keys),
    )
    inside = json.dumps(body, ensure_ascii=False)
    assert sent["family_name"] in inside and sent["given_name"] in inside
    own = {str(sent["family_name"]), str(sent["given_name"])}
    if isinstance(sent["birth_date"], date):
        own.add(sent["birth_date"].isoformat())
    others = {
        value
        for value in names
        if value not in own
        and not any(value.lower() in part.lower() or part.lower() in value.lower() for part in own)
    }
    assert [value for value in others if _as_word(value).search(inside)] == []
    # a second receipt of the same package is refused as a replay, nothing more stored
    with pytest.raises(ExchangeRefused, match="replay"):
        _receive(border, package)
    assert len(_khm_events(border)) == before + 2
    del other


def test_without_consent_or_to_another_agency_nothing_is_written(border: Border) -> None:
    first, second = _victims(border)
    no_consent = _referral(border, first, "MOSAVY", consent=False)
    elsewhere = _referral(border, second, "MOI", consent=True)
    out = border.folder / "refused.json"
    with pytest.raises(HandoverRefused, match="no consent recorded"):
        _send(border, no_consent, out)
    with pytest.raises(HandoverRefused, match="not to MOSAVY"):
        _send(border, elsewhere, out)
    assert not out.exists()
    with border.tha.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CrossBorderExchange)) == 0
        kinds = session.scalars(sa.select(sa.cast(Event.event_type, sa.String))).all()
    assert "handed_over" not in kinds


def test_tampered_or_wrong_agreement_packages_are_refused_and_nothing_stored(
    border: Border,
) -> None:
    consented, _ = _victims(border)
    package = border.folder / "handover.json"
    _send(border, _referral(border, consented, "MOSAVY", consent=True), package)
    before = len(_khm_events(border))
    document = json.loads(package.read_bytes())
    tampered = border.folder / "tampered.json"
    document["manifest"]["handed_over_on"] = "2008-06-03"
    tampered.write_text(json.dumps(document))
    with pytest.raises(ExchangeRefused, match="signature"):
        _receive(border, tampered)
    # the same parties and keys under another agreement
    other_agreement = border.folder / "other.yaml"
    text = border.agreement.read_text()
    other_agreement.write_text(text.replace(AGREEMENT_CODE, "KHM-THA-OTHER"))
    with pytest.raises(ExchangeRefused, match="agreement"):
        _receive(border, package, other_agreement)
    # an encodings package's format is not a hand-over
    document = json.loads(package.read_bytes())
    document["manifest"]["format"] = "tipdata-cross-border/1"
    relabelled = border.folder / "relabelled.json"
    relabelled.write_text(json.dumps(document))
    with pytest.raises(ExchangeRefused, match="format"):
        _receive(border, relabelled)
    # an agreement naming another receiving agency for Cambodia: not addressed to it
    moved = border.folder / "moved.yaml"
    moved.write_text(border.agreement.read_text().replace("MOSAVY", "MOWA"))
    with pytest.raises(ExchangeRefused, match=r"agency check failed.*'MOSAVY'"):
        _receive(border, package, moved)
    assert len(_khm_events(border)) == before
    with border.khm.session() as session:
        statuses = session.scalars(sa.select(CrossBorderExchange.status)).all()
        records = session.scalar(sa.select(sa.func.count()).select_from(PersonRecord))
    assert statuses == ["refused"] * 4
    assert records == len(border.pair.local)
