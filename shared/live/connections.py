"""Talking to open sockets: the API Gateway Management API (`POST`/`DELETE
/@connections/{id}`), through boto3 with the endpoint of our stage. Locally the same
client reaches the local runtime's management server on loopback."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from shared.live.endpoints import connections_url
from shared.observability import logger

if TYPE_CHECKING:
    from botocore.client import BaseClient

# A push waits briefly: a stuck socket must not hold the batch (the event is stale soon).
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5


@cache
def _client(endpoint: str) -> BaseClient:
    import boto3
    from botocore.config import Config

    from shared.settings import get_settings

    if get_settings().app_env == "aws":
        from shared.observability import get_tracer

        get_tracer()
    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": 2, "mode": "standard"},
        # A pool for the push's parallel posts (botocore's default is 10).
        max_pool_connections=32,
    )
    session = boto3.session.Session(region_name=get_settings().aws_region)
    result: Any = session.client(  # type: ignore[call-overload]
        "apigatewaymanagementapi", endpoint_url=endpoint, config=config
    )
    return result  # type: ignore[no-any-return]


def management_client() -> BaseClient:
    return _client(connections_url())


def _gone(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code == "GoneException" or status == 410


def post(connection_id: str, message: dict[str, Any] | bytes) -> bool:
    """Send one message; False when the connection is gone (410), True when sent. Any
    other failure raises."""
    data = message if isinstance(message, bytes) else json.dumps(message).encode()
    try:
        management_client().post_to_connection(ConnectionId=connection_id, Data=data)
    except Exception as exc:
        if _gone(exc):
            return False
        raise
    return True


def close(connection_id: str) -> None:
    """Close the socket (API Gateway then runs $disconnect); one already gone is closed."""
    try:
        management_client().delete_connection(ConnectionId=connection_id)
    except Exception as exc:
        if not _gone(exc):
            logger.warning("could not close a WebSocket connection", exc_info=True)


def forget_clients() -> None:
    """Tests and the local runtime: a new endpoint, a new client."""
    _client.cache_clear()
