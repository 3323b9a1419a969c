"""How identity is stored: items in the identity table.

Team-scoped items (every route reaches only these, under the caller's team):

    pk = TEAM#<team>   sk = TEAM                       the team
                       sk = USER#<user id>             an account
                       sk = SESSION#<family id>        a refresh-token family (one sign-in)
                       sk = APIKEY#<id>                an API key (hashed)
                       sk = AGENTTOKEN#<id>            an agent token (hashed)
                       sk = INVITE#<id>                an invitation to join the team
                       sk = AUDIT#<id>                 the audit log, newest last
                       sk = SECURITY                   security settings, password policy
                       sk = IPRULES                    IP allow and block rules

Two kinds of item are keyed by something other than a team, because the caller does not
know its team yet; neither is ever returned by a route:

    pk = EMAIL#<email>            sk = EMAIL           makes an email unique; names its user
    pk = RATE#<scope>#<subject>   sk = <window start>  a rate-limit counter (TTL)

Opaque tokens (refresh tokens, API keys, agent tokens, invitations) carry their team and
item id, so checking one is a GetItem on the team's own partition, never a lookup table.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.db.base import Gsi1Index, TeamItem, table_meta

TEAM = "TEAM"
EMAIL_CLAIM = "EMAIL"
SECURITY = "SECURITY"
IP_RULES = "IPRULES"


def user_key(user_id: str = "") -> str:
    return f"USER#{user_id}"


def session_key(family_id: str = "") -> str:
    return f"SESSION#{family_id}"


def invitation_key(invitation_id: str = "") -> str:
    return f"INVITE#{invitation_id}"


def audit_key(entry_id: str = "") -> str:
    return f"AUDIT#{entry_id}"


def audit_action_key(team_id: str, action: str) -> str:
    """The gsi1 partition of the team's audit entries of one action (newest first by
    gsi1sk, the entry's sort key): seed 001's permission denials are one Query."""
    return f"TEAM#{team_id}#AUDIT#{action}"


def email_key(email: str) -> str:
    return f"EMAIL#{email.lower()}"


class TeamRecord(TeamItem):
    Meta = table_meta("identity")

    name = UnicodeAttribute()


class UserItem(TeamItem):
    Meta = table_meta("identity")

    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    full_name = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    disabled = BooleanAttribute(default=False)
    mfa_enabled = BooleanAttribute(default=False)
    totp_secret = UnicodeAttribute(null=True)
    # Set by MFA setup, moved to totp_secret when a first code proves the user has it.
    pending_totp_secret = UnicodeAttribute(null=True)
    # The last TOTP time step accepted: a code is good once (conditional write on this).
    totp_last_step = NumberAttribute(default=0)
    last_login_at = UTCDateTimeAttribute(null=True)


class EmailClaimItem(Model):
    """Makes an email unique across every team; written in one transaction with its user."""

    Meta = table_meta("identity")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=EMAIL_CLAIM)
    team_id = UnicodeAttribute()
    user_id = UnicodeAttribute()


class SessionItem(TeamItem):
    """A refresh-token family: one sign-in and every rotation of its refresh token."""

    Meta = table_meta("identity")

    family_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    current_hash = UnicodeAttribute()
    # Hashes of the latest refresh tokens rotated away (oldest first, at most
    # sessions.REMEMBERED_TOKENS): presenting one revokes the family.
    used_hashes = ListAttribute(of=UnicodeAttribute, default=list)
    revoked = BooleanAttribute(default=False)
    revoked_reason = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)


class CredentialItem(TeamItem):
    """An API key or an agent token: only its hash is kept."""

    Meta = table_meta("identity")

    credential_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # api_key | agent_token
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()  # the visible start of the secret, to recognise it by
    secret_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    scopes = UnicodeSetAttribute(default=set)
    created_by = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)


class InvitationItem(TeamItem):
    Meta = table_meta("identity")

    invitation_id = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    accepted_by = UnicodeAttribute(null=True)


class AuditItem(TeamItem):
    Meta = table_meta("identity")

    entry_id = UnicodeAttribute()
    action = UnicodeAttribute()
    outcome = UnicodeAttribute()  # ok | denied | failed
    actor = UnicodeAttribute()
    target = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    detail = JSONAttribute(default=dict)
    at = UTCDateTimeAttribute()
    by_action: Gsi1Index[AuditItem] = Gsi1Index()


class RateCounterItem(Model):
    """A rate limit's sliding log for one subject (shared.ratelimit): the times of its
    latest hits, in the order they were stored."""

    Meta = table_meta("identity")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    log = ListAttribute(of=NumberAttribute, default=list)
    expires_at = TTLAttribute(null=True)


class SecurityItem(TeamItem):
    """A team's security settings and password policy (absent: the defaults). Each is the
    JSON of its domain object (shared.auth.team_security), so a new field needs no change
    here; every write is conditioned on the version read."""

    Meta = table_meta("identity")

    settings = JSONAttribute(default=dict)
    password_policy = JSONAttribute(default=dict)
    updated_by = UnicodeAttribute(null=True)


class IpRulesItem(TeamItem):
    """A team's IP rules, all in one item (at most shared.ip_rules.service.MAX_RULES, a few
    hundred KB at worst): the request path reads them with one GetItem per container and
    freshness window. Every write is conditioned on the version read."""

    Meta = table_meta("identity")

    # [{id, cidr, action, description, created_at}], oldest first.
    rules = JSONAttribute(default=list)
    updated_by = UnicodeAttribute(null=True)
