"""Keep FastAPI from importing ``pydantic.v1`` just to rule it out.

FastAPI 0.165 asks, for every model field it builds and every value ``jsonable_encoder``
sees, whether it is a ``pydantic.v1`` model, and imports ``pydantic.v1`` to find out:
~50 ms added to the cold start of any group with a response or body model, and a
``warnings.catch_warnings()`` on every encode. Nothing can be a v1 model unless
``pydantic.v1`` was imported by someone, so look in ``sys.modules`` first. When it was
imported, FastAPI's own checks run unchanged (v1 models are still refused).
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import encoders
from fastapi._compat import shared

_is_v1_class = shared.is_pydantic_v1_model_class
_is_v1_instance = shared.is_pydantic_v1_model_instance


def _is_v1_model_class(cls: Any) -> bool:
    return "pydantic.v1" in sys.modules and _is_v1_class(cls)


def _is_v1_model_instance(obj: Any) -> bool:
    return "pydantic.v1" in sys.modules and _is_v1_instance(obj)


def install() -> None:
    shared.is_pydantic_v1_model_class = _is_v1_model_class
    shared.is_pydantic_v1_model_instance = _is_v1_model_instance
    encoders.is_pydantic_v1_model_instance = _is_v1_model_instance  # type: ignore[attr-defined]
