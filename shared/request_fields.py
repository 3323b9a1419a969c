"""Request fields that may be left out but not sent as null.

`X | None = None` documents null as a value, and a partial update that refuses null then
answers 422 to input its own document allows. These fields default to None inside the
model (so `model_fields_set` tells what was sent) while the document shows the type alone,
with no null and no default; null is refused by the type itself.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StringConstraints


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# A string the server trims must hold something besides white space: with a minLength
# alone, "\f" would be schema-valid and then refused as empty once trimmed. (JSON Schema's
# pattern is a search, as pydantic's is.) The two regex dialects differ on what is white
# space: pydantic (Rust, Unicode White_Space) also counts U+0085 and trims it, ECMA-262
# (a client's validator) also counts U+FEFF; neither may count as content.
NOT_BLANK = r"[^\s\u0085\ufeff]"


def omittable(**options: Any) -> Any:
    """`Field(...)` for a field that may be left out but may not be null."""
    return Field(default=None, json_schema_extra=_without_default, **options)


def refuse_nulls(data: Any) -> Any:
    """A partial update's `mode="before"` check: every field sent as null named in one
    message (the types refuse null too, but one field at a time)."""
    if isinstance(data, dict):
        nulls = sorted(str(name) for name, value in data.items() if value is None)
        if nulls:
            raise ValueError(f"may not be null: {', '.join(nulls)}")
    return data


def trimmed(max_length: int) -> StringConstraints:
    """A string the server trims, which must hold something besides white space."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NOT_BLANK
    )
