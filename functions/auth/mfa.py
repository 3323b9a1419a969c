"""TOTP multi-factor: set up (pending until a code proves it), enable, disable."""

from __future__ import annotations

from dataclasses import dataclass

from shared import audit
from shared.auth.principal import Principal
from shared.errors import Conflict, Unauthorized
from shared.identity import passwords, totp
from shared.identity.store import users

INVALID_CODE = "Invalid code"


@dataclass(frozen=True, slots=True)
class Enrolment:
    otpauth_uri: str
    qr_png_base64: str


def setup(principal: Principal) -> Enrolment:
    user = users.get_user(principal.team_id, principal.subject)
    if user.mfa_enabled:
        raise Conflict("MFA is already enabled; disable it first to enrol a new device")
    secret = totp.new_secret()
    users.set_pending_totp(user.team_id, user.user_id, secret)
    uri = totp.provisioning_uri(secret, user.email)
    return Enrolment(uri, totp.qr_png_base64(uri))


def verify(principal: Principal, code: str, ip: str) -> None:
    """Enable MFA with the first code from the device set up."""
    totp.ATTEMPTS_PER_USER.hit(principal.subject)
    account = users.get_account(principal.team_id, principal.subject)
    user = account.user
    if user.mfa_enabled:
        raise Conflict("MFA is already enabled")
    if account.pending_totp_secret is None:
        raise Conflict("Start with /auth/mfa/setup")
    if not totp.accept(account, account.pending_totp_secret, code):
        audit.record(user.team_id, "mfa.enable", actor=user.user_id, outcome="failed", ip=ip)
        raise Unauthorized(INVALID_CODE)
    users.enable_mfa(user.team_id, user.user_id, account.pending_totp_secret)
    audit.record(user.team_id, "mfa.enable", actor=user.user_id, ip=ip)


def disable(principal: Principal, code: str, password: str, ip: str) -> None:
    totp.ATTEMPTS_PER_USER.hit(principal.subject)
    account = users.get_account(principal.team_id, principal.subject)
    user = account.user
    if not user.mfa_enabled:
        raise Conflict("MFA is not enabled")
    # The password first: a wrong one must not use up the code.
    if not (
        passwords.verify(account.password_hash, password)
        and totp.accept(account, account.totp_secret, code)
    ):
        audit.record(user.team_id, "mfa.disable", actor=user.user_id, outcome="failed", ip=ip)
        raise Unauthorized("Invalid code or password")
    users.disable_mfa(user.team_id, user.user_id)
    audit.record(user.team_id, "mfa.disable", actor=user.user_id, ip=ip)
