"""The project targets the pipeline generates (web, python-api, Flutter), each in one place.

Each target's package holds what the pipeline knows about it: `render` (the deterministic
templates of its source tree), `check` (qa and runtime checks of a tree) and `risks` (what
the review says the checks cannot prove). Shared pieces sit beside them: `naming`,
`styles` and `readme` for the templates; `documents`, `maintenance` (refactor and repair)
and `review` for the other phases; `project` picks a target's renderer; `generator`
answers a phase task from all of these, and is the renderer the pipeline hands to the
template generator (`shared.llm.providers.templates`).

Importing this package loads nothing else: a target's modules load when a phase needs them.
"""

TARGETS = ("web", "python-api", "flutter")
