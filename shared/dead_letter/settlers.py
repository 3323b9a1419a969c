"""What a dead-lettered message ends: a thing a user started (a task's run, a chat ticket)
reaches a terminal state even when its consumer could never record one, because it timed
out or crashed on every receive. The archiver calls the settler of the message's work
queue once per message (its own idempotency), before keeping the message as an item.

A settler takes the message's payload (the parsed body) and moves what it names to its
failed state if it is not terminal yet: conditional, so a message the consumer did settle
before failing changes nothing. It must not raise for a payload it does not recognise.
"""

from __future__ import annotations

from typing import Any

from shared.dead_letter.archive import origin_of


def settle(queue_key: str, payload: Any) -> None:
    """Run the settler of the work queue whose dead-letter queue is `queue_key`, if any.

    One branch per work queue whose messages stand for something a user waits on; the
    imports are static (packaging follows them) and local (only a dying message pays)."""
    origin = origin_of(queue_key)
    if origin is None:
        return
    if origin == "chat-tickets":
        from shared.chat.runner import settle_dead_letter as settle_ticket

        settle_ticket(payload)
    elif origin == "task-runs":
        from shared.tasks.runs import settle_dead_letter as settle_task

        settle_task(payload)
    elif origin == "workflow-steps":
        from shared.workflows.runs import settle_dead_letter as settle_step

        settle_step(payload)
    elif origin == "team-wipes":
        from shared.team_wipe_store import settle_dead_letter as settle_wipe

        settle_wipe(payload)
    elif origin == "discovery-runs":
        from shared.discovery.runner import settle_dead_letter as settle_run

        settle_run(payload)
