"""Make the modules of dependency layers a function does not get unimportable, as they
are in its Lambda environment (the dev virtualenv has every layer's packages).

Used by the cold-start test and the import benchmark in their fresh interpreters. A
library that only probes for a module (FastAPI tries `import email_validator`) then
behaves as it does deployed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class AbsentLayers:
    def __init__(self, modules: Iterable[str]) -> None:
        self.modules = frozenset(modules)

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name.partition(".")[0] in self.modules:
            raise ModuleNotFoundError(f"No module named {name!r} (not in this function's layers)")
        return None


def hide(modules: Iterable[str]) -> None:
    sys.meta_path.insert(0, AbsentLayers(modules))
