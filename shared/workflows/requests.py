"""The bodies that make and change workflows and their steps."""

from __future__ import annotations

import json
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from shared.request_fields import omittable, trimmed
from shared.workflows.domain import StepType

MAX_CONFIG_BYTES = 4_096
MAX_DEPENDENCIES = 40
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Name = Annotated[str, trimmed(200)]
Description = Annotated[str, StringConstraints(max_length=2_000)]
# A dependency names another step of the workflow by its id or by its (unique) name.
StepRef = Annotated[str, trimmed(200)]
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


def _small(config: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(config, separators=(",", ":"))) > MAX_CONFIG_BYTES:
        raise ValueError(f"config is larger than {MAX_CONFIG_BYTES} bytes as JSON")
    return config


class WorkflowCreate(BaseModel):
    """POST /workflows."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    description: Description = ""
    is_template: StrictBool = False
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _config_small(self) -> Self:
        _small(self.config)
        return self


class StepCreate(BaseModel):
    """POST /workflows/{id}/steps. `config` by type: agent_task `{instructions, priority?}`
    (with `agent_id`), approval `{title?, payload?}`, webhook `{url, body?}`, wait
    `{seconds}`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    step_type: StepType
    order: int = Field(default=0, ge=0, le=10_000)
    config: dict[str, Any] = Field(default_factory=dict)
    agent_id: EntityId | None = None
    depends_on: list[StepRef] = Field(default_factory=list, max_length=MAX_DEPENDENCIES)

    @model_validator(mode="after")
    def _by_type(self) -> Self:
        _small(self.config)
        config = self.config
        if self.step_type == "agent_task":
            if self.agent_id is None:
                raise ValueError("an agent_task step needs agent_id")
            if not isinstance(config.get("instructions"), str) or not config["instructions"]:
                raise ValueError("an agent_task step needs config.instructions")
        elif self.step_type == "webhook":
            if not isinstance(config.get("url"), str):
                raise ValueError("a webhook step needs config.url")
        elif self.step_type == "wait":
            seconds = config.get("seconds")
            if type(seconds) is not int or not 0 <= seconds <= 7 * 24 * 3600:
                raise ValueError("a wait step needs config.seconds, 0 to 604800")
        self.depends_on = list(dict.fromkeys(self.depends_on))
        return self


class StepUpdate(BaseModel):
    """PATCH /workflows/{id}/steps/{step_id}: only the fields given change."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name = omittable()
    order: int = omittable(ge=0, le=10_000)
    depends_on: list[StepRef] = omittable(max_length=MAX_DEPENDENCIES)
