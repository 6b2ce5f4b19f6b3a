"""TOTP second factor (RFC 6238, pyotp) with replay protection.

A code is accepted for the current 30-second step or one step either side
(clock drift), and only if its step is later than the last step accepted for
the user: a code, once used, cannot be used again.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "tipdata"


def new_totp_secret() -> str:
    """A fresh random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer
    )


def time_step(moment: datetime) -> int:
    """The TOTP time step of a moment."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, moment: datetime) -> str:
    """The code valid at a moment (tests and enrolment checks)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(moment)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to, if it is valid now and not a replay.

    Args:
        secret: the user's base32 secret.
        code: the 6 digits typed by the user.
        now: the current time.
        last_step: the step of the last code accepted for the user, if any.

    Returns:
        The step to store as the user's new ``totp_last_step``, or None to refuse.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
