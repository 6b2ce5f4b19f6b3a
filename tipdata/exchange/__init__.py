"""Cross-border exchange under a bilateral agreement: privacy-preserving record linkage.

Each side encodes its person records as keyed Bloom-filter encodings (``encoding``, by
clkhash), seals them into a signed, encrypted package (``package``), and the receiving
side matches them with its own (``matching``, by anonlink) and stores the links as
evidence on its persons (``service``). ``agreement`` reads the agreement file, the keys
and the secret; ``evaluation`` and ``synthetic`` measure the linkage against clear text
on two synthetic sides of a border. See docs/cross-border.md.
"""

from tipdata.exchange.agreement import (
    Agreement,
    LocalKeys,
    generate_keys,
    load_agreement,
    load_keys,
    new_secret,
    read_secret,
)
from tipdata.exchange.package import ExchangeRefused
from tipdata.exchange.service import (
    LogEntry,
    ReceivedPackage,
    SentPackage,
    exchange_log,
    partner_token,
    receive,
    send,
)

__all__ = [
    "Agreement",
    "ExchangeRefused",
    "LocalKeys",
    "LogEntry",
    "ReceivedPackage",
    "SentPackage",
    "exchange_log",
    "generate_keys",
    "load_agreement",
    "load_keys",
    "new_secret",
    "partner_token",
    "read_secret",
    "receive",
    "send",
]
