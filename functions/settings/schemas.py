"""Answers of the settings group besides the settings themselves (shared.team_settings'
`TeamSettings` is answered as it is)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, field_validator
from pydantic.fields import FieldInfo

from shared import team_settings_categories as categories
from shared.costs.amounts import MAX_THRESHOLDS, Percent, Usd
from shared.llm.provider_names import PROVIDER_NAME_CHAR as _NAME_CHAR
from shared.numbers import JSON_NUMBER
from shared.pipeline.definition import GATEABLE_PHASES
from shared.request_fields import NOT_SPACE, SPACE, omittable


class StatusCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)

    jobs: int
    providers: int
    agents: int = Field(description="agents that are not deleted")


class SystemStatus(BaseModel):
    """What runs the API, by logical name; no secret and no secret's name."""

    model_config = ConfigDict(defer_build=True)

    status: str = "ok"
    version: str
    stage: str
    queue_backend: str = Field(description="what runs generation jobs")
    tables: dict[str, str] = Field(description="DynamoDB table name by logical key")
    buckets: dict[str, str] = Field(description="S3 bucket name by logical key")
    event_bus: str
    counts: StatusCounts = Field(description="the caller's team's")


class Kpis(BaseModel):
    """The team's dashboard figures (seed 001's names, with the jobs' beside them)."""

    model_config = ConfigDict(defer_build=True)

    total_projects: int
    status_breakdown: dict[str, int] = Field(description="projects by status")
    total_jobs: int
    job_status_breakdown: dict[str, int] = Field(description="jobs by status")
    success_rate: float | None = Field(
        description="percent of finished jobs that passed (cancelled ones left out); "
        "null until a job has passed or failed"
    )
    total_cost: float = Field(description="USD spent on LLM calls, all time")
    month_cost_usd: float = Field(description="USD spent this UTC month")
    total_calls: int
    active_providers: int = Field(description="providers that are enabled")
    active_models: int = Field(
        description="distinct provider and model pairs in use: enabled providers' default "
        "models and the models of agents on an enabled provider"
    )


# Numbers in a settings patch may also come as text (seed 001 sends "3"), but only as the
# plain decimals in range that these patterns state, so the document is exact; the
# service converts them and stores them typed.
_DIGITS_0_10 = r"^(?:[0-9]|10)$"
_DIGITS_1_100 = r"^(?:[1-9][0-9]?|100)$"
_DIGITS_5_3600 = r"^(?:[5-9]|[1-9][0-9]{1,2}|[12][0-9]{3}|3[0-5][0-9]{2}|3600)$"
# USD 0 to 1e9; blank (or null) clears the limit.
# White space as the service strips it (shared.request_fields.SPACE: the same in every
# regex dialect).
_USD_TEXT = rf"^{SPACE}*(?:[0-9]{{1,9}}(?:\.[0-9]+)?|1000000000(?:\.0+)?)?{SPACE}*$"
# '<provider>:<model>' (or '/'), as shared.team_settings.parse_model_ref reads it; blank clears.
_MODEL_REF = rf"^{SPACE}*(?:{_NAME_CHAR}{{1,64}}[:/]{NOT_SPACE}{{1,200}})?{SPACE}*$"
# A provider name (shared.llm.provider_names.PROVIDER_NAME_PATTERN), or blank to clear it.
_PROVIDER_OR_BLANK = rf"^(?:{_NAME_CHAR}{{1,64}}|{SPACE}*)$"


RepairAttempts = (
    Annotated[int, Field(ge=0, le=10), JSON_NUMBER]
    | Annotated[str, StringConstraints(pattern=_DIGITS_0_10)]
)
OneToHundred = Percent | Annotated[str, StringConstraints(pattern=_DIGITS_1_100)]
CooldownSeconds = (
    Annotated[int, Field(ge=5, le=3600), JSON_NUMBER]
    | Annotated[str, StringConstraints(pattern=_DIGITS_5_3600)]
)
UsdText = Annotated[str, StringConstraints(pattern=_USD_TEXT)]
ModelRefText = Annotated[str, StringConstraints(pattern=_MODEL_REF)]
ProviderOrBlank = Annotated[str, StringConstraints(pattern=_PROVIDER_OR_BLANK)]
GatePhase = Annotated[str, Field(json_schema_extra={"enum": list(GATEABLE_PHASES)})]


