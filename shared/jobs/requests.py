"""The body of `POST /jobs`, a new generation job's request: the jobs group's routes take
it, and so does anything else that starts a job the same way (a trigger's start_job
action), which is why it lives here and not in the group's schemas."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.numbers import JSON_NUMBER
from shared.pipeline.definition import GATEABLE_PHASES
from shared.pipeline.spec import PLATFORMS, Backend, Style, split_list

_MOBILE = ("android", "ios")
# What `platform` takes, as the document states it: one target by name (android and ios
# also together), or a list of one target or of the two mobile ones. Web and python-api
# are each built alone.
PLATFORM_CHOICES = (*PLATFORMS, "android,ios", "ios,android")
_PLATFORM_GROUPS: tuple[tuple[str, ...], ...] = (("web",), ("python-api",), _MOBILE)


def _platform_schema(schema: dict[str, Any]) -> None:
    schema.pop("anyOf", None)
    schema["anyOf"] = [
        {"type": "string", "enum": list(PLATFORM_CHOICES)},
        *(
            {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(group)}}
            for group in _PLATFORM_GROUPS
        ),
    ]


def _enum_of(names: tuple[str, ...]) -> Any:
    """A string field documented as one of `names` (a validator holds the rule)."""
    return Field(json_schema_extra={"enum": list(names)})


GatePhase = Annotated[str, _enum_of(GATEABLE_PHASES)]


class JobCreate(BaseModel):
    # Not deferred: FastAPI builds a required body's schema at once anyway, and a deferred
    # one makes it warn about an alias it attaches.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    platform: str | list[str] = Field(
        default="android,ios",
        description="web, python-api, android, ios, or android and ios together",
        json_schema_extra=_platform_schema,
    )
    style: Style = "modern"
    backend: Backend = "none"
    features: str | list[str] = Field(default="", description="comma-separated or a list")
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
    project_id: str | None = Field(default=None, max_length=64)
    approval_gates: list[GatePhase] | None = Field(
        default=None,
        description=f"phases to approve, from {', '.join(GATEABLE_PHASES)}; "
        "left out: the team's approval_gates setting",
    )
    max_repair_attempts: Annotated[int, Field(ge=0, le=10), JSON_NUMBER] | None = Field(
        default=None, description="left out: the team's max_repair_attempts setting"
    )

    @field_validator("platform")
    @classmethod
    def _platforms(cls, value: str | list[str]) -> list[str]:
        # Exactly what the document's `platform` schema allows, no more.
        if isinstance(value, str):
            if value not in PLATFORM_CHOICES:
                raise ValueError(
                    f"platform must be one of {', '.join(PLATFORM_CHOICES)}; got {value!r}"
                )
            return list(dict.fromkeys(value.split(",")))
        platforms = list(dict.fromkeys(value))
        if not any(platforms and set(platforms) <= set(group) for group in _PLATFORM_GROUPS):
            raise ValueError(
                f"platform must be among {', '.join(PLATFORMS)}; got {platforms or 'none'}: "
                "web and python-api are built alone; android and ios alone or together"
            )
        return platforms

    @field_validator("features")
    @classmethod
    def _features(cls, value: str | list[str]) -> list[str]:
        features = split_list(value)
        if len(features) > 20:
            raise ValueError("at most 20 features")
        if any(len(feature) > 40 for feature in features):
            raise ValueError("a feature name is at most 40 characters")
        return features

    @field_validator("approval_gates")
    @classmethod
    def _gates(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [phase for phase in value if phase not in GATEABLE_PHASES]
        if unknown:
            raise ValueError(
                f"approval gates must be among {', '.join(GATEABLE_PHASES)}; "
                f"got {', '.join(unknown)}"
            )
        return list(dict.fromkeys(value))
