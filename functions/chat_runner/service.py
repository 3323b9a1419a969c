"""chat-tickets batches: each ticket answered once (shared.chat.runner), failures reported
to SQS.

A provider that failed, a spent budget: the ticket ends `failed` with the reason, and the
message is done. What stops the ticket being answered or recorded (storage, a bug) raises:
SQS delivers the message again, and on its last receive the ticket is failed with the
reason first, so the message that lands in chat-tickets-dlq belongs to a ticket that says
why (the archiver's settler fails it, should that write have failed too).
"""

from __future__ import annotations

from typing import Any

from shared.chat.runner import run_ticket
from shared.chat.tickets import QUEUE
from shared.queue_consumer import consume, json_body, last_receive

# Longer than a message can live through its receives (3 x 30 minutes) and redrive.
IDEMPOTENCY_SECONDS = 24 * 3600


def _message(record: Any) -> dict[str, Any]:
    """The body with `once` (the ticket) and whether this is the message's last receive."""
    body = json_body(record)
    return {
        "team_id": str(body["team_id"]),
        "ticket_id": str(body["ticket_id"]),
        "once": f"{body['team_id']}#{body['ticket_id']}",
        "last_receive": last_receive(record, QUEUE),
    }


def answer_ticket(message: dict[str, Any]) -> dict[str, Any]:
    ticket = run_ticket(
        message["team_id"], message["ticket_id"], last_receive=message["last_receive"]
    )
    return {"status": None if ticket is None else ticket.status}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each ticket answered once; the batch item failures."""
    return consume(
        event,
        context,
        answer_ticket,
        key="once",
        keep_seconds=IDEMPOTENCY_SECONDS,
        message=_message,
    )
