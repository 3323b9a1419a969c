"""The file-block format in which any provider returns files, and safe relative paths.

    === FILE: lib/main.dart ===
    ...content...
    === END FILE ===

Models are asked for this format; the template generator writes it; phases parse it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_BLOCK = re.compile(
    r"^=== FILE: (?P<path>[^\n]+?) ===\n(?P<body>.*?)^=== END FILE ===$", re.MULTILINE | re.DOTALL
)
MAX_PATH_LENGTH = 240


class UnsafePath(ValueError):
    """A path that is absolute, climbs out with `..`, or is otherwise not a plain relative path."""


def safe_relative_path(path: str) -> str:
    """`path` normalized to a plain relative POSIX path inside the tree, or UnsafePath."""
    if not path or len(path) > MAX_PATH_LENGTH or "\x00" in path or "\\" in path:
        raise UnsafePath(path)
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or ":" in path:
        raise UnsafePath(path)
    normalized = pure.as_posix()
    if normalized in (".", "") or normalized.startswith("./"):
        normalized = normalized.removeprefix("./")
    if not normalized or normalized == ".":
        raise UnsafePath(path)
    return normalized


def render_files(files: dict[str, str]) -> str:
    blocks = []
    for path in sorted(files):
        body = files[path] if files[path].endswith("\n") else files[path] + "\n"
        blocks.append(f"=== FILE: {path} ===\n{body}=== END FILE ===")
    return "\n".join(blocks) + ("\n" if blocks else "")


def parse_files(text: str) -> dict[str, str]:
    """Every file block in `text`; a block with an unsafe path raises UnsafePath."""
    return {
        safe_relative_path(match["path"].strip()): match["body"] for match in _BLOCK.finditer(text)
    }
