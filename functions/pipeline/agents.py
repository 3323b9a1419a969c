"""Which provider and model answer a phase's agent.

Every job runs on the built-in offline provider until providers and per-phase agent
configuration arrive (issue "[4 of 4]"), which replace this with the router.
"""

from __future__ import annotations

from shared.jobs.domain import Job
from shared.llm.types import Provider
from shared.pipeline.definition import Phase

OFFLINE_MODEL = "offline-1"


def provider_for(job: Job, phase: Phase) -> tuple[Provider, str]:
    from shared.llm.offline import OfflineProvider

    return OfflineProvider(), OFFLINE_MODEL
