"""A team's typed settings (GET/POST /settings, PATCH /system/settings): one item per team
(shared.team_settings_models), read and written by shared.team_settings_store.

Only the keys a team has set are stored, so a default changed here reaches every team that
never set it. An update merges the patch into what is stored, validates the whole, and
writes it on the version read: of two concurrent updates one wins and the other is a 409
(`Conflict`), never a silent loss. Values may come as strings (seed 001 sends
``"max_repair_attempts": "3"``); they are converted and stored typed.

Two settings are the team budget's values, not settings of their own (the budget, in the
costs table, is the one record of the team's limits: the router enforces it and PUT
/costs/budget replaces it):

    daily_cost_limit         is  budget.daily_limit
    budget_alert_thresholds  is  budget.alert_thresholds

`get_team_settings` answers the budget's values for them, whatever an older settings item
may hold, so every reader of the settings sees what the router enforces;
`update_team_settings` changes only those attributes of the budget
(`shared.costs.budget_updates`) and never writes them to the settings item. An update is
checked whole before anything is written; a storage failure between the two writes can
leave the first one done, and the same request again completes it.

DynamoDB per call: `get_team_settings` one BatchGetItem (settings and budget);
`update_team_settings` one GetItem (consistent) and one conditional PutItem, plus the
budget's read and conditional write when the patch names a budget-backed setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared import team_settings_store
from shared.costs import budget_store, budget_updates
from shared.costs.amounts import (
    MAX_THRESHOLDS,
    SettingPercent,
    SettingUsd,
    default_thresholds,
    sorted_thresholds,
)
from shared.costs.domain import Budget
from shared.db.batch import get_many
from shared.errors import Unprocessable
from shared.llm.provider_names import PROVIDER_NAME_PATTERN, ProviderName
from shared.observability import logger
from shared.pipeline.definition import DEFAULT_MAX_REPAIR_ATTEMPTS, GATEABLE_PHASES, PHASE_NAMES

_PROVIDER_NAME = re.compile(PROVIDER_NAME_PATTERN)
_MODEL_ID_MAX = 200
FALLBACK_FORMAT = (
    "smart_model_fallback must be '<provider>:<model>' (or '<provider>/<model>'), "
    "e.g. 'anthropic:claude-sonnet-4-5'"
)

# Setting name → the budget attribute that holds it.
BUDGET_BACKED: dict[str, str] = {
    "daily_cost_limit": "daily_limit",
    "budget_alert_thresholds": "alert_thresholds",
}


def parse_model_ref(value: str) -> tuple[str, str]:
    """(provider, model) of ``provider:model``; ``provider/model`` (seed 001's form) too.

    The provider is everything before the first ':' or '/' (provider names have neither);
    the model is the rest, which may hold either (Bedrock ids have ':', OpenRouter's '/').
    """
    text = value.strip()
    cut = min((at for at in (text.find(":"), text.find("/")) if at >= 0), default=-1)
    provider, model = (text[:cut], text[cut + 1 :]) if cut >= 0 else ("", "")
    if (
        not _PROVIDER_NAME.fullmatch(provider)
        or not model
        or len(model) > _MODEL_ID_MAX
        or any(char.isspace() for char in model)
    ):
        raise ValueError(FALLBACK_FORMAT)
    return provider, model


class TeamSettings(BaseModel):
    """Every setting with its default; a team's stored values replace the defaults."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    daily_cost_limit: SettingUsd | None = Field(
        default=None, description="USD a team may spend on LLM calls per UTC day; null: no limit"
    )
    smart_model_fallback: str | None = Field(
        default=None,
        description="'<provider>:<model>' tried when the agent's own model fails; null: none",
    )
    max_repair_attempts: int = Field(
        default=DEFAULT_MAX_REPAIR_ATTEMPTS,
        ge=0,
        le=10,
        description="repair rounds after qa before a job fails (jobs may set their own)",
    )
    default_provider: ProviderName | None = Field(
        default=None, description="provider for agents and calls that name none"
    )
    approval_gates: list[str] = Field(
        default_factory=list,
        description=f"phases a new job waits for approval after, from {', '.join(GATEABLE_PHASES)}",
    )
    on_reject: Literal["fail", "revise"] = Field(
        default="fail",
        description="a rejected approval fails the job, or sends the phase back to be redone",
    )
    breaker_failure_threshold: int = Field(
        default=5, ge=1, le=100, description="failures within a breaker window that open it"
    )
    breaker_cooldown_seconds: int = Field(
        default=30, ge=5, le=3600, description="how long an open breaker waits before a probe"
    )
    budget_alert_thresholds: list[SettingPercent] = Field(
        default_factory=default_thresholds,
        max_length=MAX_THRESHOLDS,
        description="percents of a limit at which an alert is sent",
    )

    @field_validator("daily_cost_limit", "smart_model_fallback", "default_provider", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Forms send "" for a cleared field; for these it means "no value". Otherwise the
        # text without the white space around it, as Python strips it (pydantic's number
        # parsing strips only ASCII's: "\x1e5\u202f" matched the schema and failed here).
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("smart_model_fallback")
    @classmethod
    def _model_ref(cls, value: str | None) -> str | None:
        if value is None:
            return None
        provider, model = parse_model_ref(value)
        return f"{provider}:{model}"

    @field_validator("approval_gates")
    @classmethod
    def _gates(cls, value: list[str]) -> list[str]:
        unknown = [phase for phase in value if phase not in GATEABLE_PHASES]
        if unknown:
            raise ValueError(
                f"approval gates must be among {', '.join(GATEABLE_PHASES)}; "
                f"got {', '.join(unknown)}"
            )
        return [phase for phase in PHASE_NAMES if phase in value]  # pipeline order, once each

    @field_validator("budget_alert_thresholds")
    @classmethod
    def _sorted_once(cls, value: list[int]) -> list[int]:
        return sorted_thresholds(value)

    @property
    def fallback(self) -> tuple[str, str] | None:
        """(provider, model) of `smart_model_fallback`, or None."""
        return (
            None
            if self.smart_model_fallback is None
            else parse_model_ref(self.smart_model_fallback)
        )

    def references_provider(self, name: str) -> bool:
        """Whether a setting names the provider `name` (for the provider store's delete)."""
        fallback = self.fallback
        return self.default_provider == name or (fallback is not None and fallback[0] == name)


SETTING_NAMES: tuple[str, ...] = tuple(TeamSettings.model_fields)


class InvalidSettings(Unprocessable):
    """A patch naming an unknown setting or giving a bad value (422). `errors` lists each
    problem as ``{loc, msg, type}`` without the submitted value."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.errors = errors

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidSettings:
        errors = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in errors
        )
        return cls(f"Invalid settings: {problems}", errors)


def _known(team_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """What is stored, less any key the code no longer knows or whose value it no longer
    accepts (a setting renamed or narrowed since): those fall back to their defaults."""
    known = {name: value for name, value in document.items() if name in TeamSettings.model_fields}
    try:
        TeamSettings.model_validate(known)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        known = {name: value for name, value in known.items() if name not in bad}
    dropped = sorted(set(document) - set(known))
    if dropped:
        logger.warning("stored settings ignored", extra={"team_id": team_id, "keys": dropped})
    return known


def _with_budget(settings: TeamSettings, budget: Budget) -> TeamSettings:
    return settings.model_copy(
        update={setting: getattr(budget, field) for setting, field in BUDGET_BACKED.items()}
    )


def get_team_settings(team_id: str) -> TeamSettings:
    """The team's settings: its stored values over the defaults (all defaults when none),
    the budget-backed ones from the budget. One BatchGetItem for both items."""
    read = get_many([team_settings_store.settings_key(team_id), budget_store.budget_key(team_id)])
    stored = team_settings_store.get_stored(team_id, read=read)
    document = {} if stored is None else _known(team_id, stored.document)
    settings = TeamSettings.model_validate(document)
    return _with_budget(settings, budget_store.get_budget(team_id, read=read))


def _checked_budget_part(patch: Mapping[str, Any]) -> dict[str, Any]:
    """The budget attributes `patch` changes, validated and normalized as settings."""
    part = {name: value for name, value in patch.items() if name in BUDGET_BACKED}
    try:
        checked = TeamSettings.model_validate(part)
    except ValidationError as exc:
        raise InvalidSettings.from_validation(exc) from exc
    return {BUDGET_BACKED[name]: getattr(checked, name) for name in part}


def update_team_settings(team_id: str, patch: Mapping[str, Any]) -> TeamSettings:
    """Merge `patch` into the team's settings and answer the result.

    An unknown key or a bad value is `InvalidSettings` (422) and nothing is written; a key
    set to null returns a nullable setting to "none". Another update that landed between
    this one's read and write makes it a `Conflict` (409): reload and retry. The
    budget-backed settings change the budget (a lost race there is read and applied again).
    """
    unknown = sorted(str(name) for name in patch if name not in TeamSettings.model_fields)
    if unknown:
        errors: list[dict[str, Any]] = [
            {"loc": [name], "msg": "Unknown setting", "type": "extra_forbidden"} for name in unknown
        ]
        raise InvalidSettings(
            f"Unknown setting(s): {', '.join(unknown)}; known: {', '.join(SETTING_NAMES)}", errors
        )
    budget_changes = _checked_budget_part(patch)
    own = {name: value for name, value in patch.items() if name not in BUDGET_BACKED}
    settings = _update_own(team_id, own) if own else None
    budget = budget_updates.update_budget(team_id, **budget_changes) if budget_changes else None
    if settings is None:  # nothing of the settings item's own to change: no write there
        current = get_team_settings(team_id)
        return current if budget is None else _with_budget(current, budget)
    return _with_budget(settings, budget or budget_store.get_budget(team_id))


def _update_own(team_id: str, patch: Mapping[str, Any]) -> TeamSettings:
    """Merge `patch` (known names, none budget-backed) into the settings item, written on
    the version read."""
    stored = team_settings_store.get_stored(team_id)  # consistent: the version is current
    document = _known(team_id, stored.document) if stored else {}
    merged = {**document, **patch}
    try:
        settings = TeamSettings.model_validate(merged)
    except ValidationError as exc:
        raise InvalidSettings.from_validation(exc) from exc
    team_settings_store.save_settings(
        team_id,
        # Typed and normalized ("3" → 3), only the keys the team has set; the budget's
        # values are the budget's (an older item may hold them: they are dropped).
        settings.model_dump(mode="json", include=set(merged) - set(BUDGET_BACKED)),
        stored=stored,  # written on the version read: a concurrent update is a Conflict
    )
    return settings
