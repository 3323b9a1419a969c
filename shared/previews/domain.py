"""What the preview code hands around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# A preview lives this long; its files' links a few minutes (never past the preview's end).
PREVIEW_LIFETIME: Final = timedelta(minutes=30)
FILE_LINK_SECONDS: Final = 300
# What a release's site may hold to be previewed: more is refused (409), not cut. Its
# first preview puts every file in the request (one PutObject each), inside API Gateway's 29 s.
MAX_SITE_FILES: Final = 500
MAX_SITE_BYTES: Final = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Preview:
    id: str
    product_id: str
    seller_id: str
    release: int
    created_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return now < self.expires_at
