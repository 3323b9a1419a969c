"""Products end to end: a passed job's result published (POST /jobs/{ref}/publish) as a
product and its releases, and the public storefront (/products, /products/categories,
/products/{id}): only listed products (published, not hidden, good enough) are public, in
their categories, found by their words, paged; another team's job or product is 404."""

from __future__ import annotations

from itertools import count
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.aws import client
from shared.products import objects, service, store
from shared.products.domain import ProductChanges
from shared.settings import get_settings
from tests.factories import assert_error, passed_job

PRODUCTS = "/api/v1/products"
_numbers = count(1)
# A tiny PNG (1x1): the files group checks the type, not the pixels.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c6360000000020001e221bc330000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def seller(gateway: TestClient, token_for: Any) -> dict[str, str]:
    return dict(token_for("products-seller"))


@pytest.fixture(scope="module")
def other(gateway: TestClient, token_for: Any) -> dict[str, str]:
    return dict(token_for("products-other"))


def publish(gateway: TestClient, headers: dict[str, str], job_id: str, **body: Any) -> Any:
    return gateway.post(f"/api/v1/jobs/{job_id}/publish", headers=headers, json=body)


def team_of(gateway: TestClient, headers: dict[str, str]) -> str:
    return str(gateway.get("/api/v1/auth/me", headers=headers).json()["team_id"])


def category_counts(gateway: TestClient) -> dict[str, int]:
    answer = gateway.get(f"{PRODUCTS}/categories").json()
    return {entry["category"]: entry["count"] for entry in answer["items"]}


def category() -> str:
    return f"cat-{next(_numbers)}"


def test_a_passed_job_becomes_a_listed_product_and_each_publish_a_release(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    team = team_of(gateway, seller)
    web = {"index.html": "<h1>Pets</h1>", "app.js": "console.log(1)"}
    job_id = passed_job(team, tree=web)
    kind = category()

    first = publish(gateway, seller, job_id, category=kind, price_usd=19.99, tagline="Sitters")

    assert first.status_code == 201, first.text
    product = first.json()
    assert product["status"] == "published"
    assert product["listed"] is True
    assert (product["release"], product["kind"], product["web_root"]) == (1, "web", "")
    assert (product["price_usd"], product["quality_score"]) == (19.99, 100)
    page = gateway.get(PRODUCTS, params={"category": kind}).json()
    assert [item["id"] for item in page["items"]] == [product["id"]]
    assert page["total"] == 1
    public = gateway.get(f"{PRODUCTS}/{product['id']}")
    assert public.status_code == 200, public.text
    assert public.json()["preview_available"] is True
    assert public.json()["seller_id"] == team
    assert "status" not in public.json()

    again = publish(gateway, seller, job_id, category=kind)

    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["release"]) == (product["id"], 2)
    assert again.json()["price_usd"] == 19.99  # unchanged when not given
    bucket = get_settings().artifacts_bucket
    for release in (1, 2):  # each release keeps its own copy of the ZIP
        key = objects.zip_key(team, product["id"], release)
        assert client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    releases, total, _ = store.list_releases(team, _params(), product_id=product["id"])
    assert total == 2
    assert [r.release for r in releases] == [2, 1]
    # Still listed once, in its category and in the whole listing's count.
    assert gateway.get(PRODUCTS, params={"category": kind}).json()["total"] == 1


def test_only_a_passed_and_exported_job_of_the_team_can_be_published(
    gateway: TestClient, seller: dict[str, str], other: dict[str, str]
) -> None:
    team = team_of(gateway, seller)
    running = passed_job(team, status="running")
    unexported = passed_job(team, exported=False)
    mine = passed_job(team)

    assert_error(publish(gateway, seller, running, category="saas"), 409)
    assert_error(publish(gateway, seller, unexported, category="saas"), 409)
    assert_error(publish(gateway, other, mine, category="saas"), 404)
    assert_error(publish(gateway, seller, "no-such-job", category="saas"), 404)
    assert_error(publish(gateway, seller, mine, category="Not A Slug"), 422)
    assert_error(publish(gateway, seller, mine, category="saas", price_usd=1.005), 422)
    # Nothing was made by the refusals.
    assert store.product_of_job(team, running) is None
    assert store.product_of_job(team, unexported) is None


def test_another_teams_product_is_404_to_its_admins(
    gateway: TestClient, seller: dict[str, str], other: dict[str, str]
) -> None:
    product = publish(gateway, seller, passed_job(team_of(gateway, seller)), category="saas")
    theirs = passed_job(team_of(gateway, other))

    # Publishing into another team's product, as its next release.
    answer = publish(gateway, other, theirs, category="saas", product_id=product.json()["id"])

    assert_error(answer, 404)
    assert store.get_product(team_of(gateway, other), product.json()["id"]) is None


