"""Live events over WebSocket, on the local runtime: the `/ws` protocol served by
tools/local/live.py (the socket function's own handler behind `websockets`), events carried
by the bus rule, the live-events queue and the pump to live_push, which posts through the
Management API (the local one, over loopback HTTP, through boto3 unchanged).

Nothing sleeps: a test waits only for a socket's next message, with a timeout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.events import publish
from shared.ids import new_id, utcnow
from shared.jobs.store import create_job
from shared.live import store
from shared.live.domain import CONNECTION_TTL, REAUTH_GRACE
from shared.live.models import ConnectionItem, connection_partition
from shared.settings import get_settings
from tests.factories import make_job
from tools.local.live import LocalLive

# Long enough for a loaded CI machine; a passing test never waits it out.
TIMEOUT = 5.0


@pytest.fixture
def live(aws: None) -> Iterator[LocalLive]:
    with LocalLive(get_settings()).running() as served:
        yield served


def token_for(team_id: str, role: str = "member", ttl_seconds: int = 900) -> str:
    principal = Principal(f"user-{team_id}", team_id, role)  # type: ignore[arg-type]
    return issue_token(principal, ttl_seconds=ttl_seconds)


def new_team() -> str:
    return f"team-{new_id()}"


def job_of(team_id: str) -> str:
    return create_job(make_job(team_id, f"app-{new_id().lower()}")).id


def reply(socket: ClientConnection) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(socket.recv(timeout=TIMEOUT))
    return answer


def ask(socket: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    socket.send(json.dumps(message))
    return reply(socket)


def open_socket(live: LocalLive, token: str | None) -> ClientConnection:
    url = live.url if token is None else f"{live.url}?token={token}"
    return connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def phase_completed(team_id: str, job_id: str, phase: str = "architecture") -> dict[str, Any]:
    return {"team_id": team_id, "job_id": job_id, "phase": phase, "status": "running"}


def nothing_pending(socket: ClientConnection) -> bool:
    """No event reached the socket: a ping's pong is the next message (the socket answers in
    order, so an event pushed before the ping would come first)."""
    return ask(socket, {"type": "ping"}) == {"type": "pong"}


def test_a_subscribed_socket_receives_its_jobs_events(live: LocalLive, pump: Any) -> None:
    team = new_team()
    job_id = job_of(team)
    with open_socket(live, token_for(team)) as socket:
        subscribed = ask(socket, {"type": "subscribe", "event": "job.*", "job_id": job_id})
        assert subscribed == {"type": "subscribed", "event": "job.*", "job_id": job_id}
        publish("job.phase.completed", phase_completed(team, job_id))
        pump.drain()

        assert reply(socket) == {
            "type": "event",
            "event": "job.phase.completed",
            "data": phase_completed(team, job_id),
        }


def test_events_of_other_jobs_types_and_teams_are_not_pushed(live: LocalLive, pump: Any) -> None:
    team, other_team = new_team(), new_team()
    job_id, other_job = job_of(team), job_of(team)
    with open_socket(live, token_for(team)) as socket:
        ask(socket, {"type": "subscribe", "event": "job.phase.completed", "job_id": job_id})
        publish("job.phase.completed", phase_completed(team, other_job))  # another job
        publish("job.failed", {"team_id": team, "job_id": job_id})  # another type
        publish("job.phase.completed", phase_completed(other_team, job_id))  # another team
        pump.drain()

        assert nothing_pending(socket)


def test_a_wildcard_subscription_gets_every_event_of_the_team(live: LocalLive, pump: Any) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:
        ask(socket, {"type": "subscribe", "event": "*"})
        publish("budget.threshold_crossed", {"team_id": team, "threshold": 80})
        pump.drain()

        pushed = reply(socket)
        assert (pushed["event"], pushed["data"]["threshold"]) == ("budget.threshold_crossed", 80)


def test_an_unsubscribed_socket_gets_nothing(live: LocalLive, pump: Any) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:
        ask(socket, {"type": "subscribe", "event": "job.*"})
        assert ask(socket, {"type": "unsubscribe", "event": "job.*"})["type"] == "unsubscribed"
        publish("job.failed", {"team_id": team, "job_id": job_of(team)})
        pump.drain()

        assert nothing_pending(socket)


@pytest.mark.parametrize("token", ["not-a-token", "sfk_nothing_like_a_key", ""])
def test_a_wrong_token_never_connects(live: LocalLive, token: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(live, token)

    assert refused.value.response.status_code == 401
    assert live.open_connections == ()


def test_an_api_key_connects(live: LocalLive, aws: None) -> None:
    from functions.auth.keys import create
    from shared.identity import opaque

    team = new_team()
    created = create(Principal("user-1", team, "admin"), opaque.API_KEY, "live", scopes={"read"})
    with open_socket(live, created.secret) as socket:
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}


def test_first_message_auth(live: LocalLive, pump: Any) -> None:
    team = new_team()
    with open_socket(live, None) as socket:
        assert ask(socket, {"type": "auth", "token": token_for(team)}) == {
            "type": "authenticated",
            "team_id": team,
        }
        ask(socket, {"type": "subscribe", "event": "job.failed"})
        publish("job.failed", {"team_id": team, "job_id": "j1"})
        pump.drain()

        assert reply(socket)["event"] == "job.failed"


@pytest.mark.parametrize(
    "first",
    [{"type": "auth", "token": "wrong"}, {"type": "subscribe", "event": "*"}, {"type": "ping"}],
)
def test_an_unauthenticated_socket_is_told_why_and_closed(
    live: LocalLive, first: dict[str, Any]
) -> None:
    with open_socket(live, None) as socket:
        answer = ask(socket, first)
        assert answer["type"] == "error"
        assert answer["detail"].startswith("not authenticated")
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=TIMEOUT)
    assert live.wait_idle(TIMEOUT)


def test_a_subscription_to_another_teams_job_is_an_error_and_gets_no_events(
    live: LocalLive, pump: Any
) -> None:
    team, other_team = new_team(), new_team()
    their_job = job_of(other_team)
    with open_socket(live, token_for(team)) as socket:
        answer = ask(socket, {"type": "subscribe", "event": "job.*", "job_id": their_job})
        assert answer == {"type": "error", "detail": f"no job {their_job} in this team"}
        publish("job.phase.completed", phase_completed(other_team, their_job))
        # Even an event claiming this team cannot reach a subscription never recorded.
        publish("job.phase.completed", phase_completed(team, their_job))
        pump.drain()

        assert nothing_pending(socket)


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        ({"type": "subscribe", "event": "job.nothing"}, 'unknown event type "job.nothing"'),
        ({"type": "subscribe", "event": "jo*"}, "a wildcard is"),
        ({"type": "dance"}, "expected {type: auth|subscribe|unsubscribe|ping"),
        ({"type": "subscribe"}, "event: Field required"),
        ({"type": "auth", "token": "x"}, "not authenticated: Invalid or expired token"),
    ],
)
def test_bad_messages_are_answered_with_the_reason(
    live: LocalLive, message: dict[str, Any], detail: str
) -> None:
    with open_socket(live, token_for(new_team())) as socket:
        answer = ask(socket, message)

        assert answer["type"] == "error"
        assert detail in answer["detail"]
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}  # still open


def test_ping_refreshes_the_connections_expiry(live: LocalLive) -> None:
    team = new_team()
    # A day's token (the CLI's service token): the 2 hours after the ping come first.
    with open_socket(live, token_for(team, ttl_seconds=24 * 3600)) as socket:
        [connection] = store.team_connections(team, utcnow())
        later = utcnow() + timedelta(minutes=90)
        with time_machine.travel(later, tick=False):
            assert ask(socket, {"type": "ping"}) == {"type": "pong"}
        [refreshed] = store.team_connections(team, later)

    assert refreshed.expires_at > connection.expires_at
    # The TTL attribute keeps whole seconds.
    assert abs((refreshed.expires_at - (later + CONNECTION_TTL)).total_seconds()) < 1


def test_an_expired_connection_is_not_pushed_to(live: LocalLive) -> None:
    team = new_team()
    with open_socket(live, token_for(team)):
        assert len(store.team_connections(team, utcnow())) == 1
        assert store.team_connections(team, utcnow() + CONNECTION_TTL + timedelta(seconds=1)) == []


EXPIRED = {
    "type": "error",
    "detail": "credential expired: send {type: auth, token} with a fresh one",
}


def test_an_expired_access_token_gets_no_events_until_it_authenticates_again(
    live: LocalLive, pump: Any
) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:  # a 15-minute token
        ask(socket, {"type": "subscribe", "event": "job.failed"})
        with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
            publish("job.failed", {"team_id": team, "job_id": "j1"})
            pump.drain()
            # Nothing was pushed (the error is the next message), and asking is refused.
            assert ask(socket, {"type": "ping"}) == EXPIRED
            assert ask(socket, {"type": "subscribe", "event": "*"}) == EXPIRED

            fresh = token_for(team)
            assert ask(socket, {"type": "auth", "token": fresh}) == {
                "type": "authenticated",
                "team_id": team,
            }
            publish("job.failed", {"team_id": team, "job_id": "j2"})
            pump.drain()
            # The subscription made with the first token was kept.
            assert reply(socket)["data"]["job_id"] == "j2"
            assert ask(socket, {"type": "ping"}) == {"type": "pong"}


def test_a_ping_never_keeps_a_connection_past_its_tokens_expiry(live: LocalLive) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:
        later = utcnow() + timedelta(minutes=10)
        with time_machine.travel(later, tick=False):
            assert ask(socket, {"type": "ping"}) == {"type": "pong"}
        [connection] = store.team_connections(team, later)

    assert connection.credential_expires_at is not None
    assert connection.credential_expires_at < later + timedelta(minutes=6)
    # Kept only for the grace to authenticate again, not the 2 hours after the ping.
    assert connection.expires_at <= connection.credential_expires_at + REAUTH_GRACE


def test_a_revoked_api_key_stops_getting_events_at_its_next_ping(
    live: LocalLive, pump: Any
) -> None:
    from functions.auth.keys import create, revoke

    team = new_team()
    admin = Principal("user-1", team, "admin")
    created = create(admin, "sfk", "live", scopes={"read"})
    with open_socket(live, created.secret) as socket:
        ask(socket, {"type": "subscribe", "event": "job.failed"})
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}  # read again: still valid
        revoke(admin, "sfk", created.credential.credential_id, None)

        assert ask(socket, {"type": "ping"}) == EXPIRED
        publish("job.failed", {"team_id": team, "job_id": "j1"})
        pump.drain()
        assert ask(socket, {"type": "ping"}) == EXPIRED  # and nothing was pushed before it


def test_authenticating_again_with_another_teams_token_is_refused(
    live: LocalLive, pump: Any
) -> None:
    team, other_team = new_team(), new_team()
    with open_socket(live, token_for(team)) as socket:
        ask(socket, {"type": "subscribe", "event": "job.failed"})
        [before] = store.team_connections(team, utcnow())

        answer = ask(socket, {"type": "auth", "token": token_for(other_team)})

        assert answer == {
            "type": "error",
            "detail": "this token is of another team: open another connection for it",
        }
        assert store.team_connections(team, utcnow()) == [before]
        assert store.team_connections(other_team, utcnow()) == []
        publish("job.failed", {"team_id": other_team, "job_id": "theirs"})
        publish("job.failed", {"team_id": team, "job_id": "ours"})
        pump.drain()
        assert reply(socket)["data"]["job_id"] == "ours"


def test_disconnecting_deletes_the_connection(live: LocalLive) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}
        assert len(store.team_connections(team, utcnow())) == 1
    # $disconnect runs once the server has seen the close: wait for that, not for time.
    assert live.wait_idle(TIMEOUT)
    assert store.team_connections(team, utcnow()) == []


def test_a_gone_connection_is_removed_by_the_push(live: LocalLive, pump: Any) -> None:
    """A connection API Gateway no longer has (410 from the Management API) is deleted."""
    from shared.live.domain import Connection, Subscription

    team = new_team()
    now = utcnow()
    store.save_connection(
        Connection(
            connection_id="gone-connection=",
            team_id=team,
            subject="user-1",
            role="member",
            connected_at=now,
            expires_at=now + CONNECTION_TTL,
            subscriptions=(Subscription(event="*"),),
        )
    )
    with open_socket(live, token_for(team)) as socket:
        ask(socket, {"type": "subscribe", "event": "job.failed"})
        publish("job.failed", {"team_id": team, "job_id": "j1"})
        pump.drain()

        assert reply(socket)["event"] == "job.failed"  # the live one still got it
    with pytest.raises(ConnectionItem.DoesNotExist):
        ConnectionItem.get(connection_partition("gone-connection="), "CONN")


def test_the_service_info_names_the_live_url(live: LocalLive) -> None:
    from fastapi.testclient import TestClient

    from tools.local.gateway import LocalGateway

    with TestClient(LocalGateway()) as http:
        info = http.get("/api/v1").json()

    assert info["live_url"] == live.url


def test_the_service_info_says_null_without_a_websocket_api(aws: None) -> None:
    from fastapi.testclient import TestClient

    from tools.local.gateway import LocalGateway

    with TestClient(LocalGateway()) as http:
        assert http.get("/api/v1").json()["live_url"] is None


def _block_loopback(team: str) -> None:
    """The team's IP rules refuse the address every local socket comes from."""
    from shared.ip_rules import guard
    from shared.ip_rules import store as rules
    from shared.ip_rules.domain import IpRule

    rule = IpRule(new_id(), "127.0.0.0/8", "block", "loopback", utcnow())
    rules.save_rules(team, [rule], version=0, by="test", at=utcnow())
    guard.forget()


def test_an_address_the_teams_ip_rules_block_never_connects(live: LocalLive) -> None:
    team = new_team()
    _block_loopback(team)

    with pytest.raises(InvalidStatus) as refused:
        open_socket(live, token_for(team))
    assert refused.value.response.status_code == 403
    with open_socket(live, None) as socket:
        answer = ask(socket, {"type": "auth", "token": token_for(team)})
        assert answer["type"] == "error"
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=TIMEOUT)
    # Another team, with no rules, connects from the same address.
    with open_socket(live, token_for(new_team())) as socket:
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}


def test_a_rule_added_later_closes_the_socket_at_its_next_message(live: LocalLive) -> None:
    team = new_team()
    with open_socket(live, token_for(team)) as socket:
        assert ask(socket, {"type": "ping"}) == {"type": "pong"}
        _block_loopback(team)

        answer = ask(socket, {"type": "ping"})
        assert answer["type"] == "error"
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=TIMEOUT)
    assert live.wait_idle(TIMEOUT)
