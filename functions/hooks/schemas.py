"""Answers of POST /hooks/{source_id}."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HookAccepted(BaseModel):
    """202: the message is queued; `id` is the event's id under the source."""

    model_config = ConfigDict(defer_build=True)

    id: str


class HookDuplicate(BaseModel):
    """200: this message id was accepted before with the same body: that acceptance's id."""

    model_config = ConfigDict(defer_build=True)

    id: str
    duplicate: Literal[True]
