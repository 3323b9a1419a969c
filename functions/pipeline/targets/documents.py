"""The planning phases' markdown: brief, requirements, backend, architecture and design.

Each one is derived from the spec alone (and the architecture from the very templates
`dev` renders), so the documents and the code cannot disagree.
"""

from __future__ import annotations

from functions.pipeline.targets.naming import Feature, features_of, one_line
from functions.pipeline.targets.project import file_plan
from functions.pipeline.targets.styles import palette_for
from shared.pipeline.spec import JobSpec

# Why people want some common features; anything else gets a generic reason.
_BENEFITS = {
    "auth": "my account and its data stay mine",
    "login": "my account and its data stay mine",
    "notes": "I can find my thoughts again later",
    "todo": "I know what is left to do",
    "todos": "I know what is left to do",
    "tasks": "I know what is left to do",
    "user-profile": "the details others see about me stay current",
    "profile": "the details others see about me stay current",
    "chat": "I can keep a conversation going",
    "messages": "I can keep a conversation going",
    "dashboard": "I see at a glance what matters",
    "settings": "the app works the way I like",
    "search": "I find what I need quickly",
    "notifications": "I do not miss anything important",
}

_TARGET_SUMMARY = {
    "web": "a static web app (HTML, CSS and JavaScript modules, no build step)",
    "python-api": "an HTTP API in Python (FastAPI), documented by OpenAPI",
    "flutter": "a Flutter app for Android and iOS (Material 3)",
}


def _heading(spec: JobSpec, title: str) -> list[str]:
    return [f"# {title}: {one_line(spec.name)}", ""]


def _summary(spec: JobSpec) -> str:
    if spec.description.strip():
        return " ".join(spec.description.split())
    return f"{spec.name} is {_TARGET_SUMMARY[spec.target]}."


def brief(spec: JobSpec) -> str:
    features = features_of(spec)
    lines = _heading(spec, "Project brief")
    lines += ["## Summary", "", _summary(spec), ""]
    lines += [
        "## Scope",
        "",
        f"- Name: {one_line(spec.name)}",
        f"- Slug: `{spec.slug}`",
        f"- Target: `{spec.target}`: {_TARGET_SUMMARY[spec.target]}",
        f"- Platforms: {', '.join(spec.platforms)}",
        f"- Style: {palette_for(spec.style).style}",
        f"- Backend: {spec.backend}",
        "",
        "## Features",
        "",
    ]
    lines += [f"{i}. **{f.title}** (`{f.slug}`)" for i, f in enumerate(features, 1)]
    if not spec.features:
        lines += ["", "No features were named, so the project starts with one home screen."]
    return "\n".join(lines) + "\n"


def _criteria(spec: JobSpec, feature: Feature) -> list[str]:
    title, slug = feature.title, feature.slug
    if spec.target == "python-api":
        return [
            f"Given a title, when I `POST /api/{slug}`, then I get 201 and the entry with its id.",
            f"Given entries, when I `GET /api/{slug}`, then every entry is listed with the total.",
            f"Given an unknown id, when I `GET /api/{slug}/{{id}}`, then I get 404.",
            f"Given an empty title, when I `POST /api/{slug}`, then I get 422, nothing stored.",
        ]
    criteria = [
        f"Given the app is open, when I choose {title} in the navigation, "
        f"then the {title} screen is shown.",
        f"Given the {title} screen, when I add an entry, then it appears in the list; "
        "a blank entry is ignored.",
        f"Given an entry on the {title} screen, when I remove it, then it leaves the list.",
    ]
    if spec.target == "web":
        criteria.append("Given saved entries, when I reload the page, then they are still there.")
    return criteria


def requirements(spec: JobSpec) -> str:
    lines = _heading(spec, "Requirements")
    lines += [_summary(spec), "", "## User stories", ""]
    for feature in features_of(spec):
        benefit = _BENEFITS.get(feature.slug, f"I keep my {feature.title.lower()} in one place")
        lines += [
            f"### {feature.title} (`{feature.slug}`)",
            "",
            f"As a user, I want to add, review and remove {feature.title.lower()} entries on a "
            f"screen of their own, so that {benefit}.",
            "",
            "Acceptance criteria:",
            "",
        ]
        lines += [f"- {criterion}" for criterion in _criteria(spec, feature)]
        lines.append("")
    lines += [
        "## Non-functional requirements",
        "",
        "- Accessibility: every control has a label, everything works from the keyboard, "
        "colour contrast meets WCAG AA.",
        "- Security: no secrets in the code; text people type is always escaped, never "
        "evaluated; no `eval` or HTML built from strings.",
        "- Quality: one automated test per feature at least; the tests run without network.",
        "- Performance: the first screen is usable within a second on a mid-range phone.",
        f"- Look and feel: the {palette_for(spec.style).style} style throughout.",
    ]
    return "\n".join(lines) + "\n"


