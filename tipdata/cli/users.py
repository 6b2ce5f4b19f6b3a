"""`tipdata users|keys|audit ...`: administration from the command line.

The CLI acts as the local operator (``actor=None``): whoever can run it on the server already
holds the database and the key file. Every change is still written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tipdata.access import DEFAULT_TOKEN_DAYS
from tipdata.cli._common import HomeOption, console, group, system_for

users_app = group("Users, roles and second factors.")
keys_app = group("The master key that protects victims' identities at rest.")
audit_app = group("The hash-chained audit log.")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="Role code, e.g. ntf_data_officer.")],
    agency: Annotated[str, typer.Option(help="Agency code, e.g. MOI or DOSAVY-02.")],
    province: Annotated[
        str | None, typer.Option(help="Province code for provincial roles.")
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Name shown in the app.")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="A first password; the user must choose their own at the first sign-in.",
        ),
    ] = "",
    home: HomeOption = None,
) -> None:
    """Add a user with a role, an agency and (for provincial roles) a province.

    The password you give is temporary: at the first sign-in the user chooses their own
    (and, for roles that read identities, enrols their authenticator app).
    """
    from tipdata.access import create_account

    system = system_for(home)
    with system.db.session() as session:
        create_account(
            session, None, username=username, display_name=display_name or username,
            role=role, agency_code=agency, province_code=province, password=password,
            passwords=system.passwords,
        )  # fmt: skip
    console.print(f"added {username} ({role}, {agency}): a first sign-in asks a new password")


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List users: role, agency, province, active, second factor enrolled."""
    from tipdata.access import Throttle, list_users

    system = system_for(home)
    with system.db.session() as session:
        rows = list_users(session, None, Throttle.from_settings(system.settings))
    table = Table("username", "role", "province", "active", "TOTP", "locked")
    for user in rows:
        table.add_row(
            user.username, user.role, user.province_code or "",
            "yes" if user.active else "no", "yes" if user.totp_enrolled else "no",
            "yes" if user.locked else "no",
        )  # fmt: skip
    console.print(table)


@users_app.command("disable")
def users_disable(username: str, home: HomeOption = None) -> None:
    """Disable a user and revoke their sessions and API tokens."""
    from tipdata.access import disable_user

    with system_for(home).db.session() as session:
        disable_user(session, None, username)
    console.print(f"disabled {username}")


@users_app.command("unlock")
def users_unlock(username: str, home: HomeOption = None) -> None:
    """Unlock an account locked after too many failed sign-ins."""
    from tipdata.access import Throttle, unlock_user

    system = system_for(home)
    with system.db.session() as session:
        unlock_user(session, None, username, Throttle.from_settings(system.settings))
    console.print(f"unlocked {username}")


@users_app.command("grant")
def users_grant(
    username: str,
    role: Annotated[str, typer.Option(help="New role code.")],
    province: Annotated[str | None, typer.Option(help="Province for provincial roles.")] = None,
    home: HomeOption = None,
) -> None:
    """Give a user another role (their sessions end)."""
    from tipdata.access import grant_role

    with system_for(home).db.session() as session:
        grant_role(session, None, username, role, province_code=province)
    console.print(f"{username} is now {role}")


@users_app.command("token-issue")
def users_token_issue(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")],
    days: Annotated[int, typer.Option(help="Days until it expires (1-365).")] = DEFAULT_TOKEN_DAYS,
    home: HomeOption = None,
) -> None:
    """Issue an API token for a user; it is printed once (hand it over out of band)."""
    from datetime import timedelta

    from tipdata.access import issue_token

    with system_for(home).db.session() as session:
        token_id, token = issue_token(session, None, username, name, lifetime=timedelta(days=days))
    console.print(
        f"token {token_id} for {username}, expires in {days} days: {token}", soft_wrap=True
    )


