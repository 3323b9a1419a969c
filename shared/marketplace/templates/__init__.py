"""The templates the marketplace ships: one JSON file per template beside this module
(shared.marketplace.domain.Template's shape), packaged with it as data."""

from __future__ import annotations

from pathlib import Path
from typing import Final

DIRECTORY: Final = Path(__file__).resolve().parent
