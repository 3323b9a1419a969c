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
- `$disconnect`: the connection's item is deleted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from shared.auth.principal import Principal
from shared.errors import DomainError, NotFound, Unauthorized
from shared.ids import utcnow
from shared.live import connections, store
from shared.live.domain import (
    CONNECTION_TTL,
    MAX_SUBSCRIPTIONS,
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


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route an API Gateway WebSocket event; the answer API Gateway expects."""
    request = event.get("requestContext") or {}
    route = request.get("routeKey")
    connection_id = str(request.get("connectionId") or "")
    now = utcnow()
    if route == "$connect":
        token = (event.get("queryStringParameters") or {}).get("token")
        return {"statusCode": connect(connection_id, token, now)}
    if route == "$disconnect":
        store.delete_connection(connection_id)
        return {"statusCode": 200}
    reply = receive(connection_id, event.get("body"), now)
    if reply is None:
        return {"statusCode": 200}
    return {"statusCode": 200, "body": json.dumps(reply)}


def authenticate(token: str) -> Principal:
    """The principal of an access token or an API key (which needs the `read` scope);
    Unauthorized otherwise."""
    from shared.identity import opaque

    token = token.strip()
    if opaque.looks_like(token, opaque.API_KEY):
        from shared.auth.credentials import principal_for

        principal = principal_for(token, opaque.API_KEY)
        if not principal.allows("read"):
            raise Unauthorized("This API key lacks the 'read' scope")
        return principal
    from shared.auth.tokens import verify_token

    return verify_token(token)


def connect(connection_id: str, token: str | None, now: datetime) -> int:
    """The HTTP status of the handshake: 200 opens the socket, 401 refuses it."""
    if token is None:
        return 200  # authenticates with its first message
    try:
        principal = authenticate(token)
    except Unauthorized:
        return 401
    _store(connection_id, principal, now)
    return 200


def _store(connection_id: str, principal: Principal, now: datetime) -> Connection:
    connection = Connection(
        connection_id=connection_id,
        team_id=principal.team_id,
        subject=principal.subject,
        role=principal.role,
        connected_at=now,
        expires_at=now + CONNECTION_TTL,
    )
    store.save_connection(connection)
    return connection


def error(detail: str) -> Reply:
    return {"type": "error", "detail": detail}


def receive(connection_id: str, body: Any, now: datetime) -> Reply | None:
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
        return _first_message(connection_id, message, problem, now)
    if problem is not None:
        return error(problem)
    try:
        return _answer(connection, message, now)
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
    connection_id: str, message: Any, problem: str | None, now: datetime
) -> Reply | None:
    """An unauthenticated socket: `auth` with a good token, or told why and closed."""
    if isinstance(message, AuthMessage):
        try:
            principal = authenticate(message.token)
        except Unauthorized as exc:
            _refuse(connection_id, f"not authenticated: {exc.detail}")
            return None
        connection = _store(connection_id, principal, now)
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


def _answer(connection: Connection, message: Any, now: datetime) -> Reply:
    expires_at = now + CONNECTION_TTL
    if isinstance(message, PingMessage):
        store.update_connection(connection.connection_id, expires_at=expires_at)
        return {"type": "pong"}
    if isinstance(message, AuthMessage):
        return error("already authenticated")
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