class SettingsPatch(BaseModel):
    """The settings to change, by name; the others keep their values.

    daily_cost_limit and budget_alert_thresholds are the team budget's daily_limit and
    alert_thresholds (PUT /costs/budget). null, or a blank text, clears a nullable setting.
    """

    model_config = ConfigDict(extra="forbid")

    daily_cost_limit: Usd | UsdText | None = Field(
        default=None, description="USD per UTC day; null or blank: no limit"
    )
    smart_model_fallback: ModelRefText | None = Field(
        default=None, description="'<provider>:<model>' tried when the agent's model fails"
    )
    max_repair_attempts: RepairAttempts = omittable()
    default_provider: ProviderOrBlank | None = Field(
        default=None, description="a provider name of the team"
    )
    approval_gates: list[GatePhase] = omittable(
        description="phases a new job waits for approval after"
    )
    on_reject: Literal["fail", "revise"] = omittable()
    breaker_failure_threshold: OneToHundred = omittable()
    breaker_cooldown_seconds: CooldownSeconds = omittable()
    budget_alert_thresholds: list[OneToHundred] = omittable(max_length=MAX_THRESHOLDS)

    @field_validator("approval_gates")
    @classmethod
    def _gates(cls, value: list[str]) -> list[str]:
        unknown = [phase for phase in value if phase not in GATEABLE_PHASES]
        if unknown:
            raise ValueError(f"approval gates must be among {', '.join(GATEABLE_PHASES)}")
        return value

    def changes(self) -> dict[str, Any]:
        """The settings sent, as sent (text and all): the service checks and converts."""
        return {name: getattr(self, name) for name in self.model_fields_set}


# --- settings by category and key (seed 003) ------------------------------------------


class SettingUpdate(BaseModel):
    """One setting's new value: as POST /settings takes it (a number or its plain text;
    null or a blank text clears a nullable setting)."""

    model_config = ConfigDict(extra="forbid")

    value: Any = Field(description="the setting's value, typed as GET /settings/categories shows")


class SettingValue(BaseModel):
    """One setting as it now is."""

    model_config = ConfigDict(defer_build=True)

    category: str
    key: str
    value: Any


def _by_dotted_name(name: str, info: FieldInfo) -> tuple[Any, Any]:
    """SettingsPatch's field `name` under its `<category>.<key>`, typed the same."""
    annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    field = Field(
        default=None,
        alias=categories.dotted(name),
        description=info.description,
        json_schema_extra=info.json_schema_extra,
    )
    return annotation, field


# The settings by `<category>.<key>`, each typed as POST /settings types it, no other key:
# the document states every rule, and a body breaking several names each in its 422.
BulkSettings: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "BulkSettings",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Settings by '<category>.<key>'; the others keep their values.",
    **{name: _by_dotted_name(name, info) for name, info in SettingsPatch.model_fields.items()},
)


class SettingsBulk(BaseModel):
    """Several settings at once, by `<category>.<key>`: all are applied or none."""

    model_config = ConfigDict(extra="forbid")

    settings: BulkSettings = Field(  # type: ignore[valid-type]
        description='{"<category>.<key>": value, ...}; each unknown key or bad value is '
        "named in the 422, and then nothing is changed"
    )

    def changes(self) -> dict[str, Any]:
        """The settings sent, by `<category>.<key>`, as sent."""
        sent: BaseModel = self.settings
        return {categories.dotted(name): getattr(sent, name) for name in sent.model_fields_set}


# --- wipe (seed 001) --------------------------------------------------------------------


class WipeRequest(BaseModel):
    """The team's id or its name, typed out: what makes a wipe deliberate."""

    model_config = ConfigDict(extra="forbid")

    confirm: str = Field(min_length=1, max_length=200, description="the team's id or name")


class WipeAccepted(BaseModel):
    """A wipe queued: follow it at GET /settings/wipe/{wipe_id}."""

    model_config = ConfigDict(defer_build=True)

    wipe_id: str
    status: str
