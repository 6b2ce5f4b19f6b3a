"""PPRL reaches within 0.02 pairwise F1 of clear-text linkage of the same records.

The baseline is :func:`tipdata.exchange.evaluation.clear_text_links`: the same fields in
clear, Jaro-Winkler on the romanisation key with year, day and sex agreeing (not tipdata's
Splink model, which links records inside one database). Both are scored against the true
person pairs of :func:`tipdata.demo.crossborder.border_pair`, on two seeds that were not
used to choose the encoding's bits and threshold (seeds 1-3 were).
"""

from __future__ import annotations

import numpy as np
import pytest

from tipdata.demo.crossborder import SideRecord, border_pair, encoding_fields
from tipdata.exchange.encoding import RecordFields, encode, record_fields
from tipdata.exchange.evaluation import clear_text_links, pairwise_score
from tipdata.exchange.matching import (
    DEFAULT_THRESHOLD,
    Blocking,
    band_keys,
    dice,
    match,
    scored_pairs,
)

SECRET = b"a shared secret of at least 32 bytes."
SALT = b"khm-tha-2003-salt-v1"


def fields(records: list[SideRecord]) -> list[RecordFields]:
    """The encoding fields of synthetic records (each owned by its person key)."""
    out = encoding_fields(records)
    assert len(out) == len(records)  # every synthetic record is encoded
    return out


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_pprl_f1_is_within_0_02_of_clear_text_linkage(seed: int) -> None:
    pair = border_pair(1500, seed=seed)
    truth = pair.true_pairs()
    partner, local = fields(pair.partner), fields(pair.local)
    clear = pairwise_score(clear_text_links(partner, local), truth)
    links = match(
        [record.owner for record in partner],
        encode(partner, secret=SECRET, salt=SALT),
        [record.owner for record in local],
        encode(local, secret=SECRET, salt=SALT),
        threshold=DEFAULT_THRESHOLD,
        blocking=Blocking(),
    )
    private = pairwise_score(links, truth)
    assert clear.f1 > 0.85
    assert private.f1 >= clear.f1 - 0.02, (private, clear)


def test_a_wrong_secret_gives_encodings_that_link_nothing() -> None:
    pair = border_pair(200, seed=5)
    partner, local = fields(pair.partner), fields(pair.local)
    links = match(
        [record.owner for record in partner],
        encode(partner, secret=SECRET, salt=SALT),
        [record.owner for record in local],
        encode(local, secret=b"another secret of at least 32 bytes", salt=SALT),
        blocking=None,
    )
    assert links == []


def test_a_record_without_a_name_is_withheld_not_encoded() -> None:
    made = record_fields(
        "t1",
        role="victim",
        family_name=None,
        given_name="  ",
        full_name=None,
        script_name=None,
        sex="female",
        birth_date=None,
        birth_year=1990,
    )
    assert not isinstance(made, RecordFields)
    assert made.reason == "no name"


def test_variant_spellings_and_khmer_script_share_the_name_key() -> None:
    a = record_fields("a", role=None, family_name="Sok", given_name="Sokha", full_name=None,
                      script_name=None, sex="f", birth_date=None, birth_year=None)  # fmt: skip
    b = record_fields("b", role=None, family_name=None, given_name=None, full_name="សុខ សុខា",
                      script_name=None, sex="f", birth_date=None, birth_year=None)  # fmt: skip
    c = record_fields("c", role=None, family_name="Sokhar", given_name="Sok", full_name=None,
                      script_name=None, sex="f", birth_date=None, birth_year=None)  # fmt: skip
    assert isinstance(a, RecordFields) and isinstance(b, RecordFields)
    assert isinstance(c, RecordFields)
    assert a.name_key == b.name_key == c.name_key


def test_blocking_finds_the_links_that_comparing_every_pair_finds() -> None:
    pair = border_pair(400, seed=13)
    partner, local = fields(pair.partner), fields(pair.local)
    encoded = (encode(partner, secret=SECRET, salt=SALT), encode(local, secret=SECRET, salt=SALT))
    owners = ([r.owner for r in partner], [r.owner for r in local])
    every = match(owners[0], encoded[0], owners[1], encoded[1], blocking=None)
    blocked = match(owners[0], encoded[0], owners[1], encoded[1], blocking=Blocking())
    assert len(every) > 100
    assert {(link.partner, link.local) for link in blocked} == {
        (link.partner, link.local) for link in every
    }
    assert [round(link.score, 9) for link in blocked] == [round(link.score, 9) for link in every]


def test_identical_encodings_are_compared_once_and_every_row_pair_comes_back() -> None:
    """scored_pairs folds identical encodings together and expands them again at the end."""
    pair = border_pair(150, seed=17)
    partner = encode(fields(pair.partner), secret=SECRET, salt=SALT)
    local = encode(fields(pair.local), secret=SECRET, salt=SALT)
    # every third record written twice more: rows with identical encodings on both sides
    partner = np.concatenate([partner, partner[::3], partner[::3]])
    local = np.concatenate([local, local[::3]])
    stats: dict[str, int] = {}
    rows_p, rows_l, scores = scored_pairs(partner, local, Blocking(), 0.78, stats=stats)
    assert stats["distinct_partner"] < len(partner) and stats["distinct_local"] < len(local)
    # brute force over every row pair: the blocked pairs are those at the threshold
    all_p, all_l = np.divmod(np.arange(len(partner) * len(local)), len(local))
    every = dice(partner, local, all_p, all_l)
    expected = {(p, q) for p, q, s in zip(all_p, all_l, every, strict=True) if s >= 0.78}
    found = set(zip(rows_p.tolist(), rows_l.tolist(), strict=True))
    assert len(found) == len(rows_p)  # each row pair once
    assert found <= expected and len(found) >= 0.97 * len(expected)
    assert np.allclose(scores, dice(partner, local, rows_p, rows_l))


def test_band_keys_are_the_sampled_bits_in_order_band_by_band() -> None:
    """Each key packs its band's sampled bits, first position highest, however chunked."""
    rng = np.random.default_rng(5)
    encodings = rng.integers(0, 256, size=(37, 128), dtype=np.uint8)
    blocking = Blocking(bands=7, bits=36, chunk=10)
    keys = band_keys(encodings, blocking)
    bits = np.unpackbits(encodings, axis=1)  # bit 0 is the first byte's highest bit
    expected = np.zeros((7, 37), dtype=np.uint64)
    for band, positions in enumerate(blocking.positions()):
        for position in positions:
            expected[band] = (expected[band] << np.uint64(1)) | bits[:, position]
    expected <<= np.uint64(4)  # 36 bits fill 5 bytes: the last 4 bits are zero
    assert keys.shape == (7, 37) and keys.dtype == np.uint64
    assert np.array_equal(keys, expected)
    assert np.array_equal(band_keys(encodings, Blocking(bands=7, bits=36, chunk=100)), keys)


def test_the_pairs_do_not_depend_on_the_chunk_sizes() -> None:
    pair = border_pair(200, seed=19)
    partner = encode(fields(pair.partner), secret=SECRET, salt=SALT)
    local = encode(fields(pair.local), secret=SECRET, salt=SALT)

    def pairs(blocking: Blocking) -> set[tuple[int, int, float]]:
        rows_p, rows_l, scores = scored_pairs(partner, local, blocking, 0.78)
        return set(zip(rows_p.tolist(), rows_l.tolist(), scores.round(12).tolist(), strict=True))

    whole = pairs(Blocking())
    assert len(whole) > 50
    assert pairs(Blocking(chunk=17, partner_chunk=29)) == whole
    assert pairs(Blocking(partner_chunk=29, workers=2)) == whole
