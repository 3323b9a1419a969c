"""The template generator with the pipeline's renderer: deterministic answers for every
phase, at no cost, counting no tokens."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from functions.pipeline.targets.generator import render
from functions.pipeline.targets.styles import PALETTES
from shared.llm.files import parse_files
from shared.llm.providers.templates import MODEL, TemplateProvider
from shared.llm.types import CompletionRequest, Message, PhaseTask, ProviderError
from tests.factories import FEATURES, NAME, TARGETS, ask, generate, make_spec

PHASES = ("create", "ba", "backend", "architect", "uiux", "dev", "reviewer")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("phase", PHASES)
def test_same_request_same_answer(target: str, phase: str) -> None:
    # Given one spec
    spec = make_spec(target)
    # When the same phase is asked twice
    first, second = ask(phase, spec), ask(phase, spec)
    # Then the answers are byte-identical
    assert first.text == second.text
    assert first.text.strip()


def test_no_tokens_are_invented_and_nothing_is_charged() -> None:
    # Given the template generator, which tokenizes nothing
    provider = TemplateProvider(renderer=render)
    # When it answers a phase
    completion = ask("dev", make_spec("web"))
    # Then its answer says so: tokens are not counted (None), not estimated from characters
    assert completion.text.strip()
    assert (completion.tokens_in, completion.tokens_out) == (None, None)
    assert completion.provider == "templates"
    assert completion.model == "templates-1"
    assert provider.pricing(MODEL).cost(completion.tokens_in, completion.tokens_out) == 0
    assert (provider.name, provider.kind, provider.model) == ("templates", "templates", MODEL)


def test_a_plain_chat_gets_a_short_deterministic_reply() -> None:
    # Given a request with no phase task, as "test this agent" sends
    request = CompletionRequest(
        model=MODEL, messages=(Message("user", "Hello there, are you awake?"),)
    )
    # When it is completed twice, with no renderer (as the agents group's test call has)
    first = TemplateProvider().complete(request)
    second = TemplateProvider().complete(request)
    # Then the reply acknowledges the message, identically each time, and says what it is
    assert first.text == second.text
    assert "Hello there, are you awake?" in first.text
    assert "Template generator" in first.text
    assert "not a language model" in first.text
    assert (first.tokens_in, first.tokens_out) == (None, None)


def test_without_the_pipeline_renderer_a_phase_task_is_refused() -> None:
    # Given the template generator as any function but the pipeline builds it: no renderer
    request = CompletionRequest(
        model=MODEL, messages=(), task=PhaseTask("dev", make_spec("web").model_dump())
    )
    # When it is asked for a phase's work
    with pytest.raises(ProviderError) as caught:
        TemplateProvider().complete(request)
    # Then it refuses as a bad request (no breaker counts it), saying why
    assert caught.value.kind == "bad_request"
    assert "only the pipeline" in str(caught.value)


@pytest.mark.parametrize("phase", ["qa", "runtime", "security", "export"])
def test_check_phases_get_a_one_line_acknowledgement(phase: str) -> None:
    text = ask(phase, make_spec()).text
    assert text.count("\n") == 1
    assert phase in text


def test_an_unknown_phase_is_a_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        ask("astrology", make_spec())
    assert caught.value.transient is False
    assert caught.value.kind == "bad_request"  # the request's fault: no breaker counts it


def test_an_invalid_spec_is_a_permanent_error() -> None:
    request = CompletionRequest(
        model=MODEL, messages=(), task=PhaseTask("dev", {"name": "no slug"})
    )
    with pytest.raises(ProviderError) as caught:
        TemplateProvider(renderer=render).complete(request)
    assert caught.value.transient is False
    assert caught.value.kind == "bad_request"  # the request's fault: no breaker counts it


def test_the_brief_states_the_spec() -> None:
    text = ask("create", make_spec("python-api", backend="rest")).text
    assert NAME in text
    assert 'Keep "quoted" notes' in text
    for expected in ("python-api", "Platforms: python-api", "playful", "Backend: rest"):
        assert expected in text
    for feature in FEATURES:
        assert f"`{feature}`" in text


@pytest.mark.parametrize("target", TARGETS)
def test_requirements_have_a_story_and_criteria_per_feature(target: str) -> None:
    text = ask("ba", make_spec(target)).text
    stories = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    assert [s.split("`")[1] for s in stories] == list(FEATURES)
    for story in stories:
        assert re.search(r"As a user, I want .+, so that .+\.", story)
        criteria = [line for line in story.splitlines() if line.startswith("- Given")]
        assert 2 <= len(criteria) <= 4
    assert "## Non-functional requirements" in text


def test_the_backend_design_lists_endpoints_per_feature() -> None:
    text = ask("backend", make_spec("flutter", backend="supabase")).text
    for feature in FEATURES:
        assert f"| POST | `/api/{feature}` |" in text
        assert f"| GET | `/api/{feature}/{{id}}` | 200 the entry; 404 if unknown |" in text
    assert "`user_profile` table" in text


@pytest.mark.parametrize("target", TARGETS)
def test_the_architecture_plans_exactly_the_files_dev_writes(target: str) -> None:
    spec = make_spec(target)
    plan = ask("architect", spec).text.split("## File plan", 1)[1]
    planned = re.findall(r"^- `([^`]+)`$", plan, flags=re.MULTILINE)
    assert planned == sorted(generate(spec))


def test_the_design_has_a_screen_per_feature_and_the_style_palette() -> None:
    text = ask("uiux", make_spec("web", style="corporate")).text
    for title in ("Auth", "Notes", "User profile"):
        assert f"### {title}\n" in text
    for colour in PALETTES["corporate"].colours().values():
        assert colour in text
    assert PALETTES["modern"].primary not in text


def test_each_style_has_its_own_palette() -> None:
    primaries = {palette.primary for palette in PALETTES.values()}
    assert len(primaries) == len(PALETTES)
    designs = {style: ask("uiux", make_spec(style=style)).text for style in PALETTES}
    assert len(set(designs.values())) == len(PALETTES)


@pytest.mark.parametrize(
    ("target", "style_file"), [("web", "styles.css"), ("flutter", "lib/theme.dart")]
)
def test_different_styles_generate_different_palettes(target: str, style_file: str) -> None:
    # Given the same spec in two styles
    modern = generate(make_spec(target, style="modern"))
    dark = generate(make_spec(target, style="dark"))
    # Then the style file differs and carries each palette's colours
    assert modern[style_file] != dark[style_file]
    for palette, files in ((PALETTES["modern"], modern), (PALETTES["dark"], dark)):
        for colour in palette.colours().values():
            code = colour if target == "web" else f"0xFF{colour.lstrip('#')}"
            assert code in files[style_file]


@pytest.mark.parametrize("target", TARGETS)
def test_no_features_gives_one_home_screen(target: str) -> None:
    files = generate(make_spec(target, features=""))
    expected = {
        "web": "tests/app.test.js",
        "python-api": "tests/test_home.py",
        "flutter": "lib/screens/home_screen.dart",
    }[target]
    assert expected in files
    assert "home" in files[expected]


@pytest.mark.parametrize("target", TARGETS)
def test_reviewer_feedback_becomes_revision_notes(target: str) -> None:
    files = generate(make_spec(target), feedback="Make the buttons bigger.\nAnd friendlier.")
    readme = files["README.md"]
    assert "## Revision notes" in readme
    assert "> Make the buttons bigger.\n> And friendlier." in readme
    assert "Revision notes" not in generate(make_spec(target))["README.md"]


def test_refactor_tidies_whitespace_and_python_tabs() -> None:
    # Given files with trailing spaces, tab indentation and extra or missing final newlines
    files = {
        "app/util.py": "def f():\n\treturn 1   \n",
        "app.js": "const a = 1;   \nconst b = 2;",
        "README.md": "Line with a break  \nnext\n\n\n",
        "clean.txt": "nothing to do\n",
    }
    # When the refactor phase answers
    answer = ask("refactor", make_spec(), files=files).text
    changed = parse_files(answer)
    # Then a summary comes first, and only the untidy files come back, tidied
    assert answer.startswith("# Refactor")
    assert changed == {
        "app/util.py": "def f():\n    return 1\n",
        "app.js": "const a = 1;\nconst b = 2;\n",
        # Markdown keeps its two-space line break.
        "README.md": "Line with a break  \nnext\n",
    }


def test_refactor_leaves_python_whose_strings_hold_the_whitespace() -> None:
    # Given trailing spaces inside a string literal (meaning, not style)
    files = {"app/keep.py": 's = """trailing   \n"""\n'}
    # When refactored
    answer = ask("refactor", make_spec(), files=files).text
    # Then nothing is changed
    assert "=== FILE" not in answer
    assert "Nothing to change" in answer


@pytest.mark.parametrize("target", TARGETS)
def test_refactor_finds_nothing_to_change_in_a_generated_tree(target: str) -> None:
    spec = make_spec(target)
    answer = ask("refactor", spec, files=generate(spec)).text
    assert "=== FILE" not in answer
    assert "Nothing to change" in answer


def test_importing_the_renderer_loads_no_templates() -> None:
    # Cold start: the pipeline imports its renderer; a target's templates load when a phase
    # of that target runs.
    code = (
        "import sys, functions.pipeline.targets.generator\n"
        "prefixes = ('functions.pipeline.targets.', 'pydantic')\n"
        "loaded = [m for m in sys.modules if m.startswith(prefixes)]\n"
        "print(','.join(sorted(loaded)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "functions.pipeline.targets.generator"
