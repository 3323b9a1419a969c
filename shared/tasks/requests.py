"""The bodies that make and change a task: the tasks group takes them, and so does
anything else that creates a task the same way (a workflow's agent_task step)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.request_fields import DateTimeText, omittable, refuse_nulls, trimmed
from shared.tasks.domain import Priority

MAX_INSTRUCTIONS = 20_000
MAX_TOOLS = 50
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Title = Annotated[str, trimmed(200)]
Description = Annotated[str, StringConstraints(max_length=2_000)]
Instructions = Annotated[str, StringConstraints(min_length=1, max_length=MAX_INSTRUCTIONS)]
Tool = Annotated[str, trimmed(100)]
Tools = Annotated[list[Tool], Field(max_length=MAX_TOOLS)]
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class TaskCreate(BaseModel):
    """POST /tasks."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    title: Title
    description: Description = ""
    instructions: Instructions
    priority: Priority = "medium"
    agent_id: EntityId | None = Field(
        default=None,
        description="one of the team's agents: it runs the task (on its worker, if it has "
        "one); left out, the task waits for a person or a board's agent",
    )
    deadline: DateTimeText | None = None
    required_tools: Tools = Field(default_factory=list)
    board_id: EntityId | None = Field(default=None, description="one of the team's boards")

    @model_validator(mode="after")
    def _tools_once(self) -> Self:
        self.required_tools = list(dict.fromkeys(self.required_tools))
        return self


class TaskUpdate(BaseModel):
    """PATCH /tasks/{id}: only the fields given change; none may be null. `agent_id` may be
    set only on a pending task (it then runs)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    title: Title = omittable()
    description: Description = omittable()
    instructions: Instructions = omittable()
    priority: Priority = omittable()
    agent_id: EntityId = omittable()
    deadline: DateTimeText = omittable()
    required_tools: Tools = omittable()
    board_id: EntityId = omittable()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return refuse_nulls(data)

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}
