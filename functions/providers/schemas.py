"""The providers group's API shapes: the provider shapes are the registry's own; models
and breakers are listed in the group's envelopes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.llm.breaker import BreakerSnapshot
from shared.llm.registry import (
    ProviderCheck,
    ProviderCreate,
    ProviderKind,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared.llm.registry.schemas import NAME_PATTERN

__all__ = [
    "NAME_PATTERN",
    "BreakerList",
    "BreakerSnapshot",
    "ModelList",
    "ModelPublic",
    "ProviderCheck",
    "ProviderCreate",
    "ProviderPublic",
    "ProviderUpdate",
    "ProviderUpsert",
]


class ModelPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    provider: str
    kind: ProviderKind
    id: str
    label: str
    input_usd_per_million: float | None = Field(
        description="USD per million input tokens; null: the catalog does not know the model"
    )
    output_usd_per_million: float | None = Field(
        description="USD per million output tokens; null: the catalog does not know the model"
    )
    aliases: list[str]
    default: bool = Field(description="the provider's default model")


class ModelList(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[ModelPublic]
    total: int
    prices_published: str = Field(description="when the catalog's prices were last checked")


class BreakerList(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[BreakerSnapshot]
    total: int
