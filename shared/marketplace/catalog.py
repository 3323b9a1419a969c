"""The shipped templates, read once per container from shared/marketplace/templates: a few
KB of data, so listing filters them in memory (no table)."""

from __future__ import annotations

import re
from functools import cache

from shared.errors import BadRequest, NotFound
from shared.marketplace.domain import Template
from shared.marketplace.templates import DIRECTORY
from shared.pagination import PageParams, decode_cursor, encode_cursor

# What a page's cursor holds: the position of the next template in the filtered list.
_CURSOR_FIELD = "template_offset"


@cache
def templates() -> tuple[Template, ...]:
    """Every template, by category then name; a file that is not a valid template fails
    loudly here (and in the tests that install each)."""
    loaded = [
        Template.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(DIRECTORY.glob("*.json"))
    ]
    for template, path in zip(loaded, sorted(DIRECTORY.glob("*.json")), strict=True):
        if path.stem != template.id:
            raise ValueError(f"{path.name} holds template {template.id!r}; name it after its id")
    return tuple(sorted(loaded, key=lambda template: (template.category, template.name)))


def list_templates(category: str | None = None, search: str | None = None) -> list[Template]:
    """The templates of `category` (all when None) whose text holds `search`."""
    return [
        template
        for template in templates()
        if (category is None or template.category == category)
        and (not search or template.matches(search))
    ]


def get_template(template_id: str) -> Template:
    template = next((t for t in templates() if t.id == template_id), None)
    if template is None:
        raise NotFound(f"template {template_id!r} not found")
    return template


def listing(
    params: PageParams, category: str | None = None, search: str | None = None
) -> tuple[list[Template], int, str | None]:
    """A page of `list_templates`: (page, total, next_cursor). The cursor is the position
    of the next template; any other string is 400, as for every list."""
    found = list_templates(category, search)
    start = params.offset if params.cursor is None else _position(params.cursor)
    end = start + params.limit
    cursor = encode_cursor({_CURSOR_FIELD: str(end)}) if end < len(found) else None
    return found[start:end], len(found), cursor


def _position(cursor: str) -> int:
    key = decode_cursor(cursor)
    value = key.get(_CURSOR_FIELD, "")
    if set(key) != {_CURSOR_FIELD} or not re.fullmatch(r"[0-9]{1,6}", value):
        raise BadRequest("Invalid cursor")
    return int(value)
