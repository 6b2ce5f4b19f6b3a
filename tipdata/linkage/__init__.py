"""Record linkage: turning PersonRecords from every agency into Persons.

This package starts with the pure normalisation functions the linkage model compares:
names (``names``), romanisation keys and Khmer script (``romanise``), ages as
birth-year ranges (``ages``) and addresses as province codes (``addresses``).
"""

from tipdata.linkage.addresses import province_code
from tipdata.linkage.ages import (
    InvalidAgeError,
    birth_year_range,
    birth_year_range_from_fields,
    year_gap,
    years_compatible,
)
from tipdata.linkage.names import (
    NameParts,
    clean,
    is_swapped,
    name_tokens,
    order_insensitive_key,
    parse_name,
    parts_swapped,
)
from tipdata.linkage.romanise import romanisation_key, romanise_khmer

__all__ = [
    "InvalidAgeError",
    "NameParts",
    "birth_year_range",
    "birth_year_range_from_fields",
    "clean",
    "is_swapped",
    "name_tokens",
    "order_insensitive_key",
    "parse_name",
    "parts_swapped",
    "province_code",
    "romanisation_key",
    "romanise_khmer",
    "year_gap",
    "years_compatible",
]
