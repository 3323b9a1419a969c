"""Request and response shapes of /marketplace (seed 003 Marketplace)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.marketplace.domain import CATEGORIES, KEY_PATTERN, Category
from shared.pagination import PageParams

MAX_PARAMETERS = 20

ParameterName = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=64)]
ParameterValue = Annotated[str, StringConstraints(max_length=200)]


class TemplateListParams(PageParams):
    """GET /marketplace/templates: a page of the templates of one category, whose text
    holds `search`, or both."""

    category: Category | None = Field(default=None, description=f"one of {', '.join(CATEGORIES)}")
    search: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None,
        description="words the name, summary, description, category or a tag hold "
        "(case-insensitive)",
    )


class TemplateInstall(BaseModel):
    """POST /marketplace/templates/{id}/install: the template's parameters by name."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    parameters: Annotated[dict[ParameterName, ParameterValue], Field(max_length=MAX_PARAMETERS)] = (
        Field(
            default_factory=dict,
            description="values of the parameters the template declares (GET the template); "
            "one it does not declare, a required one left out or a value that breaks its "
            "rule is 422",
        )
    )


class ParameterPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    name: str
    description: str
    required: bool
    default: str | None
    pattern: str
    example: str | None


class TemplateContents(BaseModel):
    """How many objects installing makes."""

    agents: int
    workflows: int
    triggers: int


class TemplatePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    category: str
    summary: str
    tags: list[str]
    parameters: list[ParameterPublic]
    contents: TemplateContents


class CreatedIds(BaseModel):
    """The ids of the objects the install made, in the template's order."""

    agents: list[str]
    workflows: list[str]
    triggers: list[str]


class InstallPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    template_id: str
    status: Literal["installing", "installed"]
    parameters: dict[str, str]
    installed_at: datetime | None
    created: CreatedIds


class TemplateDetail(TemplatePublic):
    """A template whole: what each object it makes will be (`${param.NAME}`,
    `${agent.KEY}` and `${workflow.KEY}` are filled in at install), and the team's install
    of it, if any."""

    description: str
    agents: list[dict[str, Any]]
    workflows: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    install: InstallPublic | None
