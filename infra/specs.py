"""What infra reads from a registry entry, whether it is a route group or a worker.

`functions.registry` has two kinds of function: `RouteGroup` (reached over HTTP) and
`WorkerFunction` (invoked by AWS: Step Functions, a schedule). Both carry the same fields
for what the function is and may touch, so one construct, one packaging step and one set of
grants serve both. This protocol names those fields; either dataclass satisfies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from functions.registry import BucketAccess, TableAccess


class FunctionSpec(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def handler(self) -> str: ...

    @property
    def package(self) -> str: ...

    @property
    def tables(self) -> Mapping[str, TableAccess]: ...

    @property
    def bucket(self) -> BucketAccess | None: ...

    @property
    def publishes_events(self) -> bool: ...

    @property
    def controls_executions(self) -> bool: ...

    @property
    def memory_mb(self) -> int: ...

    @property
    def timeout_seconds(self) -> int: ...


# Token flags. `RouteGroup` carries them (`authenticates`, default True; `signs_tokens`,
# default False); `WorkerFunction` does not: AWS invokes a worker and no caller presents a
# token, so it reads as False. Read through these two functions, never `spec.<flag>`, so one
# construct serves both kinds.


def authenticates(spec: FunctionSpec) -> bool:
    """Verifies access tokens: reads the signing key secret. A signer verifies too."""
    return _flag(spec, "authenticates") or signs_tokens(spec)


def signs_tokens(spec: FunctionSpec) -> bool:
    """Signs tokens: creates the signing key on first use, reads the admin key secret."""
    return _flag(spec, "signs_tokens")


def _flag(spec: FunctionSpec, name: str) -> bool:
    value = getattr(spec, name, False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: {name} must be a bool, not {value!r}")
    return value
