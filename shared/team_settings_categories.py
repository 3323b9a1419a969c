"""A team's settings by category and key (seed 003's `/settings/{category}/{key}` and
`{"category.key": value}`): the same settings as `TeamSettings`, each named once as
`<category>.<key>`, where the key is the setting's own name (the one GET /settings answers),
so a setting has one name whichever way it is read or written.

Every setting is in exactly one category; a test holds the two lists together.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from shared.errors import NotFound, Unprocessable
from shared.team_settings import TeamSettings

CATEGORIES: dict[str, tuple[str, ...]] = {
    "costs": ("daily_cost_limit", "budget_alert_thresholds"),
    "models": ("default_provider", "smart_model_fallback"),
    "pipeline": ("max_repair_attempts", "approval_gates", "on_reject"),
    "circuit_breakers": ("breaker_failure_threshold", "breaker_cooldown_seconds"),
}

CATEGORY_OF: dict[str, str] = {
    name: category for category, names in CATEGORIES.items() for name in names
}
# `<category>.<key>` of every setting, in the categories' order.
DOTTED_NAMES: tuple[str, ...] = tuple(
    f"{category}.{name}" for category, names in CATEGORIES.items() for name in names
)


def dotted(name: str) -> str:
    """`<category>.<key>` of the setting `name`."""
    return f"{CATEGORY_OF[name]}.{name}"


def setting_name(category: str, key: str) -> str:
    """The setting `key` of `category`; NotFound when the category has no such key."""
    if key not in CATEGORIES.get(category, ()):
        raise NotFound(f"No setting {category}.{key}; known: {', '.join(DOTTED_NAMES)}")
    return key


def name_of(dotted_name: str) -> str | None:
    """The setting a `<category>.<key>` names, None when it names none."""
    category, _, key = dotted_name.partition(".")
    return key if key in CATEGORIES.get(category, ()) else None


def _category_model(category: str, names: tuple[str, ...]) -> type[BaseModel]:
    """The answer's part for one category: its settings' fields as TeamSettings types them."""
    fields: dict[str, Any] = {
        name: (TeamSettings.model_fields[name].annotation, TeamSettings.model_fields[name])
        for name in names
    }
    title = "".join(part.title() for part in category.split("_"))
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{title}Settings",
        __config__=ConfigDict(defer_build=True),
        **fields,
    )


SettingsByCategory: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "SettingsByCategory",
    __config__=ConfigDict(defer_build=True),
    __doc__="Every setting with its value (the default when the team set none), by category.",
    **{category: (_category_model(category, names), ...) for category, names in CATEGORIES.items()},
)


def by_category(settings: TeamSettings) -> BaseModel:
    """The settings grouped by category."""
    values = settings.model_dump()
    return SettingsByCategory.model_validate(
        {category: {name: values[name] for name in names} for category, names in CATEGORIES.items()}
    )


class SettingsRejected(Unprocessable):
    """Settings by `<category>.<key>` refused (422): `detail` lists each bad key, as
    FastAPI lists a body's field errors (`loc` ends with the `<category>.<key>`), without
    the value sent. Nothing was written."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("Invalid settings")
        self.errors = errors
        self.detail = errors  # type: ignore[assignment]  # a list, as ErrorBody allows


def rejected(where: tuple[str, ...], problems: list[tuple[str, str, str]]) -> SettingsRejected:
    """`problems` as (dotted name, message, type) under `where` (the body's path to them)."""
    return SettingsRejected(
        [{"loc": [*where, name], "msg": msg, "type": kind} for name, msg, kind in sorted(problems)]
    )
