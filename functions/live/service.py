"""The `/ws` protocol (API.md), one API Gateway WebSocket event at a time.

- `$connect`: `?token=` (an access token or an API key) is checked; a wrong one answers
  401 and the socket never opens. Without one the socket opens unauthenticated and its
  first message must be `{type: auth, token}`; anything else, or a wrong token, is told
  why and closed. Only an authenticated connection is stored (`WSCONN#<id>`, in its
  team's gsi1 partition), so nothing is ever pushed to an unauthenticated one.
- `$default`: `subscribe {event, job_id?}` (a type of the catalog, a prefix `job.*` or
  `*`; a job must be the team's: another team's is an error, and nothing is recorded),
  `unsubscribe`, `ping` (refreshes the connection's expiry) → `pong`. The reply is the
  route's response: `{"type": ...}`, `error` with `detail` for what was refused.
- The credential: a connection records when it stops being valid (an access token's
  `exp`); an API key, which never expires, is read again at each ping. Once expired or
  revoked, nothing is pushed, and every message but `auth` is answered
  `CREDENTIAL_EXPIRED` (the socket stays open: the grace, REAUTH_GRACE, lets the client
  keep its subscriptions). `{type: auth, token}` on an authenticated socket moves the
  credential to a fresh token of the same team; another team's is refused, nothing
  changed.
- The team's IP rules (shared/ip_rules) hold here as in every group: the client's address
  (API Gateway's `identity.sourceIp`) is checked when a credential is presented (403 at
  `$connect`; told why and closed at a first `auth`; refused at a later one) and at each
  message, so a rule added later closes the socket at its next message.
- `$disconnect`: the connection's item is deleted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from shared.auth.principal import Principal
from shared.errors import DomainError, Forbidden, NotFound, Unauthorized
from shared.ids import utcnow
from shared.ip_rules.guard import enforce
from shared.live import connections, store
from shared.live.domain import (
    MAX_SUBSCRIPTIONS,
    REAUTH_GRACE,
    AuthMessage,
    ClientMessage,
    Connection,
    PingMessage,
    SubscribeMessage,
    Subscription,
    UnsubscribeMessage,
)
from shared.observability import logger

_MESSAGE: TypeAdapter[Any] = TypeAdapter(ClientMessage)
# Larger messages are refused unread (API Gateway's own frame limit is 32 KB).
MAX_MESSAGE_CHARS = 8192
Reply = dict[str, Any]
CREDENTIAL_EXPIRED = "credential expired: send {type: auth, token} with a fresh one"


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route an API Gateway WebSocket event; the answer API Gateway expects."""
    request = event.get("requestContext") or {}
    route = request.get("routeKey")
    connection_id = str(request.get("connectionId") or "")
    address = str((request.get("identity") or {}).get("sourceIp") or "")
    now = utcnow()
    if route == "$connect":
        token = (event.get("queryStringParameters") or {}).get("token")
        return {"statusCode": connect(connection_id, token, now, address)}
    if route == "$disconnect":
        store.delete_connection(connection_id)
        return {"statusCode": 200}
    reply = receive(connection_id, event.get("body"), now, address)
    if reply is None:
        return {"statusCode": 200}
    return {"statusCode": 200, "body": json.dumps(reply)}


def authenticate(token: str, address: str) -> tuple[Principal, datetime | None]:
    """The principal of an access token or an API key (which needs the `read` scope), and
    when the credential expires (an API key: None); Unauthorized otherwise, Forbidden when
    the team's IP rules refuse `address`."""
    principal, until = _credential(token)
    enforce(principal.team_id, address)
    return principal, until


def _credential(token: str) -> tuple[Principal, datetime | None]:
    import jwt

    from shared.identity import opaque

    token = token.strip()
    if opaque.looks_like(token, opaque.API_KEY):
        from shared.auth.credentials import principal_for

        return _readable(principal_for(token, opaque.API_KEY)), None
    from shared.auth.tokens import verify_token

    principal = verify_token(token)
    # Verified just above: the claims are read again only for `exp`.
    claims = jwt.decode(token, options={"verify_signature": False})
    return principal, datetime.fromtimestamp(int(claims["exp"]), UTC)


def _readable(principal: Principal) -> Principal:
    if not principal.allows("read"):
        raise Unauthorized("This API key lacks the 'read' scope")
    return principal


def connect(connection_id: str, token: str | None, now: datetime, address: str) -> int:
    """The HTTP status of the handshake: 200 opens the socket, 401 (a wrong credential) or
    403 (an address the team's IP rules refuse) refuses it."""
    if token is None:
        return 200  # authenticates with its first message
    try:
        principal, until = authenticate(token, address)
    except Unauthorized:
        return 401
    except Forbidden:
        return 403
    _store(connection_id, principal, until, now)
    return 200


def _store(
    connection_id: str, principal: Principal, until: datetime | None, now: datetime
) -> Connection:
    connection = Connection(
        connection_id=connection_id,
        team_id=principal.team_id,
        subject=principal.subject,
        role=principal.role,
        connected_at=now,
        expires_at=now,
        via=principal.via,
        credential_expires_at=until,
    )
    connection = replace(connection, expires_at=connection.kept_until(now))
    store.save_connection(connection)
    return connection


def error(detail: str) -> Reply:
    return {"type": "error", "detail": detail}


