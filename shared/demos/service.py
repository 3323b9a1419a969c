"""The rules of demo apps, on plain typed arguments.

- Every selected API must be one of the team's deployments (shared.demos.apis: 422
  otherwise); its absolute URL is fixed when the demo is written, and the page's policy
  names exactly those URLs.
- The generated code is at most MAX_CODE_BYTES (413 beyond), checked before anything is
  stored or generated further.
- A write renders the page and puts it in S3 for the demo's next version before the item
  moves to that version (shared.demos.pages says why); a demo of another team is 404.
- demo.created / demo.updated / demo.deleted are published (names and ids, no code).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared import events
from shared.demos import apis, pages, store
from shared.demos.domain import (
    CREATED_EVENT,
    DELETED_EVENT,
    MAX_CODE_BYTES,
    UPDATED_EVENT,
    Demo,
    DemoDraft,
    GeneratedCode,
    ModelConfig,
)
from shared.demos.generate import GeneratedPage, check_composer, generate_page
from shared.demos.page import render_page
from shared.errors import DomainError, NotFound, PayloadTooLarge, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams


def check_size(code: GeneratedCode) -> None:
    if code.size() > MAX_CODE_BYTES:
        raise PayloadTooLarge(
            f"generatedCode holds {code.size()} bytes; html, css and js together may hold "
            f"at most {MAX_CODE_BYTES} ({MAX_CODE_BYTES // 1024} KiB) in UTF-8"
        )


def generate(
    team_id: str,
    user_id: str,
    *,
    prompt: str,
    selected_apis: tuple[str, ...],
    config: ModelConfig | None,
    origin: str,
) -> GeneratedPage:
    """A page for these APIs from the composer (checked first: 422 / 409), through the
    team's router."""
    found = apis.resolve(team_id, selected_apis, origin)
    composer = check_composer(team_id, config)
    return generate_page(team_id, user_id, prompt=prompt, apis=found, config=composer)


def _event_data(demo: Demo, actor: str) -> dict[str, Any]:
    return {
        "team_id": demo.team_id,
        "demo_id": demo.id,
        "name": demo.name,
        "selected_apis": list(demo.selected_apis),
        "actor": actor,
    }


def _page(demo: Demo) -> str:
    return render_page(
        name=demo.name,
        description=demo.description,
        code=demo.generated_code,
        api_urls=demo.api_urls,
    )


def _with_draft(demo: Demo, draft: DemoDraft, api_urls: tuple[str, ...]) -> Demo:
    return replace(
        demo,
        name=draft.name,
        description=draft.description,
        selected_apis=draft.selected_apis,
        api_urls=api_urls,
        model_config=draft.model_config,
        user_prompt=draft.user_prompt,
        generated_code=draft.generated_code,
        composer_thoughts=draft.composer_thoughts,
    )


def create_demo(team_id: str, user_id: str, draft: DemoDraft, *, origin: str) -> Demo:
    check_size(draft.generated_code)
    found = apis.resolve(team_id, draft.selected_apis, origin)
    now = utcnow()
    blank = Demo(
        team_id=team_id,
        id=new_id(),
        name="",
        description="",
        selected_apis=(),
        api_urls=(),
        model_config=draft.model_config,
        user_prompt="",
        generated_code=GeneratedCode(),
        composer_thoughts=None,
        created_by=user_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    demo = _with_draft(blank, draft, tuple(api.url for api in found))
    pages.save_page(team_id, demo.id, demo.version, _page(demo))
    stored = store.create_demo(demo)
    events.publish(CREATED_EVENT, _event_data(stored, user_id))
    return stored


def get_demo(team_id: str, demo_id: str) -> Demo:
    demo = store.get_demo(team_id, demo_id)
    if demo is None:
        raise NotFound("demo not found")
    return demo


def list_demos(team_id: str, params: PageParams) -> tuple[list[Demo], int, str | None]:
    return store.list_demos(team_id, params)


def replace_demo(
    team_id: str, user_id: str, demo_id: str, draft: DemoDraft, *, origin: str
) -> Demo:
    """The demo's content replaced (seed 002: the creation schema); its page with it."""
    check_size(draft.generated_code)
    current = get_demo(team_id, demo_id)
    found = apis.resolve(team_id, draft.selected_apis, origin)
    changed = _with_draft(current, draft, tuple(api.url for api in found))
    following = current.version + 1
    pages.save_page(team_id, demo_id, following, _page(changed))
    try:
        stored = store.replace_demo(changed)
    except DomainError:  # another update won (409), or storage failed: the page is not ours
        pages.delete_page(team_id, demo_id, following)
        raise
    if stored is None:
        pages.delete_page(team_id, demo_id, following)
        raise NotFound("demo not found")
    try:
        pages.delete_page(team_id, demo_id, current.version)
    except ServiceUnavailable:  # a leftover page is unreachable without its URL; delete removes it
        logger.warning("a demo's replaced page was left in S3", extra={"demo": demo_id})
    events.publish(UPDATED_EVENT, _event_data(stored, user_id))
    return stored


def delete_demo(team_id: str, user_id: str, demo_id: str) -> None:
    demo = get_demo(team_id, demo_id)
    if not store.delete_demo(team_id, demo_id):
        raise NotFound("demo not found")
    pages.delete_pages(team_id, demo_id)
    events.publish(DELETED_EVENT, _event_data(demo, user_id))


def page_url(demo: Demo) -> str:
    return pages.page_url(demo.team_id, demo.id, demo.version)
