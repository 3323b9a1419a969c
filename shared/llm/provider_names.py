"""A provider's name as a team registers it: agents, settings and the registry all name
providers, and this small module lets them share the rule without importing each other."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# ':' and '/' are left out because a model reference ("provider:model", see
# shared.team_settings) splits on the first of them.
PROVIDER_NAME_PATTERN = r"^[^\s:/]{1,64}$"

ProviderName = Annotated[str, StringConstraints(pattern=PROVIDER_NAME_PATTERN)]
