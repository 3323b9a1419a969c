"""A provider's name as a team registers it: agents, settings and the registry all name
providers, and this small module lets them share the rule without importing each other."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from shared.request_fields import PY_SPACE

# ':' and '/' are left out because a model reference ("provider:model", see
# shared.team_settings) splits on the first of them; white space as Python counts it,
# spelled out so that every regex dialect reads the same rule (shared.request_fields).
PROVIDER_NAME_CHAR = f"[^{PY_SPACE}:/]"
PROVIDER_NAME_PATTERN = f"^{PROVIDER_NAME_CHAR}{{1,64}}$"

ProviderName = Annotated[str, StringConstraints(pattern=PROVIDER_NAME_PATTERN)]
