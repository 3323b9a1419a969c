"""Response shapes of /analytics, /exports and /metrics (seed 003)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.analytics.service import DEFAULT_AGENT_DAYS, MAX_DAYS
from shared.pagination import PageParams


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True)


class TaskFigures(_Model):
    created: int = Field(description="tasks created in the window")
    completed: int = Field(description="tasks that ended completed in the window")
    failed: int
    cancelled: int
    success_rate: float | None = Field(
        description="completed / (completed + failed); null when none ended either way"
    )
    avg_run_seconds: float | None = Field(
        description="from start to end, over the ended tasks that had started"
    )
    tokens: int = Field(description="tokens the ended tasks used")
    cost_usd: float = Field(description="what the ended tasks cost")


class TaskOverview(TaskFigures):
    by_status: dict[str, int] = Field(description="the team's tasks in each status now")
    total: int


class JobOverview(_Model):
    by_status: dict[str, int] = Field(description="the team's jobs in each status now")
    total: int


class LlmSpend(_Model):
    calls: int
    cost_usd: float
    tokens_in: int
    tokens_out: int


class AgentCount(_Model):
    total: int


class AnalyticsOverview(_Model):
    days: int
    from_date: date
    to_date: date
    tasks: TaskOverview
    jobs: JobOverview
    llm: LlmSpend = Field(description="LLM calls in the window, from the cost ledger")
    agents: AgentCount


class TimelinePoint(_Model):
    date: date
    created: int
    completed: int
    failed: int
    cancelled: int


class TaskTimeline(_Model):
    days: int
    from_date: date
    to_date: date
    points: list[TimelinePoint] = Field(description="one per day, oldest first")


class AgentAnalyticsParams(PageParams):
    """GET /analytics/agents: a page of the team's agents, their tasks over `days`."""

    days: int = Field(
        default=DEFAULT_AGENT_DAYS,
        ge=1,
        le=MAX_DAYS,
        description="the last N UTC days, today included",
    )


class AgentTaskFigures(_Model):
    assigned: int = Field(description="tasks given to the agent in the window")
    completed: int
    failed: int
    cancelled: int
    success_rate: float | None
    avg_run_seconds: float | None
    tokens: int
    cost_usd: float


class AgentPerformance(_Model):
    agent_id: str
    name: str
    role: str
    status: str
    tasks: AgentTaskFigures = Field(description="its tasks in the window")
    llm: LlmSpend = Field(description="its LLM calls to date (tasks, jobs, tests, chats)")


class WorkerLoad(_Model):
    worker_id: str
    name: str
    hostname: str
    status: str
    is_approved: bool
    max_agents: int
    running_tasks: int
    task_utilization_percent: float | None = Field(description="running_tasks / max_agents")
    cpu_usage_percent: float | None = Field(description="as of the last heartbeat")
    memory_usage_percent: float | None
    disk_usage_percent: float | None
    last_heartbeat_at: datetime | None


class WorkerUtilization(_Model):
    workers: int
    online: int
    capacity: int = Field(description="max_agents summed over online workers")
    running_tasks: int = Field(description="tasks running on online workers")
    task_utilization_percent: float | None
    avg_cpu_usage_percent: float | None = Field(description="over online workers with metrics")
    avg_memory_usage_percent: float | None
    avg_disk_usage_percent: float | None
    items: list[WorkerLoad]


class ExportLink(_Model):
    url: str = Field(description="a presigned GET of the file")
    expires_in: int = Field(description="seconds the URL stays valid")
    rows: int
    bytes: int
