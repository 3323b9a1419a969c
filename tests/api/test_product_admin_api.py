"""The admin product lifecycle end to end: a product from an idea starts its job and waits
as a draft; the job's pass (the pipeline's completion) publishes it by itself, once; the
team's products in every state, storefront copy and settings, a follow-up's pass as the
next release, the release list, a batch; another team's product is 404 to its admins, and
a member who is not an admin is 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import Account, assert_error, passed_job

ADMIN = "/api/v1/admin"
IDEA = {"idea": "A landing page for pet sitters in Berlin", "category": "landing-pages"}


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def built(team_id: str, job_id: str) -> None:
    """The pipeline completing the job (its last state)."""
    from functions.pipeline.worker import complete

    complete(team_id, job_id)


def test_a_product_from_an_idea_is_a_draft_until_its_job_passes(
    admin: Account, client_at: Any
) -> None:
    from shared.products import store

    started = admin.client.post(
        f"{ADMIN}/products/create", headers=admin.headers, json={**IDEA, "price_usd": 12}
    )
    assert started.status_code == 201, started.text
    product = started.json()["product"]
    job_id = started.json()["job_id"]
    assert (product["status"], product["job_id"], product["price_usd"]) == ("draft", job_id, 12)
    assert product["name"] == "A landing page for pet sitters in Berlin"
    job = admin.client.get(f"/api/v1/jobs/{job_id}", headers=admin.headers)
    assert job.status_code == 200, job.text
    assert_error(client_at().get(f"/api/v1/products/{product['id']}"), 404)

    # Stand in for the pipeline: the product's job, passed with its export, completes.
    done = passed_job(admin.team_id)
    store.link_job(admin.team_id, done, product["id"])
    draft = store.get_product(admin.team_id, product["id"])
    assert draft is not None
    from dataclasses import replace

    from shared.ids import utcnow

    store.save_product(draft, replace(draft, job_id=done, updated_at=utcnow()))
    built(admin.team_id, done)
    built(admin.team_id, done)  # the completion run again publishes nothing more

    shown = admin.client.get(f"{ADMIN}/pipeline/products/{product['id']}", headers=admin.headers)
    assert (shown.json()["status"], shown.json()["release"]) == ("published", 1)
    assert client_at().get(f"/api/v1/products/{product['id']}").status_code == 200
    releases = admin.client.get(
        f"{ADMIN}/release", headers=admin.headers, params={"product_id": product["id"]}
    ).json()
    assert [(r["release"], r["job_id"]) for r in releases["items"]] == [(1, done)]
    assert releases["items"][0]["published_by"] == "product-lifecycle"


def test_a_follow_up_starts_the_next_release_and_its_pass_publishes_it(admin: Account) -> None:
    from shared.products import store

    first = passed_job(admin.team_id)
    published = admin.client.post(
        f"/api/v1/jobs/{first}/publish", headers=admin.headers, json={"category": "web"}
    ).json()
    follow = admin.client.patch(
        f"{ADMIN}/pipeline/products/{published['id']}/followup",
        headers=admin.headers,
        json={"instructions": "Add a booking form"},
    )
    assert follow.status_code == 202, follow.text
    assert follow.json()["product"]["job_id"] == follow.json()["job_id"]
    assert follow.json()["product"]["release"] == 1  # still the first until the job passes
    assert store.product_of_job(admin.team_id, follow.json()["job_id"]) == published["id"]

    # The follow-up's job as the pipeline leaves it when it passes.
    second = passed_job(admin.team_id)
    store.link_job(admin.team_id, second, published["id"])
    current = store.get_product(admin.team_id, published["id"])
    assert current is not None
    from dataclasses import replace

    from shared.ids import utcnow

    store.save_product(current, replace(current, job_id=second, updated_at=utcnow()))
    built(admin.team_id, second)
    shown = admin.client.get(
        f"{ADMIN}/pipeline/products/{published['id']}", headers=admin.headers
    ).json()
    assert shown["release"] == 2
    # A job no product waits on publishes nothing.
    lone = passed_job(admin.team_id)
    built(admin.team_id, lone)
    assert store.product_of_job(admin.team_id, lone) is None


def test_copy_and_storefront_settings_change_what_the_public_sees(
    admin: Account, client_at: Any
) -> None:
    job = passed_job(admin.team_id)
    product = admin.client.post(
        f"/api/v1/jobs/{job}/publish", headers=admin.headers, json={"category": "web"}
    ).json()
    url = f"{ADMIN}/pipeline/products/{product['id']}"
    copy = admin.client.patch(
        f"{url}/marketplace-copy",
        headers=admin.headers,
        json={"name": "Sitter Pages", "tagline": "Book in a minute", "category": "landing-pages"},
    )
    assert copy.status_code == 200, copy.text
    public = client_at()
    seen = public.get(f"/api/v1/products/{product['id']}").json()
    assert (seen["name"], seen["tagline"], seen["category"]) == (
        "Sitter Pages",
        "Book in a minute",
        "landing-pages",
    )
    priced = admin.client.patch(
        f"{url}/storefront-admin", headers=admin.headers, json={"price_usd": 7.5}
    )
    assert priced.json()["price_usd"] == 7.5
    hidden = admin.client.patch(
        f"{url}/storefront-admin", headers=admin.headers, json={"hidden": True}
    )
    assert hidden.json()["listed"] is False
    assert_error(public.get(f"/api/v1/products/{product['id']}"), 404)
    assert_error(
        admin.client.patch(
            f"{url}/storefront-admin",
            headers=admin.headers,
            json={"support_agent_id": "01JF3ZA1B2C3D4E5F6G7H8J9K0"},
        ),
        422,
    )
    assert_error(
        admin.client.patch(
            f"{url}/storefront-admin", headers=admin.headers, json={"quality_override": 101}
        ),
        422,
    )
    drafts = admin.client.get(
        f"{ADMIN}/pipeline/products", headers=admin.headers, params={"status": "draft"}
    ).json()
    assert drafts["items"] == []


def test_another_teams_product_is_404_and_a_member_is_403(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    job = passed_job(admin.team_id)
    product = admin.client.post(
        f"/api/v1/jobs/{job}/publish", headers=admin.headers, json={"category": "web"}
    ).json()
    url = f"{ADMIN}/pipeline/products/{product['id']}"
    other = new_account()
    assert_error(other.client.get(url, headers=other.headers), 404)
    assert_error(
        other.client.patch(f"{url}/storefront-admin", headers=other.headers, json={"hidden": True}),
        404,
    )
    assert_error(
        other.client.patch(f"{url}/followup", headers=other.headers, json={"instructions": "x"}),
        404,
    )
    assert (
        other.client.get(f"{ADMIN}/pipeline/products", headers=other.headers).json()["items"] == []
    )
    member = new_account(invited_by=admin, role="member")
    assert_error(member.client.get(url, headers=member.headers), 403)
    assert_error(
        member.client.post(f"{ADMIN}/products/create", headers=member.headers, json=IDEA), 403
    )


def test_a_batch_starts_one_product_per_idea(admin: Account) -> None:
    answer = admin.client.post(
        f"{ADMIN}/products/batch",
        headers=admin.headers,
        json={
            "items": [IDEA, {**IDEA, "idea": "An invoice tool for florists", "category": "tools"}]
        },
    )
    assert answer.status_code == 200, answer.text
    outcomes = answer.json()["items"]
    assert [(o["index"], o["status"]) for o in outcomes] == [(0, 201), (1, 201)]
    assert outcomes[1]["product"]["category"] == "tools"
    too_many = {"items": [IDEA] * 11}
    assert_error(
        admin.client.post(f"{ADMIN}/products/batch", headers=admin.headers, json=too_many), 422
    )
