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
