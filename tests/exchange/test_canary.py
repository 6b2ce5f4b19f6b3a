"""No name, birth date or script string leaves the sending database (files and logs)."""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import date

import pytest
import sqlalchemy as sa
import yaml

from tests.exchange.conftest import Border
from tipdata.demo.crossborder import SideRecord
from tipdata.exchange import load_agreement, load_keys, read_secret, receive, send
from tipdata.exchange.agreement import EVENT_QUARTER
from tipdata.exchange.package import open_package
from tipdata.linkage.romanise import romanisation_key
from tipdata.store import AuditEvent, CrossBorderExchange, CrossBorderLink


def _canaries(records: list[SideRecord]) -> set[str]:
    """Every name part, name key, script name and date of birth of the sender's records."""
    values: set[str] = set()
    for record in records:
        for name in (record.family_name, record.given_name, record.script_name):
            if name and len(name) >= 3:
                values.add(name)
                key = romanisation_key(name, compact=True)
                if len(key) >= 4:
                    values.add(key)
        if record.birth_date is not None:
            born = record.birth_date
            values |= {born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%Y%m%d")}
    return values


def _table_text(border: Border) -> str:
    parts = []
    for db in (border.khm, border.tha):
        with db.session() as session:
            for table in (CrossBorderExchange, CrossBorderLink, AuditEvent):
                parts.extend(str(row) for row in session.execute(sa.select(table.__table__)))
    return "\n".join(parts)


@pytest.mark.parametrize("sender", ["THA", "KHM"])
def test_no_name_birth_date_or_script_string_in_the_package_or_the_logs(
    border: Border, caplog: pytest.LogCaptureFixture, sender: str
) -> None:
    """Both directions; Cambodia's records hold Khmer script, encoded (script_names on)."""
    agreement_file = border.agreement
    agreement_file.write_text(agreement_file.read_text() + "script_names: true\n")
    agreement = load_agreement(agreement_file)
    assert agreement.script_names
    caplog.set_level(logging.DEBUG)
    package = border.folder / "package.json"
    sides = {"THA": (border.tha, border.tha_keys), "KHM": (border.khm, border.khm_keys)}
    receiver = "KHM" if sender == "THA" else "THA"
    send(
        sides[sender][0],
        agreement,
        load_keys(sides[sender][1]),
        read_secret(border.secret),
        package,
        period_start=date(2008, 1, 1),
        period_end=date(2008, 12, 31),
    )
    received = receive(
        sides[receiver][0],
        package,
        agreement,
        load_keys(sides[receiver][1]),
        read_secret(border.secret),
    )
    assert received.links > 10
    records = border.pair.partner if sender == "THA" else border.pair.local
    canaries = _canaries(records)
    if sender == "KHM":
        assert any(record.script_name in canaries for record in records if record.script_name)
    assert len(canaries) > 200
    document = json.loads(package.read_bytes())
    clear = {
        "package manifest": json.dumps(document["manifest"], ensure_ascii=False),
        "exchange and audit tables": _table_text(border),
        "log": caplog.text,
    }
    for where, text in clear.items():
        found = sorted(value for value in canaries if _as_word(value).search(text))
        assert found == [], f"{where} holds {found[:5]}"
    # the encrypted parts, decoded: no canary's bytes (4 bytes or more: shorter strings
    # occur by chance in 100 kB of random bytes)
    binary = b"".join(
        base64.b64decode(document[part])
        for part in ("ephemeral_key", "nonce", "ciphertext", "signature")
    )
    found = sorted(
        value for value in canaries if len(value.encode()) >= 4 and value.encode() in binary
    )
    assert found == []


def _as_word(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)


def test_the_canary_check_finds_a_name_where_one_is(border: Border) -> None:
    """The check above can fail: a name written into a file is found."""
    canaries = _canaries(border.pair.partner)
    name = border.pair.partner[0].family_name
    text = f"package of {name}"
    assert [value for value in canaries if _as_word(value).search(text)]


def test_disclosed_quarters_carry_no_day_month_name_or_birth_date(border: Border) -> None:
    """Under ``disclosed: [event_quarter]`` the decrypted payload and the stored links hold
    quarters (``2008Q3``) beside tokens and roles: no event day, no name, no birth date."""
    document = yaml.safe_load(border.agreement.read_text(encoding="utf-8"))
    document["disclosed"] = [EVENT_QUARTER]
    border.agreement.write_text(yaml.safe_dump(document), encoding="utf-8")
    agreement = load_agreement(border.agreement)
    package = border.folder / "package.json"
    send(border.tha, agreement, load_keys(border.tha_keys), read_secret(border.secret), package,
         period_start=date(2008, 1, 1), period_end=date(2008, 12, 31))  # fmt: skip
    _manifest, payload = open_package(
        package.read_bytes(), package.name, agreement, load_keys(border.khm_keys)
    )
    assert payload.quarters is not None
    assert set(payload.quarters) <= {f"2008Q{q}" for q in range(1, 5)}
    assert len(set(payload.quarters)) >= 3  # the dates are spread over the year
    receive(border.khm, package, agreement, load_keys(border.khm_keys), read_secret(border.secret))
    canaries = _canaries(border.pair.partner)
    for record in border.pair.partner:
        if record.event_date is not None:
            day = record.event_date
            canaries |= {day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%Y%m%d")}
    canaries -= {"2008-01-01", "2008-12-31"}  # the period, public in the manifest
    clear = {
        "decrypted payload": json.dumps([payload.tokens, payload.roles, payload.quarters]),
        "exchange and audit tables": _table_text(border),
    }
    for where, text in clear.items():
        found = sorted(value for value in canaries if _as_word(value).search(text))
        assert found == [], f"{where} holds {found[:5]}"
