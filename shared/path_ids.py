"""Ids in paths: a ULID, matched by the route itself.

`{x:ulid}` in a route's path matches only a ULID, so a sibling route's fixed word (`GET
/files/presign`, `PUT /secrets/expiring`) is that route's 405 with its `Allow`, never a read
of an object called "presign" refused 422. `IdPath` states the same pattern in the document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.convertors import Convertor, register_url_convertor

ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


class _UlidConvertor(Convertor[str]):
    regex = ID_PATTERN.strip("^$")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ulid", _UlidConvertor())
