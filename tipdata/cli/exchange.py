"""`tipdata exchange ...`: cross-border exchange under a bilateral agreement.

Keys and the secret are files given at run time; the secret never enters the database.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from tipdata.cli._common import HomeOption, console, group, system_for

app = group("Cross-border exchange: privacy-preserving linkage with a partner country.")

AgreementOption = Annotated[
    Path, typer.Option("--agreement", help="The agreement file (YAML, the same on both sides).")
]
KeysOption = Annotated[
    Path, typer.Option("--keys", help="Folder of this side's private keys (`exchange keys`).")
]
SecretOption = Annotated[
    Path,
    typer.Option(
        "--secret-file",
        envvar="TIPDATA_EXCHANGE_SECRET_FILE",
        help="File holding the agreement's linkage secret (mode 600; never in the database).",
    ),
]


@app.command("keys")
def keys(
    folder: Annotated[Path, typer.Argument(help="Folder to write the two private keys to.")],
) -> None:
    """Make this side's signing and encryption keys; print the public keys for the agreement."""
    from tipdata.exchange import generate_keys

    signing, encryption = generate_keys(folder)
    console.print(f"signing_key: {signing}\nencryption_key: {encryption}", highlight=False)


@app.command("secret")
def secret(
    path: Annotated[Path, typer.Argument(help="New file to write the secret to (mode 600).")],
) -> None:
    """Make a fresh linkage secret, to be handed to the partner by a separate channel."""
    from tipdata.exchange import new_secret

    new_secret(path)
    console.print(f"wrote a new secret to {path}", highlight=False)


@app.command("send")
def send(
    out: Annotated[Path, typer.Option("--out", help="The package file to write.")],
    agreement: AgreementOption,
    keys: KeysOption,
    secret_file: SecretOption,
    period_start: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of the period.")
    ],
    period_end: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of the period.")
    ],
    home: HomeOption = None,
) -> None:
    """Encode this side's persons and write a signed, encrypted package for the partner."""
    from tipdata.exchange import load_agreement, load_keys, read_secret
    from tipdata.exchange import send as send_package

    system = system_for(home)
    sent = send_package(
        system.db,
        load_agreement(agreement),
        load_keys(keys),
        read_secret(secret_file),
        out,
        period_start=period_start.date(),
        period_end=period_end.date(),
    )
    console.print(
        f"package {sent.package_id} for {sent.recipient}: {sent.records} encodings of "
        f"{sent.persons} persons ({sent.withheld} records without a name withheld), "
        f"SHA-256 {sent.sha256}",
        highlight=False,
    )


@app.command("receive")
def receive(
    package: Annotated[Path, typer.Argument(help="The package file received.")],
    agreement: AgreementOption,
    keys: KeysOption,
    secret_file: SecretOption,
    home: HomeOption = None,
) -> None:
    """Check and match a partner's package; store the links on this side's persons."""
    from tipdata.exchange import load_agreement, load_keys, read_secret
    from tipdata.exchange import receive as receive_package

    system = system_for(home)
    received = receive_package(
        system.db, package, load_agreement(agreement), load_keys(keys), read_secret(secret_file)
    )
    console.print(
        f"package {received.package_id} from {received.sender}: {received.records} "
        f"encodings of {received.persons} persons, {received.links} linked to persons here",
        highlight=False,
    )


@app.command("log")
def log(home: HomeOption = None) -> None:
    """The exchange log of this side: packages sent, accepted and refused."""
    from tipdata.exchange import exchange_log

    entries = exchange_log(system_for(home).db)
    for entry in entries:
        line = (
            f"{entry.logged_at:%Y-%m-%d %H:%M} {entry.status:<8} {entry.agreement} "
            f"{entry.sender or '-'} -> {entry.recipient or '-'}: "
            f"{'-' if entry.records is None else entry.records} records"
        )
        if entry.links is not None:
            line += f", {entry.links} links"
        if entry.reason:
            line += f" ({entry.reason})"
        console.print(line, highlight=False, soft_wrap=True)
    if not entries:
        console.print("no exchange yet")


@app.command("figures")
def figures(
    threshold: Annotated[
        int, typer.Option("--threshold", help="Counts from 1 to this minus 1 are withheld.")
    ] = 10,
    home: HomeOption = None,
) -> None:
    """Persons counted by both countries, per partner country, through the release gate."""
    from tipdata.exchange.figures import COLUMNS, regional_figures
    from tipdata.reporting import Table, check_release, protect_table

    found = regional_figures(system_for(home).db)
    if not found.countries:
        console.print("no accepted package yet: nothing linked across a border")
        return
    table = Table.build("cross-border persons", found.countries, COLUMNS, found.counts)
    protected = protect_table(table, threshold=threshold)
    check_release(protected)
    widths = [len(column) + 3 for column in table.all_column_labels]
    header = "".join(
        f"{column:>{width}}" for column, width in zip(table.all_column_labels, widths, strict=True)
    )
    # one line a row however wide the terminal: the columns must stay under their labels
    console.print(f"{'partner':<10}{header}", highlight=False, soft_wrap=True)
    for label, row in zip(table.all_row_labels, protected.published(), strict=True):
        shown = "".join(
            f"{'x' if value is None else value:>{width}}"
            for value, width in zip(row, widths, strict=True)
        )
        console.print(f"{label:<10}{shown}", highlight=False, soft_wrap=True)
    console.print(f"x: withheld (a count from 1 to {threshold - 1}, or one that would reveal it)")


@app.command("handover")
def handover(
    referral: Annotated[int, typer.Option("--referral", help="The referral (with consent).")],
    handed_over_on: Annotated[
        datetime,
        typer.Option("--on", formats=["%Y-%m-%d"], help="The day the person is handed over."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The hand-over package file to write.")],
    agreement: AgreementOption,
    keys: KeysOption,
    home: HomeOption = None,
) -> None:
    """Hand one consented case over to the partner's named agency (HTCDS 2.0, signed, sealed)."""
    from tipdata.exchange import load_agreement, load_keys
    from tipdata.standards.handover import send_handover

    sent = send_handover(
        system_for(home).db,
        load_agreement(agreement),
        load_keys(keys),
        referral,
        out,
        handed_over_on=handed_over_on.date(),
    )
    console.print(
        f"hand-over {sent.package_id} of referral {referral} for {sent.agency} "
        f"({sent.recipient}), SHA-256 {sent.sha256}",
        highlight=False,
    )


@app.command("receive-case")
def receive_case(
    package: Annotated[Path, typer.Argument(help="The hand-over package received.")],
    agreement: AgreementOption,
    keys: KeysOption,
    home: HomeOption = None,
) -> None:
    """Check a hand-over package and import its case through the HTCDS mapping."""
    from tipdata.exchange import load_agreement, load_keys
    from tipdata.standards.handover import receive_handover

    received = receive_handover(
        system_for(home).db, package, load_agreement(agreement), load_keys(keys)
    )
    console.print(
        f"hand-over {received.package_id} from {received.sender}: case imported "
        f"(import run {received.import_run_id}), received",
        highlight=False,
    )
