"""What the settings group reads beyond shared.team_settings and the budget, all under the
team (the budget's daily limit and thresholds are written by shared.costs.budgets):

    jobs table:       sk = JOB#<id>            a job's status (projected)
                      sk = PROJECT#<id>        a project's status (inside its JSON document)
    agents table:     sk = AGENT#<id>          a live agent's provider and model (projected)
    providers table:  sk = PROVIDER#<name>     enabled and default model (projected)

Every read is a Query (or a Query with Select=COUNT) on the team's partition and one key
range, projected to the attributes used: a job item holds its whole document.
"""

from __future__ import annotations

from collections import Counter

from shared.agents.models import AGENT_PREFIX, AgentItem
from shared.db.base import storage_errors, team_partition
from shared.jobs.models import JobItem, job_key
from shared.jobs.project_models import ProjectItem, project_key


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
    from shared.llm.registry.models import ProviderItem, provider_key

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
    from shared.llm.registry.models import ProviderItem, provider_key

    with storage_errors("provider"):
        return ProviderItem.count(
            team_partition(team_id), ProviderItem.sk.startswith(provider_key())
        )
