"""Lambda entry of the WebSocket API's routes ($connect, $disconnect, $default): wiring
only. The local runtime invokes this same handler for its own sockets."""

from functions.live.service import handle
from shared.observability import lambda_entry

handler = lambda_entry(handle)
