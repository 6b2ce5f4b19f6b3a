"""Access control: roles and scopes, protected fields, authentication, consent and audit.

Every service takes the acting user (:data:`Acting`: an :class:`Actor` or the local
operator), checks it with :func:`authorize`, and filters by scope in the
query itself (:func:`scope_filter`); output schemas per role lack the fields the
role may not read; protected fields are encrypted at rest (:class:`FieldCipher`)
under data keys wrapped by a master key kept outside the database; every access
to protected data is written to a hash-chained audit log.
"""

from tipdata.access.account import own_account
from tipdata.access.audit import ACTIONS as AUDIT_ACTIONS
from tipdata.access.audit import (
    AuditEntry,
    AuditFilter,
    Protected,
    VerifyResult,
    denial_recorded,
    filter_choices,
    record,
    record_denial,
    tracking_denials,
    verify,
    verify_chain,
)
from tipdata.access.audit import show as show_audit
from tipdata.access.clock import as_utc, now_utc
from tipdata.access.consent import Consent, create_referral
from tipdata.access.crypto import BlindIndex, FieldCipher, normalise_name
from tipdata.access.enrolment import EnrolmentError, SetupRequired, account_steps
from tipdata.access.errors import (
    AccessDenied,
    AccountLocked,
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
    write_key_file,
)
from tipdata.access.login import Authenticator, SignIn, finish_and_sign_in, login, sign_out
from tipdata.access.login import login as log_in
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
from tipdata.access.sessions import (
    SESSION_COOKIE,
    SessionTimeouts,
    api_token_holder,
    resolve_session,
    revoke_session,
)
from tipdata.access.throttle import Throttle
from tipdata.access.tokens import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    TokenError,
    issue_token,
    list_tokens,
    parse_token_days,
    revoke_own_token,
    revoke_token,
)
from tipdata.access.user_forms import agency_choices, create_account, province_choices
from tipdata.access.users import (
    UserError,
    add_user,
    approve_user,
    disable_user,
    enable_totp,
    grant_role,
    list_users,
    set_password,
    sync_roles,
    unlock_user,
)

__all__ = [
    "AUDIT_ACTIONS",
    "DEFAULT_TOKEN_DAYS",
    "LOCAL_OPERATOR",
    "MAX_TOKEN_DAYS",
    "SESSION_COOKIE",
    "AccessDenied",
    "AccountLocked",
    "Acting",
    "Actor",
    "ArgonParameters",
    "AuditEntry",
    "AuditError",
    "AuditFilter",
    "AuthenticationError",
    "Authenticator",
    "BlindIndex",
    "Consent",
    "ConsentRequiredError",
    "EnrolmentError",
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
    "SessionTimeouts",
    "SetupRequired",
    "SignIn",
    "Throttle",
    "TokenError",
    "UserError",
    "VerifyResult",
    "WeakPasswordError",
    "account_steps",
    "actor_name",
    "add_user",
    "agency_choices",
    "api_token_holder",
    "approve_user",
    "as_utc",
    "authorize",
    "can",
    "check_new_password",
    "create_account",
    "create_referral",
    "default_policy",
    "denial_recorded",
    "disable_user",
    "enable_totp",
    "filter_choices",
    "finish_and_sign_in",
    "grant_role",
    "issue_token",
    "list_tokens",
    "list_users",
    "load_keyring",
    "load_master_key",
    "log_in",
    "login",
    "normalise_name",
    "now_utc",
    "own_account",
    "parse_token_days",
    "present_person_record",
    "province_choices",
    "record",
    "record_denial",
    "require",
    "require_national",
    "resolve_session",
    "revoke_own_token",
    "revoke_session",
    "revoke_token",
    "rotate_data_key",
    "rotate_master_key",
    "scope_filter",
    "set_password",
    "show_audit",
    "sign_out",
    "sync_roles",
    "tracking_denials",
    "unlock_user",
    "verify",
    "verify_chain",
    "write_key_file",
]
