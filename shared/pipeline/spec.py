"""What a generation job is asked to build: the spec every phase and provider reads."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Targets the factory builds. `android` and `ios` are both served by one Flutter project.
PLATFORMS: tuple[str, ...] = ("web", "python-api", "android", "ios")
Target = Literal["web", "python-api", "flutter"]
Style = Literal["modern", "minimal", "playful", "corporate", "dark"]
Backend = Literal["none", "rest", "firebase", "supabase"]
STYLES: tuple[str, ...] = get_args(Style)
BACKENDS: tuple[str, ...] = get_args(Backend)

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, max_length: int = 48) -> str:
    slug = _SLUG.sub("-", text.lower()).strip("-")[:max_length].strip("-")
    return slug or "app"


def split_list(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """`"auth, notes"` and `["auth", "notes"]` alike become a list of clean names."""
    parts = value.split(",") if isinstance(value, str) else [str(part) for part in value]
    return [part.strip() for part in parts if part.strip()]


class JobSpec(BaseModel):
    """The normalized request: what the `create` phase writes and every later phase reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    platforms: tuple[str, ...] = ("android", "ios")
    style: str = "modern"
    backend: str = "none"
    features: tuple[str, ...] = ()
    slug: str

    @field_validator("features", mode="before")
    @classmethod
    def _features(cls, value: object) -> object:
        if isinstance(value, str | list | tuple):
            return tuple(dict.fromkeys(slugify(item, max_length=40) for item in split_list(value)))
        return value

    @property
    def target(self) -> Target:
        """The one project the platforms call for (a mobile platform means Flutter)."""
        if "web" in self.platforms:
            return "web"
        if "python-api" in self.platforms:
            return "python-api"
        return "flutter"
