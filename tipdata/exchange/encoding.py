"""Keyed Bloom-filter encodings (cryptographic linkage keys) of person records, by clkhash.

Each person record becomes one composite Bloom filter (a CLK, Schnell et al. 2011) of
its romanised name key, its name in script where held (Khmer, Thai, Vietnamese), its
birth year and day of birth where held, and its sex. The filter is made by
:mod:`clkhash` from a schema built here (:func:`clk_schema`); the hash keys are derived
by HKDF from the agreement's secret and the agreement's salt, so two agreements never
give comparable encodings, and nobody without the secret can compute or test one.

Hardening against frequency and pattern attacks (see docs/cross-border.md):

- one composite filter per record, never a filter of a single field: a record without
  a name is not encoded at all (:class:`WithheldRecord`), so no encoding carries only
  birth year and sex, whose few values a frequency count would reveal;
- BLAKE2 hashing (``blakeHash``), not the double hashing whose bit patterns the
  published attacks read;
- the 2,048-bit filter is XOR-folded once into 1,024 bits, which destroys the one-to-one
  relation between a bigram and its bit positions;
- a per-agreement salt in the key derivation.

The name key reuses linkage's romanisation (``tipdata.linkage.romanise``): variant
spellings of one Khmer name, and Khmer script, share a key, and the words are sorted so
that a name written given-name first encodes like the same name family-name first.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from bitarray import bitarray
from clkhash import clk
from clkhash.schema import Schema, from_json_dict

from tipdata.linkage.names import order_insensitive_key
from tipdata.text import normalise

ENCODING_SCHEMA_VERSION = "tipdata-clk/1"
"""Version of the encoding (fields, bits, folding); both sides must use the same."""

FILTER_BITS = 1024
"""Bits of one encoding after XOR folding."""

FILTER_BYTES = FILTER_BITS // 8

XOR_FOLDS = 1
"""Folds: the filter is hashed into 2,048 bits and folded once."""

_SEXES = {"female": "f", "male": "m", "f": "f", "m": "m"}


@dataclass(frozen=True)
class RecordFields:
    """The values of one person record that go into its encoding (in memory only).

    Attributes:
        owner: the sender's opaque token of the person (or, locally, the person id).
        role: ``victim``, ``suspect``, ... (sent in clear: counts by role need it).
        name_key: romanisation key of the written name, words sorted.
        script_name: the name in its own script, normalised; empty when not held.
        birth_year: the year of birth, or None.
        birth_day: ``MMDD`` of the date of birth, empty when only the year is known.
        sex: ``f``, ``m`` or empty.
    """

    owner: str
    role: str | None
    name_key: str
    script_name: str
    birth_year: int | None
    birth_day: str
    sex: str


@dataclass(frozen=True)
class WithheldRecord:
    """A record not encoded: it has no name, so its encoding would be low-entropy alone."""

    owner: str
    reason: str


def record_fields(
    owner: str,
    *,
    role: str | None,
    family_name: str | None,
    given_name: str | None,
    full_name: str | None,
    script_name: str | None,
    sex: str | None,
    birth_date: date | None,
    birth_year: int | None,
) -> RecordFields | WithheldRecord:
    """The encoding fields of one person record, or why it is withheld.

    Args:
        owner: who the record belongs to (a token or a person id as text).
        role: the person's role in the record.
        family_name: family name as written, if held.
        given_name: given name as written, if held.
        full_name: full name as written, if held.
        script_name: the name in Khmer, Thai or Vietnamese script, if held.
        sex: ``female``, ``male`` or anything else (unknown).
        birth_date: the date of birth, if known.
        birth_year: the year of birth, if known (from the date when missing).

    Returns:
        The fields, or a :class:`WithheldRecord` when no name key can be made.
    """
    parts = [part for part in (family_name, given_name) if part and part.strip()]
    written = " ".join(parts) if parts else (full_name or script_name or "")
    name_key = order_insensitive_key(written)
    if not name_key:
        return WithheldRecord(owner, "no name")
    year = birth_year if birth_year is not None else (birth_date.year if birth_date else None)
    return RecordFields(
        owner=owner,
        role=role,
        name_key=name_key,
        script_name=normalise(script_name, ascii_latin=False) if script_name else "",
        birth_year=year,
        birth_day=birth_date.strftime("%m%d") if birth_date else "",
        sex=_SEXES.get((sex or "").casefold(), ""),
    )


def _feature(
    identifier: str, kind: str, comparison: dict[str, Any], strategy: dict[str, int]
) -> dict[str, Any]:
    value_format: dict[str, Any] = (
        {"type": "integer"} if kind == "integer" else {"type": "string", "encoding": "utf-8"}
    )
    return {
        "identifier": identifier,
        "format": value_format,
        "hashing": {
            "comparison": comparison,
            "strategy": strategy,
            "hash": {"type": "blakeHash"},
            "missingValue": {"sentinel": ""},
        },
    }


def clk_schema_document(salt: bytes) -> dict[str, Any]:
    """The clkhash (v3) schema document of the encodings of one agreement.

    Args:
        salt: the agreement's salt (at least 16 bytes; not secret, agreed in the MOU).

    Returns:
        The schema as clkhash reads it.
    """
    bigrams = {"type": "ngram", "n": 2}
    return {
        "version": 3,
        "clkConfig": {
            "l": FILTER_BITS,
            "xorFolds": XOR_FOLDS,
            "kdf": {
                "type": "HKDF",
                "hash": "SHA256",
                "salt": base64.b64encode(salt).decode("ascii"),
                "info": base64.b64encode(ENCODING_SCHEMA_VERSION.encode()).decode("ascii"),
                "keySize": 64,
            },
        },
        "features": [
            _feature("name_key", "string", bigrams, {"bitsPerToken": 16}),
            _feature("script_name", "string", bigrams, {"bitsPerToken": 8}),
            _feature(
                "birth_year",
                "integer",
                {"type": "numeric", "thresholdDistance": 1, "resolution": 2},
                {"bitsPerToken": 10},
            ),
            _feature("birth_day", "string", {"type": "exact"}, {"bitsPerFeature": 16}),
            _feature("sex", "string", {"type": "exact"}, {"bitsPerFeature": 12}),
        ],
    }


def clk_schema(salt: bytes) -> Schema:
    """The clkhash :class:`~clkhash.schema.Schema` of :func:`clk_schema_document`."""
    return from_json_dict(clk_schema_document(salt))


def encode(
    records: Sequence[RecordFields], *, secret: bytes, salt: bytes, workers: int = 1
) -> np.ndarray:
    """Encode records as CLKs.

    Args:
        records: the records' fields.
        secret: the agreement's secret (never stored in a database).
        salt: the agreement's salt.
        workers: processes clkhash may use (1: this process only).

    Returns:
        A ``(len(records), FILTER_BYTES)`` array of ``uint8``, one encoding per row.
    """
    if not records:
        return np.zeros((0, FILTER_BYTES), dtype=np.uint8)
    rows = [
        (
            record.name_key,
            record.script_name,
            "" if record.birth_year is None else str(record.birth_year),
            record.birth_day,
            record.sex,
        )
        for record in records
    ]
    filters = clk.generate_clks(rows, clk_schema(salt), secret, validate=False, max_workers=workers)
    joined = b"".join(bits.tobytes() for bits in filters)
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(records), FILTER_BYTES).copy()


def to_bitarrays(encodings: np.ndarray) -> list[bitarray]:
    """The rows of an encodings array as bitarrays (what anonlink compares)."""
    out = []
    for row in encodings:
        bits = bitarray(endian="big")
        bits.frombytes(row.tobytes())
        out.append(bits)
    return out


__all__ = [
    "ENCODING_SCHEMA_VERSION",
    "FILTER_BITS",
    "FILTER_BYTES",
    "RecordFields",
    "WithheldRecord",
    "clk_schema",
    "clk_schema_document",
    "encode",
    "record_fields",
    "to_bitarrays",
]
