"""The WebSocket API's function (`/ws`): $connect, $disconnect and each message."""
