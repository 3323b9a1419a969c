"""Names and string literals derived from a spec, safe for every language we generate.

Feature names arrive as slugs (`user-profile`); each language needs its own identifier
form, and the job's name and description are free text that must be quoted, never
spliced, into HTML, Dart, Python or YAML.
"""

from __future__ import annotations

import html
import keyword
import re
from dataclasses import dataclass

from shared.pipeline.spec import JobSpec

DEFAULT_FEATURE = "home"
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of the spec under all the names the templates need."""

    slug: str  # "user-profile": URL path segment, HTML id, route
    title: str  # "User profile": what people read
    snake: str  # "user_profile": Python module, Dart file stem
    pascal: str  # "UserProfile": class names


def _snake(slug: str) -> str:
    snake = _NON_WORD.sub("_", slug.lower()).strip("_") or DEFAULT_FEATURE
    # A leading digit or a Python keyword would not make a valid module name.
    if snake[0].isdigit() or keyword.iskeyword(snake) or keyword.issoftkeyword(snake):
        snake = f"feature_{snake}"
    return snake


def _title(slug: str) -> str:
    words = slug.replace("-", " ").strip() or DEFAULT_FEATURE
    return words[0].upper() + words[1:]


def features_of(spec: JobSpec) -> tuple[Feature, ...]:
    """The spec's features, or one default feature so every project has a screen."""
    slugs = spec.features or (DEFAULT_FEATURE,)
    features: list[Feature] = []
    taken: set[str] = set()
    for slug in slugs:
        snake = _snake(slug)
        # Distinct slugs can meet after the prefixing above ("2fa" and "feature-2fa").
        base, counter = snake, 2
        while snake in taken:
            snake, counter = f"{base}_{counter}", counter + 1
        taken.add(snake)
        pascal = "".join(part.capitalize() for part in snake.split("_"))
        features.append(Feature(slug=slug, title=_title(slug), snake=snake, pascal=pascal))
    return tuple(features)


def one_line(text: str, *, limit: int = 200) -> str:
    """Free text flattened to one line, for headings and comments."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def html_text(text: str) -> str:
    return html.escape(text, quote=True)


def python_string(text: str) -> str:
    # repr() of a str is always a valid Python literal and escapes every control character.
    return repr(text)


def dart_string(text: str) -> str:
    """A single-quoted Dart literal: `$` would start interpolation, so it is escaped too."""
    out = []
    for char in text:
        if char in "\\'$":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable():
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar; non-printable characters are escaped (YAML refuses them)."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_DART_RESERVED_WORDS = (
    "abstract as assert async await base break case catch class const continue covariant "
    "default deferred do dynamic else enum export extends extension external factory false "
    "final finally for function get hide if implements import in interface is late library "
    "mixin new null of on operator part required rethrow return sealed set show static super "
    "switch sync this throw true try type typedef var void when while with yield "
    # Names of the packages the generated project depends on.
    "flutter flutter_test flutter_lints test"
)
_DART_RESERVED = frozenset(_DART_RESERVED_WORDS.split())


def dart_package_name(spec: JobSpec) -> str:
    """The pubspec `name`: lowercase words joined by `_`, starting with a letter, not reserved."""
    name = _NON_WORD.sub("_", spec.slug.lower()).strip("_") or "app"
    if name[0].isdigit():
        name = f"app_{name}"
    if name in _DART_RESERVED:
        name = f"{name}_app"
    return name
