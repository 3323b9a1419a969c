"""knowledge-index batches: each team's changes applied to its index in one publish
(shared.knowledge.indexer), failures reported to SQS.

The queue is FIFO with one message group per team, so a team's messages reach one
invocation at a time: its single writer. A batch may hold several teams' messages; each
team's are applied together (one delta written, one pointer moved), which a per-record
processor would turn into one publish per message. A team whose apply fails has all its
records reported failed, and SQS delivers them again (to the DLQ after five receives);
the other teams' are done. A rebuild among a team's messages rebuilds from the table,
which covers the entries named beside it.

Applying reads each entry's current state, so a redelivered or reordered message leaves
the index as the table is: no idempotency record is needed.
"""

from __future__ import annotations

import json
from typing import Any

from shared.knowledge import indexer
from shared.observability import logger


def _by_team(records: list[dict[str, Any]]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    teams: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for record in records:
        body = json.loads(record["body"])
        teams.setdefault(str(body["team_id"]), []).append((record["messageId"], body))
    return teams


def apply_team(team_id: str, messages: list[dict[str, Any]]) -> None:
    """One team's messages applied: a rebuild if one asks for it, else the entries named."""
    if any(message.get("rebuild") for message in messages):
        indexer.rebuild(team_id)
        return
    indexer.apply(team_id, [str(message["entry_id"]) for message in messages])


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, applied per team; the batch item failures."""
    failures: list[dict[str, str]] = []
    records = list(event.get("Records") or [])
    try:
        teams = _by_team(records)
    except (ValueError, KeyError):
        # A body that is not ours fails alone, so the rest are applied.
        teams = {}
        for record in records:
            try:
                for team, pairs in _by_team([record]).items():
                    teams.setdefault(team, []).extend(pairs)
            except (ValueError, KeyError):
                logger.error(
                    "knowledge-index message unreadable", extra={"id": record.get("messageId")}
                )
                failures.append({"itemIdentifier": str(record.get("messageId"))})
    for team_id, pairs in teams.items():
        try:
            apply_team(team_id, [body for _, body in pairs])
        except Exception:
            logger.exception("knowledge index not updated", extra={"team_id": team_id})
            failures += [{"itemIdentifier": message_id} for message_id, _ in pairs]
    return {"batchItemFailures": failures}
