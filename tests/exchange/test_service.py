"""Two tipdata databases exchange end to end; refused packages store nothing."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from tests.exchange.conftest import Border, make_border, write_agreement
from tipdata.access.audit import verify
from tipdata.exchange import (
    ExchangeRefused,
    exchange_log,
    generate_keys,
    load_agreement,
    load_keys,
    partner_token,
    read_secret,
    receive,
    send,
)
from tipdata.exchange.package import read_manifest
from tipdata.store import AuditEvent, CrossBorderExchange, CrossBorderLink, Database, Person

PERIOD = {"period_start": date(2008, 1, 1), "period_end": date(2008, 12, 31)}


def _send(border: Border, name: str = "tha-to-khm.json") -> Path:
    out = border.folder / name
    send(
        border.tha,
        load_agreement(border.agreement),
        load_keys(border.tha_keys),
        read_secret(border.secret),
        out,
        **PERIOD,
    )
    return out


def _receive(border: Border, package: Path, agreement: Path | None = None):  # type: ignore[no-untyped-def]
    return receive(
        border.khm,
        package,
        load_agreement(agreement or border.agreement),
        load_keys(border.khm_keys),
        read_secret(border.secret),
    )


def _links(db: Database) -> set[tuple[str, int]]:
    with db.session() as session:
        return set(
            session.execute(sa.select(CrossBorderLink.partner_token, CrossBorderLink.person_id))
            .tuples()
            .all()
        )


def _tokens(border: Border) -> dict[str, str]:
    """THA person key -> the token THA sends for it."""
    secret = read_secret(border.secret)
    with border.tha.session() as session:
        public = dict(session.execute(sa.select(Person.id, Person.public_id)).tuples().all())
    return {
        key: partner_token(secret, "KHM-THA-MOU-2003", public[person_id])
        for key, person_id in border.tha_persons.items()
    }


def test_two_databases_exchange_and_the_links_land_on_the_receivers_persons(
    border: Border,
) -> None:
    package = _send(border)
    received = _receive(border, package)

    tokens = _tokens(border)
    truth = {(tokens[tha], khm) for tha, khm in border.true_links()}
    links = _links(border.khm)
    assert received.links == len(links)
    assert received.sender == "THA"
    true_found = len(links & truth)
    assert true_found / len(truth) >= 0.85
    assert true_found / len(links) >= 0.9
    # one-to-one: no partner person and no local person twice
    assert len({token for token, _ in links}) == len(links) == len({p for _, p in links})
    # both logs: sent on the Thai side, accepted on the Cambodian side
    assert [(e.status, e.sender, e.recipient) for e in exchange_log(border.tha)] == [
        ("sent", "THA", "KHM")
    ]
    accepted = exchange_log(border.khm)
    assert [(e.status, e.records, e.links) for e in accepted] == [
        ("accepted", len(border.pair.partner), len(links))
    ]
    # audited: an export on one side, an import on the other; the chains verify
    for db, action in ((border.tha, "export"), (border.khm, "import")):
        with db.session() as session:
            events = session.scalars(
                sa.select(AuditEvent).where(AuditEvent.object_type == "cross_border_exchange")
            ).all()
            assert [event.action for event in events] == [action]
        assert verify(db).ok


def test_the_same_package_twice_is_refused_as_a_replay(border: Border) -> None:
    package = _send(border)
    _receive(border, package)
    before = _links(border.khm)
    with pytest.raises(ExchangeRefused) as refused:
        _receive(border, package)
    assert refused.value.check == "replay"
    assert _links(border.khm) == before


def _assert_refused_and_nothing_stored(border: Border, package: Path, check: str) -> str:
    with pytest.raises(ExchangeRefused) as refused:
        _receive(border, package)
    assert refused.value.check == check
    assert "package refused" in str(refused.value)
    assert _links(border.khm) == set()
    with border.khm.session() as session:
        rows = session.scalars(sa.select(CrossBorderExchange)).all()
        assert [row.status for row in rows] == ["refused"]
        assert rows[0].reason is not None and rows[0].reason.startswith(check)
    return str(refused.value)


def test_a_tampered_ciphertext_is_refused_by_the_signature(border: Border) -> None:
    package = _send(border)
    document = json.loads(package.read_bytes())
    raw = bytearray(base64.b64decode(document["ciphertext"]))
    raw[100] ^= 1
    document["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    package.write_text(json.dumps(document))
    message = _assert_refused_and_nothing_stored(border, package, "signature")
    assert "THA's signing key" in message


def test_a_changed_manifest_is_refused_by_the_signature(border: Border) -> None:
    package = _send(border)
    document = json.loads(package.read_bytes())
    document["manifest"]["period"]["end"] = "2009-12-31"
    package.write_text(json.dumps(document))
    _assert_refused_and_nothing_stored(border, package, "signature")


def test_a_package_re_signed_with_another_key_is_refused(border: Border) -> None:
    """An intruder re-encrypts and signs with keys of its own: the signature check fails."""
    intruder = border.folder / "intruder"
    signing, encryption = generate_keys(intruder)
    forged_agreement = border.folder / "forged.yaml"
    document = yaml.safe_load(border.agreement.read_text())
    document["parties"]["THA"] = {
        "agency": "X",
        "signing_key": signing,
        "encryption_key": encryption,
    }
    forged_agreement.write_text(yaml.safe_dump(document))
    out = border.folder / "forged.json"
    send(
        border.tha,
        load_agreement(forged_agreement),
        load_keys(intruder),
        read_secret(border.secret),
        out,
        **PERIOD,
    )
    _assert_refused_and_nothing_stored(border, out, "signature")


def test_a_package_of_another_agreement_is_refused(border: Border, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    vnm = other / "agreement.yaml"
    write_agreement(vnm, other / "k1", other / "k2", code="KHM-VNM-MOU-2005")
    package = _send(border)
    with pytest.raises(ExchangeRefused) as refused:
        _receive(border, package, agreement=vnm)
    assert refused.value.check == "agreement"
    assert "KHM-THA-MOU-2003" in str(refused.value) and "KHM-VNM-MOU-2005" in str(refused.value)
    assert _links(border.khm) == set()


def test_a_package_of_another_schema_version_is_refused(border: Border) -> None:
    package = _send(border)
    document = json.loads(package.read_bytes())
    document["manifest"]["schema_version"] = "tipdata-clk/0"
    package.write_text(json.dumps(document))
    message = _assert_refused_and_nothing_stored(border, package, "schema")
    assert "tipdata-clk/0" in message


def test_a_package_sent_back_to_its_sender_is_refused(border: Border) -> None:
    package = _send(border)
    with pytest.raises(ExchangeRefused) as refused:
        receive(
            border.tha,
            package,
            load_agreement(border.agreement),
            load_keys(border.tha_keys),
            read_secret(border.secret),
        )
    assert refused.value.check == "recipient"


def test_a_file_that_is_no_package_is_refused(border: Border) -> None:
    package = border.folder / "notes.json"
    package.write_text('{"hello": 1}')
    _assert_refused_and_nothing_stored(border, package, "format")


def test_the_manifest_states_the_counts_and_no_personal_data(border: Border) -> None:
    package = _send(border)
    manifest, _ = read_manifest(package.read_bytes(), package)
    assert manifest.records == len(border.pair.partner)
    assert manifest.persons == len(border.tha_persons)
    assert (manifest.agreement, manifest.sender, manifest.recipient) == (
        "KHM-THA-MOU-2003",
        "THA",
        "KHM",
    )


def test_a_secret_readable_by_others_is_refused(border: Border) -> None:
    from tipdata.errors import ConfigError

    shared = border.folder / "shared-secret.txt"
    shutil.copyfile(border.secret, shared)
    shared.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        read_secret(shared)


def test_the_receiving_side_stores_links_on_each_backend(
    db: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    """The Cambodian side on SQLite and on PostgreSQL; the Thai side on SQLite."""
    border = make_border(sqlite_template, tmp_path, 40, seed=9, khm=db)
    try:
        received = _receive(border, _send(border))
        assert received.links == len(_links(border.khm)) > 5
        assert [entry.status for entry in exchange_log(border.khm)] == ["accepted"]
    finally:
        border.tha.dispose()
