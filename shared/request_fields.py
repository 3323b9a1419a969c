"""Request fields that may be left out but not sent as null.

`X | None = None` documents null as a value, and a partial update that refuses null then
answers 422 to input its own document allows. These fields default to None inside the
model (so `model_fields_set` tells what was sent) while the document shows the type alone,
with no null and no default; null is refused by the type itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# A string the server trims must hold something besides white space: with a minLength
# alone, "\f" would be schema-valid and then refused as empty once trimmed. (JSON Schema's
# pattern is a search, as pydantic's is.) The two regex dialects differ on what is white
# space: pydantic (Rust, Unicode White_Space) also counts U+0085 and trims it, ECMA-262
# (a client's validator) also counts U+FEFF; neither may count as content.
NOT_BLANK = r"[^\s\u0085\ufeff]"

# Exactly what Python's str.isspace() (and so str.strip() and split()) counts as white
# space, spelled out: `\s` differs between the document's dialect (ECMA-262, which
# schemathesis and clients read), Python's re and pydantic's Rust engine (U+001C to U+001F,
# U+0085, U+FEFF), while these classes mean the same in all three. For patterns whose text
# the server then strips or splits with Python.
PY_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SPACE = f"[{PY_SPACE}]"
NOT_SPACE = f"[^{PY_SPACE}]"


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


def _text_only(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError("a date-time is an RFC 3339 string, such as 2026-12-31T17:00:00Z")
    return value


# A date-time as the document states it: an RFC 3339 string with its offset (pydantic alone
# would also take a number of seconds since 1970, and a time without a zone), kept in UTC
# as every time the API answers is.
DateTimeText = Annotated[
    AwareDatetime, BeforeValidator(_text_only), AfterValidator(lambda at: at.astimezone(UTC))
]
