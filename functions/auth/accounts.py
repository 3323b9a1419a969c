"""Accounts: register (a new team, or an invited one), sign in, tokens, profile, password.

Sign-in answers the same 401 for an unknown email and a wrong password, after the same
argon2 work; the audit log and the rate limits (per address and per email) see both.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.auth import sessions
from shared import audit
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.errors import ServiceUnavailable, Unauthorized
from shared.identity import opaque, passwords, totp
from shared.identity.domain import Invitation, User
from shared.identity.store import invitations, users
from shared.identity.store import security as security_store
from shared.ids import new_id, utcnow
from shared.ip_rules import guard as ip_guard
from shared.observability import logger
from shared.ratelimit import Limit
from shared.settings import get_settings

INVALID_LOGIN = "Invalid email, password or code"
MFA_REQUIRED = "MFA code required"
INVALID_INVITATION = "Invalid or used invitation"
LOGIN_PER_IP = Limit("login-ip", requests=30, window_seconds=60)
LOGIN_PER_EMAIL = Limit("login-email", requests=10, window_seconds=300)
REGISTER_PER_IP = Limit("register-ip", requests=10, window_seconds=3600)
REFRESH_PER_IP = Limit("refresh-ip", requests=60, window_seconds=60)
# Guessing the current password with a stolen access token.
PASSWORD_CHECKS_PER_USER = Limit("password-user", requests=10, window_seconds=300)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def principal_of(user: User, session_id: str | None = None) -> Principal:
    role: Role = user.role  # type: ignore[assignment]  # written from Role only
    return Principal(
        subject=user.user_id,
        team_id=user.team_id,
        role=role,
        session_id=session_id,
        email=user.email,
        # Its sign-ins need a TOTP code (login refuses one without), so this is an MFA session.
        mfa=user.mfa_enabled,
    )


def issue_pair(user: User, started: sessions.Rotated) -> TokenPair:
    ttl = get_settings().access_token_minutes * 60
    access = issue_token(principal_of(user, started.session.family_id), ttl_seconds=ttl)
    return TokenPair(access, started.refresh_token, ttl, user)


def register(
    email: str,
    password: str,
    full_name: str,
    invitation_token: str | None,
    ip: str,
    *,
    new_team_id: str | None = None,
) -> User:
    """A new account: admin of a new team, or in the team (and role) of an invitation.
    `new_team_id` names the new team (the local first start's `default`); else a new id."""
    email = normalize_email(email)
    passwords.check_policy(password, email=email)  # the floor, before anything is read
    invitation = _open_invitation(invitation_token, email) if invitation_token else None
    if invitation is not None:
        # An invited account joins a team: that team's policy, which may ask more.
        policy = security_store.get_security(invitation.team_id).password_policy
        passwords.check_policy(password, email=email, policy=policy)
    team_id = invitation.team_id if invitation else (new_team_id or new_id())
    role = invitation.role if invitation else "admin"
    user_id = new_id()
    try:
        user = users.create_account(
            team_id=team_id,
            user_id=user_id,
            email=email,
            full_name=full_name,
            role=role,
            password_hash=passwords.hash_password(password),
            invitation=invitation,
        )
    except users.InvitationTaken:
        raise Unauthorized(INVALID_INVITATION) from None
    audit.record(team_id, "account.registered", actor=user_id, target=email, ip=ip, role=role)
    if invitation is None:
        _give_default_agents(team_id)
    return user


def _give_default_agents(team_id: str) -> None:
    """A new team starts with one default agent per phase. Not in the account's
    transaction (19 more items): the account stands without them, and the first look at
    /agents/config, which ensures them too, repairs a failure here."""
    from shared.agents.service import ensure_defaults  # registration only: not at cold start

    try:
        ensure_defaults(team_id)
    except ServiceUnavailable:
        logger.warning("default agents not created yet", extra={"team_id": team_id})


def _open_invitation(token: str, email: str) -> Invitation:
    presented = opaque.parse(token, opaque.INVITATION)
    if presented is None:
        raise Unauthorized(INVALID_INVITATION)
    invitation = invitations.get_invitation(presented.team_id, presented.item_id)
    if invitation is None:
        raise Unauthorized(INVALID_INVITATION)
    expired = invitation.expires_at is not None and invitation.expires_at <= utcnow()
    if (
        expired
        or invitation.accepted_by is not None
        or invitation.email != email
        or not opaque.same(invitation.secret_hash, presented.digest)
    ):
        raise Unauthorized(INVALID_INVITATION)
    return invitation


def login(email: str, password: str, totp_code: str | None, ip: str) -> TokenPair:
    email = normalize_email(email)
    LOGIN_PER_IP.hit(ip)
    LOGIN_PER_EMAIL.hit(email)
    account = users.account_by_email(email)
    if not passwords.verify(account.password_hash if account else None, password) or not account:
        if account is not None:
            audit.record(
                account.user.team_id,
                "login",
                actor=account.user.user_id,
                outcome="failed",
                ip=ip,
                reason="password",
            )
        raise Unauthorized(INVALID_LOGIN)
    user = account.user
    # After the password check: an address refused by the team learns nothing of accounts.
    ip_guard.enforce(user.team_id, ip)
    if user.disabled:
        audit.record(
            user.team_id, "login", actor=user.user_id, outcome="denied", ip=ip, reason="disabled"
        )
        raise Unauthorized(INVALID_LOGIN)
    if user.mfa_enabled:
        if not totp_code:
            raise Unauthorized(MFA_REQUIRED)
        if not totp.accept(account, account.totp_secret, totp_code):
            audit.record(
                user.team_id, "login", actor=user.user_id, outcome="failed", ip=ip, reason="totp"
            )
            raise Unauthorized(INVALID_LOGIN)
    rehashed = (
        passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
    )
    user = users.record_login(user.team_id, user.user_id, at=utcnow(), password_hash=rehashed)
    audit.record(user.team_id, "login", actor=user.user_id, ip=ip, mfa=user.mfa_enabled)
    return issue_pair(user, sessions.start(user.team_id, user.user_id))


def refresh(refresh_token: str, ip: str) -> TokenPair:
    presented = opaque.parse(refresh_token, opaque.REFRESH)
    if presented is not None:
        # Before the rotation: a refused address does not use up the token.
        ip_guard.enforce(presented.team_id, ip)
    outcome = sessions.rotate(refresh_token)
    if isinstance(outcome, sessions.Reused):
        session = outcome.session
        audit.record(
            session.team_id,
            "session.reuse_detected",
            actor=session.user_id,
            outcome="denied",
            target=session.family_id,
            ip=ip,
        )
        raise Unauthorized(sessions.INVALID)
    user = users.get_user(outcome.session.team_id, outcome.session.user_id)
    if user.disabled:
        sessions.revoke(outcome.session, "account disabled")
        raise Unauthorized(sessions.INVALID)
    return issue_pair(user, outcome)


def logout(principal: Principal, refresh_token: str | None, ip: str) -> None:
    if principal.session_id:
        sessions.revoke_family(principal.team_id, principal.session_id, "logout")
    if refresh_token:
        sessions.revoke_presented(refresh_token, principal.subject, "logout")
    audit.record(principal.team_id, "logout", actor=principal.subject, ip=ip)


def change_password(principal: Principal, current: str, new: str, ip: str) -> int:
    """Set a new password; every other session of the user is revoked. How many were."""
    PASSWORD_CHECKS_PER_USER.hit(principal.subject)
    account = users.get_account(principal.team_id, principal.subject)
    user = account.user
    if not passwords.verify(account.password_hash, current):
        audit.record(user.team_id, "password.change", actor=user.user_id, outcome="failed", ip=ip)
        raise Unauthorized("Invalid password")
    policy = security_store.get_security(user.team_id).password_policy
    passwords.check_policy(new, email=user.email, policy=policy)
    users.set_password(user.team_id, user.user_id, passwords.hash_password(new))
    revoked = sessions.revoke_all(
        user.team_id, user.user_id, "password changed", keep=principal.session_id
    )
    audit.record(
        user.team_id, "password.change", actor=user.user_id, ip=ip, sessions_revoked=revoked
    )
    return revoked


def update_profile(principal: Principal, full_name: str) -> User:
    users.ensure_user(principal.team_id, principal.subject)
    return users.set_full_name(principal.team_id, principal.subject, full_name)