def test_unpublished_hidden_and_poor_products_are_never_public(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    team = team_of(gateway, seller)
    kind = category()
    poor = publish(gateway, seller, passed_job(team, warnings=9), category=kind).json()
    good = publish(gateway, seller, passed_job(team), category=kind).json()
    draft = service.create_draft(
        team, job_id=None, name="Idea", category=kind, description="d", actor="u"
    )

    assert (poor["quality_score"], poor["listed"]) == (55, False)
    listed = gateway.get(PRODUCTS, params={"category": kind}).json()
    assert [item["id"] for item in listed["items"]] == [good["id"]]
    assert listed["total"] == 1
    assert_error(gateway.get(f"{PRODUCTS}/{poor['id']}"), 404)
    assert_error(gateway.get(f"{PRODUCTS}/{draft.id}"), 404)
    counts = {
        c["category"]: c["count"] for c in gateway.get(f"{PRODUCTS}/categories").json()["items"]
    }
    assert counts[kind] == 1

    # Hidden by an admin: gone from the listing and its counts; a quality override lists
    # the poor one.
    service.update_product(team, good["id"], ProductChanges(hidden=True), actor="u")
    service.update_product(team, poor["id"], ProductChanges(quality_override=80), actor="u")

    listed = gateway.get(PRODUCTS, params={"category": kind}).json()
    assert [item["id"] for item in listed["items"]] == [poor["id"]]
    assert listed["total"] == 1
    assert_error(gateway.get(f"{PRODUCTS}/{good['id']}"), 404)
    assert gateway.get(f"{PRODUCTS}/{poor['id']}").json()["quality_score"] == 80


def test_an_edit_moves_a_product_between_categories_and_its_counts(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    team = team_of(gateway, seller)
    before, after = category(), category()
    product = publish(gateway, seller, passed_job(team), category=before).json()

    service.update_product(
        team, product["id"], ProductChanges(category=after, name="Renamed"), actor="u"
    )

    counts = {
        c["category"]: c["count"] for c in gateway.get(f"{PRODUCTS}/categories").json()["items"]
    }
    assert before not in counts
    assert counts[after] == 1
    page = gateway.get(PRODUCTS, params={"category": after}).json()
    assert [(item["id"], item["name"]) for item in page["items"]] == [(product["id"], "Renamed")]
    assert gateway.get(PRODUCTS, params={"category": before}).json()["total"] == 0


def test_search_finds_every_word_folded_and_pages_are_cursored(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    team = team_of(gateway, seller)
    word = f"zebra{next(_numbers)}"
    made = [
        publish(
            gateway,
            seller,
            passed_job(team),
            category="tools",
            name=f"{name} {word}",
            description=description,
        ).json()["id"]
        for name, description in (
            ("Café planner", "Plans meals"),
            ("Garden planner", "Plans beds"),
            ("Invoice maker", "Bills clients"),
        )
    ]

    both = gateway.get(PRODUCTS, params={"search": f"{word.upper()} PLANNER"}).json()
    assert [item["id"] for item in both["items"]] == [made[1], made[0]]
    assert both["total"] == 2
    folded = gateway.get(PRODUCTS, params={"search": f"cafe {word}"}).json()
    assert [item["id"] for item in folded["items"]] == [made[0]]
    first = gateway.get(PRODUCTS, params={"search": word, "limit": 2}).json()
    assert first["total"] == 3
    assert len(first["items"]) == 2
    rest = gateway.get(
        PRODUCTS, params={"search": word, "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in first["items"] + rest["items"]] == made[::-1]
    nothing = gateway.get(PRODUCTS, params={"search": "a !"}).json()
    assert (nothing["items"], nothing["total"]) == ([], 0)
    assert_error(gateway.get(PRODUCTS, params={"cursor": first["next_cursor"]}), 400)


def test_the_listing_by_name_and_newest(gateway: TestClient, seller: dict[str, str]) -> None:
    team = team_of(gateway, seller)
    kind = category()
    ids = {
        name: publish(gateway, seller, passed_job(team), category=kind, name=name).json()["id"]
        for name in ("Bravo", "alpha", "Charlie")
    }

    by_name = gateway.get(PRODUCTS, params={"category": kind, "sort": "name"}).json()
    newest = gateway.get(PRODUCTS, params={"category": kind}).json()

    assert [item["name"] for item in by_name["items"]] == ["alpha", "Bravo", "Charlie"]
    assert [item["id"] for item in newest["items"]] == [
        ids["Charlie"],
        ids["alpha"],
        ids["Bravo"],
    ]


def test_screenshots_are_the_teams_images_shown_by_presigned_url(
    gateway: TestClient, seller: dict[str, str], other: dict[str, str]
) -> None:
    def upload(headers: dict[str, str], name: str, body: bytes, kind: str) -> str:
        answer = gateway.post(
            "/api/v1/files/upload", headers=headers, files={"file": (name, body, kind)}
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    image = upload(seller, "shot.png", PNG, "image/png")
    text = upload(seller, "notes.txt", b"notes", "text/plain")
    theirs = upload(other, "theirs.png", PNG, "image/png")
    team = team_of(gateway, seller)

    assert_error(publish(gateway, seller, passed_job(team), category="x", screenshots=[text]), 422)
    assert_error(
        publish(gateway, seller, passed_job(team), category="x", screenshots=[theirs]), 422
    )
    product = publish(gateway, seller, passed_job(team), category="x", screenshots=[image]).json()

    shots = gateway.get(f"{PRODUCTS}/{product['id']}").json()["screenshots"]
    assert len(shots) == 1
    assert httpx.get(shots[0]).content == PNG  # a presigned GET of the emulated S3


def _params() -> Any:
    from shared.pagination import PageParams

    return PageParams()