def backend_design(spec: JobSpec) -> str:
    lines = _heading(spec, "Backend design")
    if spec.target == "python-api":
        lines += ["The API is the project itself; entries live in an in-memory store.", ""]
    else:
        lines += [
            f"Backend: **{spec.backend}**. The generated client keeps its entries on the "
            "device; the contract below is what the backend serves when it is connected.",
            "",
        ]
    for feature in features_of(spec):
        slug = feature.slug
        lines += [
            f"## {feature.title}",
            "",
            f"Data model `{feature.pascal}`: `id` (integer, assigned by the server), "
            "`title` (text, 1-200 characters), `details` (text, up to 5000 characters).",
            "",
            "| Method | Path | Answer |",
            "| --- | --- | --- |",
            f"| POST | `/api/{slug}` | 201 the new entry; 422 on invalid input |",
            f"| GET | `/api/{slug}` | 200 `{{items, total}}` |",
            f"| GET | `/api/{slug}/{{id}}` | 200 the entry; 404 if unknown |",
            f"| PUT | `/api/{slug}/{{id}}` | 200 the replaced entry; 404 if unknown |",
            f"| DELETE | `/api/{slug}/{{id}}` | 204; 404 if unknown |",
            "",
        ]
        if spec.backend in ("firebase", "supabase"):
            store = "collection" if spec.backend == "firebase" else "table"
            lines += [f"Stored in the `{slug.replace('-', '_')}` {store}.", ""]
    lines.append('`GET /health` answers 200 `{"status": "ok"}`.')
    return "\n".join(lines) + "\n"


_MODULES = {
    "web": [
        "`index.html`: the page; one `<section>` per feature, a navigation link to each",
        "`app.js`: the hash router and the page wiring (only `textContent`, never HTML)",
        "`lib.js`: pure functions: routing, list updates, storage; what the tests import",
        "`styles.css`: the palette as CSS variables",
    ],
    "python-api": [
        "`app/main.py`: builds the FastAPI app, includes one router per feature, `/health`",
        "`app/features/<feature>.py`: the feature's models and CRUD routes",
        "`app/store.py`: the in-memory store behind every feature",
    ],
    "flutter": [
        "`lib/main.dart`: the `MaterialApp` and a named route per screen",
        "`lib/navigation.dart`: the drawer listing every screen",
        "`lib/theme.dart`: the style's colours and typography",
        "`lib/screens/<feature>_screen.dart`: one stateful screen per feature",
    ],
}


def architecture(spec: JobSpec) -> str:
    lines = _heading(spec, "Architecture")
    lines += [f"Target `{spec.target}`: {_TARGET_SUMMARY[spec.target]}.", "", "## Modules", ""]
    lines += [f"- {module}" for module in _MODULES[spec.target]]
    lines += ["", "## Features", ""]
    for feature in features_of(spec):
        lines.append(f"- {feature.title} (`{feature.slug}`): `{feature.snake}`")
    lines += ["", "## File plan", "", "Dev writes exactly these files:", ""]
    lines += [f"- `{path}`" for path in file_plan(spec)]
    return "\n".join(lines) + "\n"


def design(spec: JobSpec) -> str:
    palette = palette_for(spec.style)
    features = features_of(spec)
    lines = _heading(spec, "UI/UX design")
    lines += ["## Screens", ""]
    for feature in features:
        lines += [
            f"### {feature.title}",
            "",
            f'Heading "{feature.title}"; a labelled text field "New '
            f'{feature.title.lower()} entry" with an Add button; the list of entries, each '
            'with a Remove button; "Nothing here yet." while the list is empty.',
            "",
        ]
    navigation = {
        "web": "A top navigation bar links to every screen (`#<feature>`); the current one is "
        "marked `aria-current=page`; a skip link leads to the content.",
        "python-api": "No screens of its own: the interactive API docs at `/docs` list every "
        "feature's routes.",
        "flutter": "A drawer lists every screen; each is a named route (`/<feature>`); the "
        "first feature is the home screen.",
    }[spec.target]
    lines += ["## Navigation", "", navigation, "", f"## Palette ({palette.style})", ""]
    lines += ["| Role | Colour |", "| --- | --- |"]
    lines += [f"| {role} | `{hex_}` |" for role, hex_ in palette.colours().items()]
    lines += [
        "",
        "## Typography",
        "",
        f"- Body: {palette.font_body}",
        f"- Headings: {palette.font_heading}",
        f"- Corner radius: {palette.radius_px}px; {palette.brightness} colour scheme",
        "",
        "## Accessibility",
        "",
        "- Visible focus ring in the accent colour; every control has a label or tooltip.",
        "- Lists announce changes politely to screen readers.",
    ]
    return "\n".join(lines) + "\n"
