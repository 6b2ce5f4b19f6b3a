"""Access control: roles and scopes, protected fields, authentication, consent and audit.

Every service takes the acting user (:data:`Acting`: an :class:`Actor` or the local
operator), checks it with :func:`authorize`, and filters by scope in the
query itself (:func:`scope_filter`); output schemas per role lack the fields the
role may not read; protected fields are encrypted at rest (:class:`FieldCipher`)
under data keys wrapped by a master key kept outside the database; every access
to protected data is written to a hash-chained audit log.
"""

from tipdata.access.audit import Protected, VerifyResult, record, verify
from tipdata.access.consent import Consent, create_referral
from tipdata.access.crypto import BlindIndex, FieldCipher, normalise_name
from tipdata.access.errors import (
    AccessDenied,
    AuditError,
    AuthenticationError,
    ConsentRequiredError,
    LoginThrottled,
    ProtectedFieldError,
    SessionInvalid,
    WeakPasswordError,
)
from tipdata.access.keys import (
    Keyring,
    MasterKey,
    load_keyring,
    load_master_key,
    rotate_data_key,
    rotate_master_key,
)
from tipdata.access.login import Authenticator, SignIn, login
from tipdata.access.passwords import ArgonParameters, Passwords, check_new_password
from tipdata.access.permissions import Permission
from tipdata.access.policy import (
    LOCAL_OPERATOR,
    Acting,
    Actor,
    Policy,
    actor_name,
    authorize,
    can,
    default_policy,
    require,
    require_national,
    scope_filter,
)
from tipdata.access.schemas import present_person_record
from tipdata.access.users import (
    add_user,
    disable_user,
    enable_totp,
    grant_role,
    list_users,
    set_password,
    sync_roles,
)

__all__ = [
    "LOCAL_OPERATOR",
    "AccessDenied",
    "Acting",
    "Actor",
    "ArgonParameters",
    "AuditError",
    "AuthenticationError",
    "Authenticator",
    "BlindIndex",
    "Consent",
    "ConsentRequiredError",
    "FieldCipher",
    "Keyring",
    "LoginThrottled",
    "MasterKey",
    "Passwords",
    "Permission",
    "Policy",
    "Protected",
    "ProtectedFieldError",
    "SessionInvalid",
    "SignIn",
    "VerifyResult",
    "WeakPasswordError",
    "actor_name",
    "add_user",
    "authorize",
    "can",
    "check_new_password",
    "create_referral",
    "default_policy",
    "disable_user",
    "enable_totp",
    "grant_role",
    "list_users",
    "load_keyring",
    "load_master_key",
    "login",
    "normalise_name",
    "present_person_record",
    "record",
    "require",
    "require_national",
    "rotate_data_key",
    "rotate_master_key",
    "scope_filter",
    "set_password",
    "sync_roles",
    "verify",
]
