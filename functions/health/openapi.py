"""The one OpenAPI document for the whole API, merged from every route group's app.

Deployed, the health function carries the document as a file written at synth time
(it cannot import the other groups' code); locally it is built from the registry.
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from functions.registry import GROUPS, RouteGroup

PACKAGED_DOCUMENT = Path(__file__).with_name("openapi.json")


def build_openapi(groups: tuple[RouteGroup, ...] = GROUPS) -> dict[str, Any]:
    from shared.settings import get_settings

    settings = get_settings()
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Software Factory API",
            "version": settings.version,
            "description": "Turns a written idea into a working code base. Every path under "
            "/api/v1 is also served under /api.",
        },
        "paths": {},
        "components": {"schemas": {}},
    }
    for group in groups:
        spec = importlib.import_module(group.app_module).app.openapi()
        for path, operations in spec.get("paths", {}).items():
            if path in document["paths"]:
                raise ValueError(f"path {path} is served by two groups")
            document["paths"][path] = operations
        for section, entries in spec.get("components", {}).items():
            merged = document["components"].setdefault(section, {})
            for name, schema in entries.items():
                if name in merged and merged[name] != schema:
                    raise ValueError(f"components/{section}/{name} differs between groups")
                merged[name] = schema
    return document


@cache
def load_openapi() -> dict[str, Any]:
    if PACKAGED_DOCUMENT.exists():
        loaded: dict[str, Any] = json.loads(PACKAGED_DOCUMENT.read_text())
        return loaded
    return build_openapi()
