"""Errors of access control: each says what happened without revealing protected data."""

from __future__ import annotations

from tipdata.errors import TipdataError


class AccessDenied(TipdataError):
    """The acting user lacks the permission, or the record is outside their scope.

    Args:
        permission: the permission that was needed, e.g. ``"persons:read"``.
        message: optional extra words; never a protected value.
    """

    def __init__(self, permission: str, message: str = "") -> None:
        self.permission = permission
        text = f"access denied: needs {permission}"
        super().__init__(f"{text} ({message})" if message else text)


class ProtectedFieldError(TipdataError):
    """A protected value cannot be decrypted: wrong key, tampered ciphertext or wrong row."""


class AuthenticationError(TipdataError):
    """Sign-in failed. One message for unknown users, wrong passwords and wrong codes."""

    GENERIC = "wrong username, password or code"

    def __init__(self, message: str = GENERIC) -> None:
        super().__init__(message)


class LoginThrottled(AuthenticationError):
    """Too many failed sign-ins for this username from this address: wait and retry.

    Args:
        retry_after: seconds to wait before the next attempt is considered.
    """

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many attempts: try again in {int(retry_after) + 1} seconds")


class AccountLocked(AuthenticationError):
    """Too many failed sign-ins for this account from any address: an administrator unlocks it."""

    def __init__(self) -> None:
        super().__init__("account locked after too many failed sign-ins: ask an administrator")


class SessionInvalid(AuthenticationError):
    """The session or API token is unknown, expired or revoked: sign in again."""

    def __init__(self) -> None:
        super().__init__("session expired or invalid: sign in again")


class WeakPasswordError(TipdataError):
    """A new password breaks the password policy (length, common password, username)."""


class ConsentRequiredError(TipdataError):
    """A referral needs recorded consent, or a permitted override with a reason."""


class AuditError(TipdataError):
    """An audit event cannot be written as asked (e.g. it would contain a protected value)."""
