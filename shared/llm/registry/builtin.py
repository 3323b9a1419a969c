"""The built-in template generator as a provider of every team: always there, never stored,
read-only.

Its name is `templates` (`offline`, its older name, names it too): agents, the team's
default provider and the pipeline's unassigned phases run on it. Listings show it first;
reads answer it; a create, upsert, update or delete under either name is Conflict (409),
so no team provider can shadow it. An item a team stored under one of these names before
they were reserved is not read: the built-in answers, as the router and the agents group
already took the name to mean.
"""

from __future__ import annotations

from typing import Final, NoReturn

from shared.errors import Conflict
from shared.llm.providers import templates
from shared.llm.registry.domain import ProviderConfig

NAME: Final = templates.KIND
# Every name that means the built-in, today's first.
NAMES: Final = (templates.KIND, *templates.KIND_ALIASES)


def is_builtin(name: str) -> bool:
    return templates.is_builtin_name(name)


def config(team_id: str) -> ProviderConfig:
    """The built-in as the team sees it: no key, no base URL, its one model, enabled; no
    version and no timestamps, as it is never stored."""
    return ProviderConfig(
        team_id=team_id,
        name=NAME,
        kind="templates",
        base_url="",
        default_model=templates.MODEL,
        enabled=True,
        has_key=False,
        key_hint=None,
        key_version=None,
        version=0,
        created_at=None,
        updated_at=None,
        builtin=True,
    )


def refuse_write(name: str) -> NoReturn:
    raise Conflict(
        f"Provider '{name}' is the built-in template generator: built-in, read-only. It "
        "cannot be created, replaced, changed or deleted; register your own provider "
        "under another name"
    )
