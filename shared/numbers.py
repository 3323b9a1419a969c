"""Number types for request bodies that take JSON's types at their word.

Pydantic's lax mode reads `false` as 0 and "10" as 10, which the document (number,
integer) does not allow; its strict mode also refuses 10.0, which JSON Schema counts as an
integer. These refuse booleans and strings and take every JSON number the schema allows.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def _a_json_number(value: object) -> object:
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON number")
    return value


# Last in an `Annotated` with its own `Field(...)`: nested under another Annotated with
# constraints, pydantic 2 writes them into the schema as `ge`/`le`, not minimum/maximum.
JSON_NUMBER = BeforeValidator(_a_json_number)
JsonInt = Annotated[int, JSON_NUMBER]
JsonFloat = Annotated[float, JSON_NUMBER]
