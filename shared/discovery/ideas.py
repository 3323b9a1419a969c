"""Asking for product ideas and reading them out of an answer.

A model reads the messages; the built-in template generator reads the structured task
beside them (`render`, deterministic: the same theme and top_k give the same ideas), so
both answer as a list, one idea per line, read by the same parser."""

from __future__ import annotations

import re
from typing import Any, Final

from shared.discovery.domain import MAX_IDEA_CHARS
from shared.llm.types import PhaseTask

PHASE: Final = "discovery"
SYSTEM_PROMPT: Final = """\
You find ideas for small software products a one-person team could build and sell.
Answer with a list, one idea per line, each a single sentence saying what the product does
and for whom. No introduction, no headings, nothing after the list."""

# "1. ", "1) ", "- ", "* ", "• " in front of a list entry.
_MARKER = re.compile(r"^\s*(?:[-*•]+|\d{1,2}[.)])\s*")
_HEADING = re.compile(r"^\s*(?:#+\s|here (?:are|is)\b|ideas?:?$|sure\b)", re.IGNORECASE)

_SUBJECTS: Final = (
    "A booking page",
    "An invoice generator",
    "A habit tracker",
    "A waitlist landing page",
    "A feedback board",
    "A price calculator",
    "A newsletter signup page",
    "An inventory checklist",
    "A shift planner",
    "A quiz builder",
)


def user_message(theme: str | None, top_k: int) -> str:
    about = f" on the theme: {theme}" if theme else ""
    return f"Give {top_k} product ideas{about}."


def render(task: PhaseTask) -> str:
    """The template generator's answer: top_k ideas from fixed subjects and the theme."""
    spec: dict[str, Any] = task.spec
    theme = str(spec.get("theme") or "small businesses")
    top_k = int(spec.get("top_k") or 1)
    return "".join(
        f"{n}. {subject} for {theme}\n" for n, subject in enumerate(_SUBJECTS[:top_k], start=1)
    )


def parse(text: str, top_k: int) -> list[str]:
    """At most top_k ideas of an answer: one per non-empty line, list markers, bold marks
    and a leading heading or greeting left out, repeats once, each cut at MAX_IDEA_CHARS."""
    ideas: list[str] = []
    for line in text.splitlines():
        idea = _MARKER.sub("", line).replace("**", "").strip().strip('"').strip()
        if not idea or _HEADING.match(idea) or idea.endswith(":"):
            continue
        idea = idea[:MAX_IDEA_CHARS].rstrip()
        if idea.casefold() not in {seen.casefold() for seen in ideas}:
            ideas.append(idea)
        if len(ideas) == top_k:
            break
    return ideas
