"""What the settings group reads and writes beyond shared.team_settings, all under the team:

    costs table:      sk = BUDGET              the daily limit and alert thresholds (written)
    jobs table:       sk = JOB#<id>            a job's status (projected)
                      sk = PROJECT#<id>        a project's status (inside its JSON document)
    agents table:     sk = AGENT#<id>          a live agent's provider and model (projected)
    providers table:  sk = PROVIDER#<name>     enabled and default model (projected)

Every read is a Query (or a Query with Select=COUNT) on the team's partition and one key
range, projected to the attributes used: a job item holds its whole document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pynamodb.expressions.condition import Condition

from shared.agents.models import AGENT_PREFIX, AgentItem
from shared.costs.budgets import DEFAULT_THRESHOLDS, Budget
from shared.costs.models import BUDGET, BudgetItem, micros_to_usd, usd_to_micros
from shared.db.base import storage_errors, team_partition
from shared.errors import Conflict, NotFound
from shared.ids import utcnow
from shared.jobs.models import JobItem, job_key
from shared.jobs.project_models import ProjectItem, project_key

# A budget change that lost a race with another write is read and applied again this often.
UPDATE_ATTEMPTS = 3


def _usd(micros: int | float | None) -> float | None:
    return None if micros is None else micros_to_usd(int(micros))


def _to_budget(item: BudgetItem) -> Budget:
    return Budget(
        monthly_limit=_usd(item.monthly_limit_micros),
        daily_limit=_usd(item.daily_limit_micros),
        alert_thresholds=sorted(int(t) for t in item.alert_thresholds or ()),
        updated_at=item.updated_at,
    )


def _stored_budget(partition: str) -> BudgetItem | None:
    """The budget item as last written (a consistent read: the version must be current)."""
    try:
        with storage_errors("budget"):
            return BudgetItem.get(partition, BUDGET, consistent_read=True)
    except NotFound:
        return None


def update_budget(team_id: str, changes: Mapping[str, Any]) -> Budget:
    """Change only the budget attributes named in `changes` (`daily_limit` in USD or None,
    `alert_thresholds` as percents), keeping the others as stored.

    Read (consistent), change, and write on condition that the item is as read: its
    `updated_at` unchanged (every budget write sets it; the version cannot tell, since
    PUT /costs/budget writes a fresh item, version 1, each time), or still absent. A write
    in between is never lost: this change is applied again to what it wrote. A team with
    no budget yet gets one with the default thresholds, as an absent budget reads.
    """
    partition = team_partition(team_id)
    for attempt in range(1, UPDATE_ATTEMPTS + 1):
        stored = _stored_budget(partition)
        as_read: Condition
        if stored is None:
            item = BudgetItem(
                partition, BUDGET, team_id=team_id, alert_thresholds=set(DEFAULT_THRESHOLDS)
            )
            as_read = BudgetItem.sk.does_not_exist()
        else:
            item, as_read = stored, BudgetItem.updated_at == stored.updated_at
        if "daily_limit" in changes:
            limit = changes["daily_limit"]
            item.daily_limit_micros = None if limit is None else usd_to_micros(limit)
        if "alert_thresholds" in changes:
            item.alert_thresholds = set(changes["alert_thresholds"]) or None  # no empty sets
        item.updated_at = utcnow()
        try:
            with storage_errors("budget"):
                item.save(as_read, add_version_condition=False)
        except Conflict:
            if attempt == UPDATE_ATTEMPTS:
                raise
            continue
        return _to_budget(item)
    raise AssertionError("unreachable")


def job_status_counts(team_id: str) -> Counter[str]:
    """How many of the team's jobs are in each status."""
    with storage_errors("job"):
        items = JobItem.query(
            team_partition(team_id),
            JobItem.sk.startswith(job_key("")),
            attributes_to_get=["status"],
        )
        return Counter(item.status for item in items)


def project_status_counts(team_id: str) -> Counter[str]:
    """How many of the team's projects are in each status (from their JSON documents)."""
    with storage_errors("project"):
        items = ProjectItem.query(
            team_partition(team_id),
            ProjectItem.sk.startswith(project_key()),
            attributes_to_get=["document"],
        )
        return Counter(str(item.document.get("status", "unknown")) for item in items)


def live_agent_models(team_id: str) -> list[tuple[str, str]]:
    """(provider, model) of each of the team's agents that is not deleted."""
    with storage_errors("agent"):
        items = AgentItem.query(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=AgentItem.deleted_at.does_not_exist(),
            attributes_to_get=["llm_provider", "llm_model"],
        )
        return [(item.llm_provider, item.llm_model) for item in items]


def provider_models(team_id: str) -> list[tuple[str, bool, str]]:
    """(name, enabled, default model) of each of the team's providers."""
    # Imported here: the provider store's package brings the provider clients (httpx), which
    # only these two reads need.
    from shared.llm.store.models import ProviderItem, provider_key

    with storage_errors("provider"):
        items = ProviderItem.query(
            team_partition(team_id),
            ProviderItem.sk.startswith(provider_key()),
            attributes_to_get=["name", "enabled", "default_model"],
        )
        return [(item.name, bool(item.enabled), item.default_model) for item in items]


def count_jobs(team_id: str) -> int:
    with storage_errors("job"):
        return JobItem.count(team_partition(team_id), JobItem.sk.startswith(job_key("")))


def count_agents(team_id: str) -> int:
    """The team's agents, deleted ones left out."""
    with storage_errors("agent"):
        return AgentItem.count(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=AgentItem.deleted_at.does_not_exist(),
        )


def count_providers(team_id: str) -> int:
    from shared.llm.store.models import ProviderItem, provider_key

    with storage_errors("provider"):
        return ProviderItem.count(
            team_partition(team_id), ProviderItem.sk.startswith(provider_key())
        )
