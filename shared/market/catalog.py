"""The AI Market's catalog: every listed product as a capability (`<product>.download`:
its current release, bought), read from the storefront's listing (the same rules: only
listed products), a page at a time; the signed manifest of a page; plans from a request.

The manifest's signature is an ES256 JWT signed with the platform's key (the one
`/.well-known/jwks.json` publishes), audience `<api audience>/ai-market`, whose claim
`manifest_sha256` is the SHA-256 (hex) of the manifest's canonical JSON without its
`signature`: keys sorted, no spaces, UTF-8. A client checks the JWT against the JWKS and
the digest against the body it got."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Final

from shared.auth.tokens import sign_claims
from shared.errors import NotFound
from shared.market.domain import DOWNLOAD, PROTOCOL, Capability
from shared.pagination import PageParams
from shared.products import service as products
from shared.products import store as product_store
from shared.products.domain import ListedProduct, ListingQuery, Product
from shared.products.words import query_words
from shared.settings import get_settings

SIGNATURE_SECONDS: Final = 3600
# A plan reads this many of the newest listed products under each word of the request.
PLAN_CANDIDATES_PER_WORD: Final = 25
DOWNLOAD_INPUT: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
}


def audience() -> str:
    return f"{get_settings().jwt_audience}/ai-market"


def _capability(product: ListedProduct | Product, description: str) -> Capability:
    seller = product.seller_id if isinstance(product, ListedProduct) else product.team_id
    quality = (
        product.quality_score if isinstance(product, ListedProduct) else product.effective_quality
    )
    return Capability(
        pid=product.id,
        cid=DOWNLOAD,
        seller_id=seller,
        name=product.name,
        description=description,
        price_cents=product.price_cents,
        currency=product.currency,
        category=product.category,
        quality_score=quality,
        input_schema=DOWNLOAD_INPUT,
    )


def _about(product: ListedProduct) -> str:
    kind = "a web app" if product.kind == "web" else "a code base"
    return (
        f"{product.name}: {product.tagline or kind} (release {product.release}, "
        f"{product.category}). Answers a link to download its ZIP."
    )


def capabilities(params: PageParams) -> tuple[list[Capability], str | None]:
    """One page of the catalog, newest listed products first."""
    items, _, cursor = products.listing(ListingQuery(), params)
    return [_capability(item, _about(item)) for item in items], cursor


def capability(pid: str, cid: str) -> tuple[Capability, Product]:
    """A capability of a listed product; 404 for anything else."""
    product = product_store.get_listed_product(pid)
    if product is None or cid != DOWNLOAD:
        raise NotFound(f"no capability {cid!r} of {pid!r} in the market")
    return _capability(product, product.description), product


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def tool(item: Capability) -> dict[str, Any]:
    """An MCP tool descriptor, with the market's own fields beside it."""
    return {
        "name": item.tool_name,
        "description": item.description,
        "inputSchema": item.input_schema,
        "annotations": {"title": item.name, "readOnlyHint": True, "openWorldHint": False},
        "pid": item.pid,
        "cid": item.cid,
        "seller_id": item.seller_id,
        "category": item.category,
        "price_usd": item.price_cents / 100,
        "currency": item.currency,
    }


def manifest(params: PageParams, now: datetime) -> dict[str, Any]:
    """A signed page of the tool catalog."""
    items, cursor = capabilities(params)
    body: dict[str, Any] = {
        "protocol": PROTOCOL,
        "generated_at": now.isoformat(),
        "tools": [tool(item) for item in items],
        "next_cursor": cursor,
    }
    digest = hashlib.sha256(canonical(body)).hexdigest()
    signature = sign_claims(
        "ai-market",
        {"manifest_sha256": digest},
        audience=audience(),
        ttl_seconds=SIGNATURE_SECONDS,
    )
    return {**body, "signature": signature}


def plan(request: str, budget_cents: int | None, limit: int) -> dict[str, Any]:
    """Capabilities for a request in words: the listed products indexed under most of its
    words (then the better scored), each step with why and what it costs; within the budget
    when one is given (steps over it are left out, in rank order)."""
    words = query_words(request)
    matched: dict[str, list[str]] = {}
    found: dict[str, ListedProduct] = {}
    for word in words:
        for product in product_store.listed_under(word, PLAN_CANDIDATES_PER_WORD):
            matched.setdefault(product.id, []).append(word)
            found[product.id] = product
    ranked = sorted(found.values(), key=lambda p: (-len(matched[p.id]), -p.quality_score, p.name))
    steps: list[dict[str, Any]] = []
    total = 0
    for product in ranked:
        if len(steps) == limit:
            break
        if budget_cents is not None and total + product.price_cents > budget_cents:
            continue
        total += product.price_cents
        steps.append(
            {
                **tool(_capability(product, _about(product))),
                "why": f"listed under {', '.join(matched[product.id])}",
            }
        )
    return {
        "request": request,
        "steps": steps,
        "total_usd": total / 100,
        "currency": "usd",
        "within_budget": budget_cents is None or total <= budget_cents,
    }
