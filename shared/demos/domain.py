"""A demo app as the rules see it: what was asked, the code generated, where its page is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

# What the generated code may hold in all (html + css + js, UTF-8): the item keeps it
# inline, well under DynamoDB's 400 KB with the prompt and the thoughts, and the page is
# one small object. Beyond it the code is refused 413.
MAX_CODE_BYTES: Final = 96 * 1024
# How long a page's presigned GET URL is good for.
PAGE_URL_SECONDS: Final = 3600
# At most this many APIs per demo (a form each, one connect-src entry each).
MAX_APIS: Final = 10

CREATED_EVENT: Final = "demo.created"
UPDATED_EVENT: Final = "demo.updated"
DELETED_EVENT: Final = "demo.deleted"


@dataclass(frozen=True, slots=True)
class GeneratedCode:
    html: str = ""
    css: str = ""
    js: str = ""

    def size(self) -> int:
        """Bytes of the three parts in UTF-8."""
        return sum(len(part.encode()) for part in (self.html, self.css, self.js))


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """The composer's provider and model (seed 002's ProviderConfig)."""

    provider: str
    model: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DemoApi:
    """A deployed API a demo calls, as its page needs it."""

    friendly_name: str
    url: str  # absolute: POST here with the input as JSON
    description: str = ""
    input_schema: dict[str, Any] | None = None

    @property
    def openapi_url(self) -> str:
        return f"{self.url}/openapi.json"


@dataclass(frozen=True, slots=True)
class DemoDraft:
    """What a create or a replace brings (seed 002's CreateDemoAppRequest)."""

    name: str
    description: str
    selected_apis: tuple[str, ...]
    model_config: ModelConfig | None
    user_prompt: str
    generated_code: GeneratedCode
    composer_thoughts: str | None = None


@dataclass(frozen=True, slots=True)
class Demo:
    team_id: str
    id: str
    name: str
    description: str
    selected_apis: tuple[str, ...]
    # The absolute URLs its page may call, fixed when it was written (its CSP's).
    api_urls: tuple[str, ...]
    model_config: ModelConfig | None
    user_prompt: str
    generated_code: GeneratedCode
    composer_thoughts: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
