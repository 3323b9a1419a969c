"""Response shapes of the health routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HealthStatus(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Literal["ok"]
    version: str


class ReadinessStatus(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Literal["ready", "not_ready"]
    error: str | None = None
    checked: list[str]


class ApiInfo(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Literal["ok"]
    service: str
    version: str
    docs_url: str
    # The WebSocket URL of live events (`WS /ws`); null where none is served.
    live_url: str | None
