"""Request and response shapes of /workers and /admin/workers (seed 003)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.fleet.domain import WorkerStatus
from shared.numbers import JSON_NUMBER

# Worker and task ids in paths are ULIDs: `/workers/overview` is never read as one.
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Hostname = Annotated[str, StringConstraints(min_length=1, max_length=253)]
IpAddress = Annotated[
    str, StringConstraints(min_length=2, max_length=45, pattern=r"^[0-9A-Fa-f.:]+$")
]
OsInfo = Annotated[str, StringConstraints(max_length=500)]
Group = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# Stored as DynamoDB numbers, which hold no magnitude below 1e-130: a reading is kept to
# what it means (0.01 of a percent, a micro-dollar), so 2e-157 is 0, not a storage error.
Percent = Annotated[
    float, Field(ge=0, le=100), JSON_NUMBER, AfterValidator(lambda value: round(value, 2))
]
ResultText = Annotated[str, StringConstraints(max_length=100_000)]
ErrorText = Annotated[str, StringConstraints(max_length=10_000)]


class WorkerRegister(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    hostname: Hostname
    ip_address: IpAddress | None = None
    max_agents: Annotated[int, Field(ge=1, le=1000), JSON_NUMBER] = 1
    cpu_cores: Annotated[int, Field(ge=1, le=4096), JSON_NUMBER] | None = None
    memory_total_mb: Annotated[int, Field(ge=1, le=100_000_000), JSON_NUMBER] | None = None
    os_info: OsInfo | None = None


class WorkerHeartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    cpu_usage_percent: Percent
    memory_usage_percent: Percent
    disk_usage_percent: Percent


class WorkerApproval(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    is_approved: StrictBool
    group: Group | None = None


class WorkerTaskFinish(BaseModel):
    """What a worker reports when it is done with a task it claimed."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: Literal["completed", "failed"]
    result: ResultText | None = None
    error: ErrorText | None = None
    tokens: Annotated[int, Field(ge=0, le=100_000_000), JSON_NUMBER] | None = None
    cost_usd: (
        Annotated[
            float,
            Field(ge=0, le=1_000_000),
            JSON_NUMBER,
            AfterValidator(lambda value: round(value, 6)),
        ]
        | None
    ) = None


class WorkerMetrics(BaseModel):
    cpu_usage_percent: float
    memory_usage_percent: float
    disk_usage_percent: float


class WorkerPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    hostname: str
    ip_address: str | None
    max_agents: int
    cpu_cores: int | None
    memory_total_mb: int | None
    os_info: str | None
    status: WorkerStatus
    is_approved: bool
    group: str | None
    registered_by: str
    metrics: WorkerMetrics | None
    last_heartbeat_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FleetOverview(BaseModel):
    total: int
    online: int
    offline: int
    approved: int
    pending_approval: int
    agent_capacity: int = Field(description="max_agents summed over approved workers")
    avg_cpu_usage_percent: float | None = Field(description="over online workers with metrics")
    avg_memory_usage_percent: float | None
    avg_disk_usage_percent: float | None
