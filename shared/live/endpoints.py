"""Where the WebSocket API is, read from the environment at call time (as shared.queues
reads QUEUE_URL_<KEY>): CDK sets both variables deployed; the local runtime sets them
when it starts its WebSocket server (tools/local/live.py).

- LIVE_URL: what clients connect to (`wss://<api>.execute-api.<region>.amazonaws.com/ws`,
  locally `ws://127.0.0.1:<port>/ws`); the API's service info answers it as `live_url`.
- LIVE_CONNECTIONS_URL: the API Gateway Management API endpoint of that stage
  (`https://<api>.execute-api.<region>.amazonaws.com/ws`, locally an HTTP server on
  loopback serving the same `/@connections/{id}` paths); set only on functions whose
  registry entry `manages_connections`.
"""

from __future__ import annotations

import os

LIVE_URL_VARIABLE = "LIVE_URL"
CONNECTIONS_URL_VARIABLE = "LIVE_CONNECTIONS_URL"


def live_url() -> str | None:
    return os.environ.get(LIVE_URL_VARIABLE) or None


def connections_url() -> str:
    url = os.environ.get(CONNECTIONS_URL_VARIABLE)
    if not url:
        raise RuntimeError(
            f"{CONNECTIONS_URL_VARIABLE} is not set: this function may not manage connections"
        )
    return url
