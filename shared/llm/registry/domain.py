"""A team's provider as the registry knows it: what building its client needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.llm.registry.schemas import ApiKeyStatus, ProviderKind, ProviderPublic


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """A provider's configuration. `version` is the stored version it was read at (0: not
    stored yet), which the store's write checks. `builtin`: the template generator every
    team has (shared.llm.registry.builtin), never stored, so without timestamps."""

    team_id: str
    name: str
    kind: ProviderKind
    base_url: str
    default_model: str
    enabled: bool
    has_key: bool
    key_hint: str | None
    key_version: str | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    builtin: bool = False

    def public(self) -> ProviderPublic:
        return ProviderPublic(
            name=self.name,
            kind=self.kind,
            base_url=self.base_url,
            default_model=self.default_model,
            enabled=self.enabled,
            api_key=ApiKeyStatus(configured=self.has_key, hint=self.key_hint),
            builtin=self.builtin,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )
