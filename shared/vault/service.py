"""The vault's rules: CRUD with the value in Secrets Manager, rotation, expiry, and the one
way a value leaves the service, an explicit reveal.

A value goes to its secret first (a new version), then the item naming that version: a
reader never sees an item naming a version not yet written. Every change is audited; so is
every reveal, refused or not. No answer and no log carries a value, except a reveal's.

Reveal: a signed-in admin (an API key or a service token is refused: the value is for a
person, and a person's second factor is what MFA asks for), plus a fresh TOTP code when
that admin has MFA (each code good once, under the account's attempt limit); an admin
without MFA in a team that requires it of admins is refused, as on every admin route.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared import audit
from shared.auth.principal import Principal
from shared.auth.team_security import MFA_NEEDED
from shared.errors import DomainError, Forbidden, NotFound, RateLimited, Unauthorized
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.vault import store, values
from shared.vault.domain import DEFAULT_CATEGORY, VaultSecret

REVEALED = "secret.revealed"
TOTP_REQUIRED = "A TOTP code (totp_code) is required to reveal a secret"
TOTP_INVALID = "Invalid TOTP code"


@dataclass(frozen=True, slots=True)
class SecretFields:
    """What an admin sets (an update names only what it changes). The expiry changes only
    when `sets_expiry` (then None clears it)."""

    name: str | None = None
    category: str | None = None
    description: str | None = None
    sets_expiry: bool = False
    expires_at: datetime | None = None


def _not_found() -> NotFound:
    return NotFound("secret not found")


def create_secret(team_id: str, actor: str, fields: SecretFields, value: str) -> VaultSecret:
    if fields.name is None:
        raise ValueError("a new secret needs its name")  # the request shape requires it
    now = utcnow()
    secret = VaultSecret(
        team_id=team_id,
        id=new_id(),
        name=fields.name,
        category=fields.category or DEFAULT_CATEGORY,
        description=fields.description or "",
        expires_at=fields.expires_at,
        value_version=1,
        secret_version=values.new_version(),
        rotated_at=None,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    values.store(team_id, secret.id, value, version=secret.secret_version)
    try:
        created = store.create_secret(secret)
    except DomainError:
        values.remove(team_id, secret.id)  # nothing names it
        raise
    audit.record(team_id, "secret.created", actor=actor, target=secret.id, name=secret.name)
    return created


def get_secret(team_id: str, secret_id: str, *, consistent: bool = False) -> VaultSecret:
    secret = store.get_secret(team_id, secret_id, consistent=consistent)
    if secret is None:
        raise _not_found()
    return secret


def list_secrets(team_id: str, params: PageParams) -> tuple[list[VaultSecret], int, str | None]:
    return store.list_secrets(team_id, params)


def expiring(
    team_id: str, days: int, params: PageParams, *, now: datetime | None = None
) -> tuple[list[VaultSecret], int, str | None]:
    """The secrets whose expiry is within `days` from now (those already past included),
    soonest first."""
    until = (now or utcnow()) + timedelta(days=days)
    return store.expiring_by(team_id, until, params)


def update_secret(
    team_id: str, actor: str, secret_id: str, fields: SecretFields, value: str | None
) -> VaultSecret:
    """Change what `fields` names; a value given is a rotation (a new version)."""
    current = get_secret(team_id, secret_id, consistent=True)
    changed = replace(
        current,
        name=fields.name or current.name,
        category=fields.category or current.category,
        description=current.description if fields.description is None else fields.description,
        expires_at=fields.expires_at if fields.sets_expiry else current.expires_at,
    )
    if value is not None:
        changed = _new_value(changed, value)
    updated = store.update_secret(current, changed)
    if updated is None:
        raise _not_found()
    audit.record(
        team_id,
        "secret.updated",
        actor=actor,
        target=secret_id,
        name=updated.name,
        renamed_from=current.name if updated.name != current.name else None,
        rotated=value is not None,
    )
    return updated


def rotate_secret(
    team_id: str,
    actor: str,
    secret_id: str,
    value: str,
    *,
    sets_expiry: bool = False,
    expires_at: datetime | None = None,
) -> VaultSecret:
    """A new value (a new version; the old one stays in Secrets Manager's history, unnamed),
    and a new expiry when `sets_expiry`."""
    current = get_secret(team_id, secret_id, consistent=True)
    changed = _new_value(current, value)
    if sets_expiry:
        changed = replace(changed, expires_at=expires_at)
    updated = store.update_secret(current, changed)
    if updated is None:
        raise _not_found()
    audit.record(
        team_id,
        "secret.rotated",
        actor=actor,
        target=secret_id,
        name=updated.name,
        value_version=updated.value_version,
    )
    return updated


def _new_value(secret: VaultSecret, value: str) -> VaultSecret:
    changed = replace(
        secret,
        value_version=secret.value_version + 1,
        secret_version=values.new_version(),
        rotated_at=utcnow(),
    )
    values.store(secret.team_id, secret.id, value, version=changed.secret_version)
    return changed


def delete_secret(team_id: str, actor: str, secret_id: str) -> None:
    """The metadata and the name's claim, then the value (scheduled for deletion)."""
    secret = get_secret(team_id, secret_id, consistent=True)
    if not store.delete_secret(secret):
        raise _not_found()  # deleted (or renamed, then deleted) meanwhile
    values.remove(team_id, secret_id)
    audit.record(team_id, "secret.deleted", actor=actor, target=secret_id, name=secret.name)


class _Refusal(Exception):
    """Why a reveal is refused: the error answered, and the reason the audit log keeps."""

    def __init__(self, error: DomainError, reason: str, outcome: audit.Outcome = "denied"):
        super().__init__(reason)
        self.error, self.reason, self.outcome = error, reason, outcome


def reveal(
    principal: Principal, secret_id: str, totp_code: str | None, ip: str
) -> tuple[VaultSecret, str]:
    """The secret and its value, for a signed-in admin (with a fresh TOTP code when the admin has
    MFA); audited whatever the outcome."""
    team_id = principal.team_id
    try:
        secret = _revealable(principal, secret_id, totp_code)
    except _Refusal as refusal:
        audit.record(
            team_id,
            REVEALED,
            actor=principal.subject,
            outcome=refusal.outcome,
            target=secret_id,
            ip=ip,
            reason=refusal.reason,
        )
        raise refusal.error from None
    value = values.read(team_id, secret.id, secret.secret_version)
    store.mark_revealed(secret, principal.subject, utcnow())
    audit.record(
        team_id,
        REVEALED,
        actor=principal.subject,
        target=secret.id,
        ip=ip,
        name=secret.name,
        value_version=secret.value_version,
    )
    return secret, value


def _revealable(principal: Principal, secret_id: str, totp_code: str | None) -> VaultSecret:
    """The secret the caller may see, or the _Refusal saying why not."""
    from shared.identity import totp  # pyotp: only a reveal needs it
    from shared.identity.store import users

    if not principal.is_admin:
        raise _Refusal(Forbidden("Admins only"), "not an admin")
    if not principal.is_user:
        raise _Refusal(
            Forbidden("Revealing a secret needs a signed-in admin, not an API key or token"),
            "not a signed-in user",
        )
    secret = store.get_secret(principal.team_id, secret_id)
    if secret is None:
        raise _Refusal(_not_found(), "not found", "failed")
    account = users.get_account(principal.team_id, principal.subject)
    if not account.user.mfa_enabled and _team_requires_mfa(principal.team_id):
        # As every admin route refuses such an admin (shared.auth.dependencies): this route
        # takes members too, so that their attempts are audited, and checks it here.
        raise _Refusal(Forbidden(MFA_NEEDED), "team requires mfa")
    if account.user.mfa_enabled:
        if not totp_code:
            raise _Refusal(Unauthorized(TOTP_REQUIRED), "no totp code")
        try:
            totp.ATTEMPTS_PER_USER.hit(principal.subject)
        except RateLimited as exc:
            raise _Refusal(exc, "too many codes") from None
        if not totp.accept(account, account.totp_secret, totp_code):
            raise _Refusal(Unauthorized(TOTP_INVALID), "invalid totp code")
    return secret


def _team_requires_mfa(team_id: str) -> bool:
    from shared.identity.store.security import get_security

    return get_security(team_id).settings.mfa_required_for_admins
