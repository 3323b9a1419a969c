"""What each phase's agent is told: a system prompt per role, and the task as text.

Real providers read these messages; the template generator reads the structured task the
same messages were built from (see shared/llm/types.py and functions/pipeline/targets/).
"""

from __future__ import annotations

import json

from shared.llm.files import render_files
from shared.llm.types import Message, PhaseTask

FILE_FORMAT = (
    "Answer with every file you write as a block:\n=== FILE: relative/path ===\n"
    "<content>\n=== END FILE ===\nPaths are relative, inside the project, without '..'."
)

SYSTEM_PROMPTS: dict[str, str] = {
    "product_manager": "You are a product manager. Turn an idea into a short, concrete "
    "project brief.",
    "business_analyst": "You are a business analyst. Write user stories with acceptance "
    "criteria for every feature.",
    "backend_engineer": "You are a backend engineer. Design the data model and the API "
    "endpoints the app needs.",
    "architect": "You are a software architect. Describe the modules and list every file "
    "the developer will write.",
    "designer": "You are a UI/UX designer. Describe one screen per feature, the "
    "navigation, the palette and the typography for the requested style.",
    "developer": "You are a senior developer. Write complete, working, tested code that "
    "follows the documents exactly. " + FILE_FORMAT,
    "qa_engineer": "You are a QA engineer.",
    "security_engineer": "You are a security engineer.",
    "reviewer": "You are a code reviewer. Report spec coverage, test results, security "
    "findings, open risks and a verdict.",
    "release_manager": "You are a release manager.",
}

# Which earlier documents each phase reads.
_READS: dict[str, tuple[str, ...]] = {
    "create": (),
    "ba": ("brief",),
    "backend": ("brief", "requirements"),
    "architect": ("brief", "requirements", "backend"),
    "uiux": ("brief", "requirements", "architecture"),
    "dev": ("requirements", "backend", "architecture", "design"),
    "refactor": ("architecture",),
    "repair": ("architecture",),
    "reviewer": ("brief", "requirements", "qa", "runtime", "security"),
}

_ASKS: dict[str, str] = {
    "create": "Write the project brief.",
    "ba": "Write the requirements.",
    "backend": "Write the backend design.",
    "architect": "Write the architecture and the file plan.",
    "uiux": "Write the UI/UX design.",
    "dev": "Write the whole code base.",
    "refactor": "Tidy the code base without changing behaviour; return only changed files.",
    "repair": "Fix every finding below; return only the files you change.",
    "reviewer": "Write the review report.",
}


def messages_for(role: str, task: PhaseTask, instructions: str = "") -> tuple[Message, ...]:
    """The phase's messages; `instructions` (the agent's own system prompt) follow the
    role's, which fix the answer's format and so come first."""
    system = SYSTEM_PROMPTS[role] + (f"\n\n{instructions.strip()}" if instructions.strip() else "")
    parts = [
        _ASKS.get(task.phase, f"Do the {task.phase} phase."),
        "Project spec:\n" + json.dumps(task.spec, indent=2, sort_keys=True),
    ]
    for name in _READS.get(task.phase, ()):
        if name in task.documents:
            parts.append(f"## {name}\n{task.documents[name]}")
    if task.findings:
        parts.append("Findings:\n" + json.dumps(list(task.findings), indent=2))
    if task.feedback:
        parts.append(f"A reviewer asked for changes: {task.feedback}")
    if task.files and task.phase in ("refactor", "repair", "reviewer"):
        parts.append("Current files:\n" + render_files(task.files))
    return (Message("system", system), Message("user", "\n\n".join(parts)))
