"""What the cost pages read besides the shared ledger: display names and recent rollups.

    jobs table:      pk = TEAM#<team>  sk = JOB#<job id>       a job's slug (by-job pages)
    agents table:    pk = TEAM#<team>  sk = AGENT#<agent id>   an agent's name (by-agent pages)
    costs table:     pk = TEAM#<team>  sk = ROLLUP#JOB#<job>   the newest jobs' rollups

Names are read with one BatchGetItem per page, projected to the two attributes needed (a job
item holds its whole document). Every key is under the caller's team.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.agents.models import AgentItem, agent_key
from shared.costs.models import RollupItem, micros_to_usd, rollup_prefix
from shared.costs.summaries import CostLine
from shared.db.base import storage_errors, team_partition
from shared.jobs.models import JobItem, job_key


def job_slugs(team_id: str, job_ids: Iterable[str]) -> dict[str, str]:
    """Slug by job id for the team's jobs among `job_ids` (a deleted job is absent)."""
    partition, wanted = team_partition(team_id), sorted(set(job_ids))
    found: dict[str, str] = {}
    with storage_errors("job"):
        # PynamoDB pages the keys by 100 and retries unprocessed ones.
        keys = [(partition, job_key(job_id)) for job_id in wanted]
        for item in JobItem.batch_get(keys, attributes_to_get=["job_id", "slug"]):
            found[item.job_id] = item.slug
    return found


def agent_names(team_id: str, agent_ids: Iterable[str]) -> dict[str, str]:
    """Name by agent id for the team's agents among `agent_ids`, deleted ones included: their
    costs stay on the books under the name they had."""
    partition, wanted = team_partition(team_id), sorted(set(agent_ids))
    found: dict[str, str] = {}
    with storage_errors("agent"):
        keys = [(partition, agent_key(agent_id)) for agent_id in wanted]
        for item in AgentItem.batch_get(keys, attributes_to_get=["agent_id", "name"]):
            found[item.agent_id] = item.name
    return found


def recent_job_lines(team_id: str, count: int) -> list[CostLine]:
    """The rollups of the team's `count` newest jobs (job ids sort by time), newest first:
    one Query reading at most `count` items."""
    with storage_errors("cost"):
        items = RollupItem.query(
            team_partition(team_id),
            RollupItem.sk.startswith(rollup_prefix("JOB")),
            scan_index_forward=False,
            limit=count,
        )
        return [
            CostLine(
                name=item.label,
                cost_usd=micros_to_usd(int(item.cost_micros)),
                calls=int(item.calls),
                tokens_in=None if item.tokens_in is None else int(item.tokens_in),
                tokens_out=None if item.tokens_out is None else int(item.tokens_out),
                last_call_at=item.updated_at,
            )
            for item in items
        ]