def receive(connection_id: str, body: Any, now: datetime, address: str) -> Reply | None:
    """The reply to one message (None: the socket was closed instead)."""
    message: Any = None
    problem: str | None = None
    if not isinstance(body, str) or len(body) > MAX_MESSAGE_CHARS:
        problem = f"a message is a JSON object of at most {MAX_MESSAGE_CHARS} characters"
    else:
        try:
            message = _MESSAGE.validate_json(body)
        except ValidationError as exc:
            problem = _invalid(exc)
    connection = store.get_connection(connection_id, now)
    if connection is None:
        return _first_message(connection_id, message, problem, now, address)
    try:
        enforce(connection.team_id, address)
    except Forbidden as exc:
        store.delete_connection(connection_id)
        _refuse(connection_id, exc.detail)
        return None
    if problem is not None:
        return error(problem)
    try:
        return _answer(connection, message, now, address)
    except DomainError as exc:
        return error(exc.detail)


def _invalid(exc: ValidationError) -> str:
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return (
        "expected {type: auth|subscribe|unsubscribe|ping, ...}: "
        f"{where + ': ' if where else ''}{first['msg']}"
    )


def _first_message(
    connection_id: str, message: Any, problem: str | None, now: datetime, address: str
) -> Reply | None:
    """An unauthenticated socket: `auth` with a good token, or told why and closed."""
    if isinstance(message, AuthMessage):
        try:
            principal, until = authenticate(message.token, address)
        except Unauthorized as exc:
            _refuse(connection_id, f"not authenticated: {exc.detail}")
            return None
        except Forbidden as exc:
            _refuse(connection_id, exc.detail)
            return None
        connection = _store(connection_id, principal, until, now)
        return {"type": "authenticated", "team_id": connection.team_id}
    _refuse(
        connection_id,
        problem or "not authenticated: connect with ?token= or send {type: auth, token} first",
    )
    return None


def _refuse(connection_id: str, detail: str) -> None:
    try:
        connections.post(connection_id, error(detail))
    except Exception:
        logger.warning("could not tell a connection why it is closed", exc_info=True)
    connections.close(connection_id)


def _answer(connection: Connection, message: Any, now: datetime, address: str) -> Reply:
    if isinstance(message, AuthMessage):
        return _reauthenticate(connection, message.token, now, address)
    if not connection.credential_valid(now):
        return error(CREDENTIAL_EXPIRED)
    expires_at = connection.kept_until(now)
    if isinstance(message, PingMessage):
        if connection.via != "jwt" and not _key_still_valid(connection):
            store.update_credential(
                replace(connection, credential_expires_at=now, expires_at=now + REAUTH_GRACE)
            )
            return error(CREDENTIAL_EXPIRED)
        store.update_connection(connection.connection_id, expires_at=expires_at)
        return {"type": "pong"}
    if isinstance(message, SubscribeMessage):
        wanted = _subscription(connection, message)
        kept = [sub for sub in connection.subscriptions if sub != wanted]
        if len(kept) >= MAX_SUBSCRIPTIONS:
            return error(f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection")
        store.update_connection(
            connection.connection_id, expires_at=expires_at, subscriptions=[*kept, wanted]
        )
        return {"type": "subscribed", "event": wanted.event, "job_id": wanted.job_id}
    assert isinstance(message, UnsubscribeMessage)
    kept = [
        sub
        for sub in connection.subscriptions
        if not (
            (message.event is None or sub.event == message.event)
            and (message.job_id is None or sub.job_id == message.job_id)
        )
    ]
    store.update_connection(connection.connection_id, expires_at=expires_at, subscriptions=kept)
    return {"type": "unsubscribed", "event": message.event, "job_id": message.job_id}


def _key_still_valid(connection: Connection) -> bool:
    """An API key's connection, at a ping: the key read again (one read), as the API
    would check it (not revoked, still with `read`)."""
    from shared.auth.credentials import principal_again

    principal = Principal(
        connection.subject, connection.team_id, connection.role, via=connection.via
    )
    try:
        _readable(principal_again(principal))
    except Unauthorized:
        return False
    return True


def _reauthenticate(connection: Connection, token: str, now: datetime, address: str) -> Reply:
    """`auth` on an authenticated socket: a credential of the same team replaces the one
    it holds (and its expiry); a wrong one or another team's changes nothing."""
    try:
        principal, until = authenticate(token, address)
    except Unauthorized as exc:
        return error(f"not authenticated: {exc.detail}")
    if principal.team_id != connection.team_id:
        return error("this token is of another team: open another connection for it")
    renewed = replace(
        connection,
        subject=principal.subject,
        role=principal.role,
        via=principal.via,
        credential_expires_at=until,
    )
    store.update_credential(replace(renewed, expires_at=renewed.kept_until(now)))
    return {"type": "authenticated", "team_id": connection.team_id}


def _subscription(connection: Connection, message: SubscribeMessage) -> Subscription:
    """The subscription asked for: a known event (422's reason otherwise) and, when it names
    a job, one of the connection's team (another team's reads as no such job)."""
    from shared.event_rules.patterns import check_event

    check_event(message.event)
    if message.job_id is not None:
        from shared.jobs import store as jobs

        try:
            jobs.get_job(connection.team_id, message.job_id)
        except NotFound:
            raise NotFound(f"no job {message.job_id} in this team") from None
    return Subscription(event=message.event, job_id=message.job_id)
