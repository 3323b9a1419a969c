"""Every queue is a dead-letter source and a retry target wherever one is named: the
domain, the API's schema and the CLI's choices list the same keys as shared.queues."""

from __future__ import annotations

from typing import get_args

from functions.dead_letter.schemas import QueueKey
from shared.dead_letter.domain import SOURCES
from shared.queues import QUEUES
from tools.cli.__main__ import DEAD_LETTER_SOURCES


def test_each_queue_is_a_source_and_a_retry_target_everywhere() -> None:
    queues = [spec.key for spec in QUEUES]
    assert sorted(get_args(QueueKey)) == sorted(queues)
    assert sorted(SOURCES) == sorted([*queues, "bus", "manual"])
    assert sorted(DEAD_LETTER_SOURCES) == sorted(SOURCES)
