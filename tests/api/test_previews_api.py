"""Sandbox previews end to end: a listed web product's site unpacked once per release and
served under a per-preview URL (each file a short presigned link), 410 once the preview has
expired (a driven clock); a download product or an unlisted one has none; the per-address
limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from shared.ids import utcnow
from tests.factories import Account, assert_error, passed_job

PREVIEWS = "/api/v1/sandbox/previews"
SITE = {"index.html": "<h1>Pet sitters</h1>", "assets/app.js": "console.log(1)", "app.py": "x"}


@pytest.fixture
def seller(new_account: Callable[..., Account]) -> Account:
    return new_account()


def publish(seller: Account, tree: dict[str, str]) -> str:
    job = passed_job(seller.team_id, tree=tree)
    answer = seller.client.post(
        f"/api/v1/jobs/{job}/publish", headers=seller.headers, json={"category": "web"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_a_preview_serves_the_site_until_it_expires(
    seller: Account, client_at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.previews import store

    unpacked: list[int] = []
    real = store.put_site
    monkeypatch.setattr(store, "put_site", lambda *a, **k: (unpacked.append(1), real(*a, **k))[1])
    product = publish(seller, SITE)
    visitor = client_at()
    opened = visitor.post(PREVIEWS, json={"product_id": product})
    assert opened.status_code == 201, opened.text
    preview = opened.json()
    assert preview["status"] == "live"
    assert preview["url"].endswith(f"/api/v1/sandbox/previews/{preview['id']}/site/")

    site = preview["url"].split("testserver", 1)[-1]
    index = visitor.get(site, follow_redirects=False)
    assert index.status_code == 307, index.text
    assert f"previews/{seller.team_id}/{product}/r1/index.html" in index.headers["location"]
    script = visitor.get(f"{site}assets/app.js", follow_redirects=False)
    assert script.status_code == 307
    assert_error(visitor.get(f"{site}nope.html", follow_redirects=False), 404)
    # A second preview of the same release unpacks nothing again.
    assert visitor.post(PREVIEWS, json={"product_id": product}).status_code == 201
    assert unpacked == [1]

    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert_error(visitor.get(site, follow_redirects=False), 410)
        assert_error(visitor.get(f"{PREVIEWS}/{preview['id']}"), 410)


def test_only_a_listed_web_product_has_a_preview(seller: Account, client_at: Any) -> None:
    from shared.products.service import create_draft

    download = publish(seller, {"app/main.py": "print(1)"})
    draft = create_draft(
        seller.team_id, job_id=None, name="Soon", category="x", description="d", actor="a"
    )
    visitor = client_at()
    assert_error(visitor.post(PREVIEWS, json={"product_id": download}), 409)
    assert_error(visitor.post(PREVIEWS, json={"product_id": draft.id}), 404)
    assert_error(visitor.get(f"{PREVIEWS}/01JF3ZA1B2C3D4E5F6G7H8J9K0"), 404)


def test_previews_are_limited_per_address(seller: Account, client_at: Any) -> None:
    product = publish(seller, SITE)
    visitor = client_at()
    answers = [visitor.post(PREVIEWS, json={"product_id": product}).status_code for _ in range(21)]
    assert answers == [201] * 20 + [429]


def test_a_site_over_the_cap_is_refused_not_cut(
    seller: Account, client_at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.previews import service

    monkeypatch.setattr(service, "MAX_SITE_FILES", 1)
    product = publish(seller, SITE)
    assert_error(client_at().post(PREVIEWS, json={"product_id": product}), 409)