@users_app.command("token-list")
def users_token_list(home: HomeOption = None) -> None:
    """List API tokens: id, user, name, issued, expires, last used, state."""
    from tipdata.access import list_tokens

    with system_for(home).db.session() as session:
        tokens = list_tokens(session, None)
    table = Table("id", "user", "name", "issued", "expires", "last used", "state")
    for token in tokens:
        table.add_row(
            str(token.id), token.username, token.name, token.created_at.date().isoformat(),
            token.expires_at.date().isoformat(),
            token.last_used_at.date().isoformat() if token.last_used_at else "-", token.state,
        )  # fmt: skip
    console.print(table)


@users_app.command("token-revoke")
def users_token_revoke(token_id: int, home: HomeOption = None) -> None:
    """Revoke an API token by its id (see token-list)."""
    from tipdata.access import revoke_token

    with system_for(home).db.session() as session:
        revoke_token(session, None, token_id)
    console.print(f"revoked token {token_id}")


@users_app.command("enable-totp")
def users_enable_totp(username: str, home: HomeOption = None) -> None:
    """Enrol a user in TOTP; prints the otpauth:// URI once, to hand over out of band."""
    from tipdata.access import enable_totp

    system = system_for(home)
    cipher = system.keyring().cipher
    with system.db.session() as session:
        uri = enable_totp(session, None, username, cipher)
    console.print(uri, soft_wrap=True)


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[
        Path, typer.Option(help="Where to write the new master key (base64, mode 0600).")
    ],
    home: HomeOption = None,
) -> None:
    """Rewrap every data key under a new master key; then point TIPDATA_MASTER_KEY_FILE at it."""
    from tipdata.access import MasterKey, rotate_master_key, write_key_file

    system = system_for(home)
    new = MasterKey.generate()
    write_key_file(new_key_file, new)
    count = rotate_master_key(system.db, system.master_key, new)
    console.print(
        f"rewrapped {count} data keys; the new master key is in {new_key_file}. "
        "Set TIPDATA_MASTER_KEY_FILE to it and keep the old key until backups made with it expire."
    )


@keys_app.command("rotate-data")
def keys_rotate_data(home: HomeOption = None) -> None:
    """Make a new field data key and re-encrypt every protected value with it (one transaction)."""
    from tipdata.access import rotate_data_key

    system = system_for(home)
    rotation = rotate_data_key(system.db, system.master_key)
    console.print(
        f"re-encrypted {rotation.values_reencrypted} protected values under data key "
        f"{rotation.new_key_id}; retired {', '.join(rotation.retired_key_ids) or 'none'} "
        "(kept for old backups)"
    )


@audit_app.command("verify")
def audit_verify(
    expected_head: Annotated[
        str | None, typer.Option(help="A head hash recorded earlier, to detect truncation.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Recompute the audit log's hash chain and check it against the signed head.

    Every break is listed (exit 1): an event edited, deleted, inserted or moved, the newest
    events removed or the tail rewritten since the last signed checkpoint.
    """
    from tipdata.access import verify

    result = verify(system_for(home).db, expected_head)
    if not result.ok:
        console.print(f"[bold red]audit log broken:[/] {len(result.problems)} problem(s)")
        for problem in result.problems:
            console.print(f"- {problem.problem}", soft_wrap=True)
        raise typer.Exit(code=1)
    signed = (
        f"signed checkpoint at event {result.checkpoint.event_id}"
        if result.checkpoint
        else "no signed checkpoint yet"
    )
    console.print(
        f"audit log intact: {result.events_checked} events; head {result.head_hash}; {signed}",
        soft_wrap=True,
    )


@audit_app.command("show")
def audit_show(
    limit: Annotated[int, typer.Option(help="How many of the newest events.")] = 50,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    home: HomeOption = None,
) -> None:
    """The newest audit events: when, who, what, which records (never protected values)."""
    from tipdata.access import show_audit

    table = Table("id", "when", "user", "action", "object", "ids")
    with system_for(home).db.session() as session:
        for event in show_audit(session, None, limit=limit, action=action):
            table.add_row(
                str(event.id), event.occurred_at.isoformat(timespec="seconds"),
                event.username or "-", event.action, event.object_type or "",
                event.object_ids or "",
            )  # fmt: skip
    console.print(table)
