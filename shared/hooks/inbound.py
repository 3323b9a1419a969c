"""POST /hooks/{source_id}: the public path an outside system posts its signed events to.

Per request: one UpdateItem (the sender's rate limit), one GetItem (the source's lookup),
the owning team's IP rules (shared.ip_rules.guard: in memory when warm), the signature
check, one conditional PutItem (the replay claim) and one SendMessage; a body too large
for SQS goes to S3 first and travels by reference. The answer (202) comes once the
message is durably queued; storing and announcing it is shared.hooks.ingest's work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from shared import queues
from shared.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, ServiceUnavailable
from shared.hooks import claim_store, source_store
from shared.hooks.domain import Accepted
from shared.hooks.payloads import put_payload
from shared.hooks.signatures import body_digest, verify
from shared.ids import new_id
from shared.ip_rules import guard as ip_guard
from shared.observability import logger
from shared.ratelimit import Limit

QUEUE = "hook-events"
MAX_BODY_BYTES = 1024 * 1024
# Per source and sending address: one noisy sender cannot starve a source's others, and a
# sender shared by many teams (GitHub's) is limited per team's source, not across them.
HOOK_LIMIT = Limit("hooks", requests=60, window_seconds=60)
# The message's envelope (ids, type, times, JSON escapes of the body) must fit beside it.
_INLINE_MESSAGE_BYTES = queues.MAX_MESSAGE_BYTES - 16 * 1024


def accept(
    source_id: str,
    headers: Mapping[str, str],
    body: bytes,
    address: str,
    now: float | None = None,
) -> Accepted:
    """Verify, deduplicate and queue one inbound message. `headers` are looked up by
    lower-case name. NotFound (unknown source), Forbidden (the owning team's IP rules
    refuse `address`), SignatureRefused (401), Conflict (a
    message id seen with another body), PayloadTooLarge, RateLimited (429)."""
    moment = time.time() if now is None else now
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes")
    HOOK_LIMIT.hit(f"{source_id}#{address}", now=moment)
    source = source_store.lookup(source_id)
    if source is None:
        raise NotFound("source not found")
    ip_guard.enforce(source.team_id, address)  # the owning team's IP rules, before the rest
    message = verify(source, headers, body, moment)
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise BadRequest("the body must be UTF-8 text") from exc
    event_id = new_id()
    digest = body_digest(body)
    held = claim_store.claim(
        source_id, source.team_id, message.message_id, digest, event_id, moment
    )
    if held is not None:
        held_digest, held_event = held
        if held_digest != digest:
            raise Conflict("this message id was accepted before with another body")
        return Accepted(held_event, duplicate=True)
    envelope = {
        "team_id": source.team_id,
        "source_id": source_id,
        "event_id": event_id,
        "type": message.type,
        "received_at": datetime.fromtimestamp(moment, UTC).isoformat(),
    }
    try:
        # Escaped as the message will be (non-ASCII as \\uXXXX): a cheap upper bound first.
        if len(body) * 6 > _INLINE_MESSAGE_BYTES and len(json.dumps(text)) > _INLINE_MESSAGE_BYTES:
            envelope["payload_key"] = put_payload(source.team_id, source_id, event_id, body)
        else:
            envelope["payload"] = text
        queues.send(QUEUE, envelope)
    except Exception as exc:  # any failure to queue: the sender must retry, not be told 2xx
        logger.exception("inbound message not queued", extra={"event_id": event_id})
        claim_store.release(source_id, message.message_id, event_id)
        raise ServiceUnavailable("the message could not be queued; retry later") from exc
    return Accepted(event_id, duplicate=False)
