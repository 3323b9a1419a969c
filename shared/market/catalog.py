"""The AI Market's catalog: every listed product as a capability (`<product>.download`:
its current release, bought), read from the storefront's listing (the same rules: only
listed products), then every PUBLIC deployed agent of every team (`agent-<team>.<friendly
name>`: a call runs it as `POST /rest/<friendly name>` does), read from the deployments'
market index (shared.deployments.market_store); a page at a time across both, the signed
manifest of a page; plans from a request.

A manifest cursor names its source and that source's own cursor: the products' pages come
first, then the agents'; each page is at most two Queries (and one BatchGetItem of the
agents' input schemas), whatever the size of either.

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
from shared.deployments import market_store
from shared.deployments.domain import Deployment
from shared.deployments.market_store import MarketAgent
from shared.errors import BadRequest, NotFound
from shared.market.domain import AGENT_PID_PREFIX, DOWNLOAD, PROTOCOL, Capability, agent_pid
from shared.pagination import PageParams, decode_cursor, encode_cursor
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
# An agent without an input schema takes any JSON object (MCP's inputSchema is an object's).
ANY_INPUT: Final[dict[str, Any]] = {"type": "object"}
AGENT_CATEGORY: Final = "agent"
PRODUCTS: Final = "products"
AGENTS: Final = "agents"


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


def _agent_about(description: str, name: str) -> str:
    return description or f"The deployed agent {name}: its JSON input in, its output out."


def _agent_capability(
    agent: MarketAgent | Deployment, input_schema: dict[str, Any] | None
) -> Capability:
    return Capability(
        pid=agent_pid(agent.team_id),
        cid=agent.friendly_name,
        seller_id=agent.team_id,
        name=agent.friendly_name,
        description=_agent_about(agent.description, agent.friendly_name),
        price_cents=agent.price_cents,
        currency="usd",
        category=AGENT_CATEGORY,
        quality_score=0,
        input_schema=_object_schema(input_schema),
        read_only=False,
    )


def _object_schema(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The agent's input schema as MCP's inputSchema: an object's (else any object)."""
    if isinstance(schema, dict) and schema.get("type") == "object":
        return schema
    return ANY_INPUT


def _agent_capabilities(agents: list[MarketAgent]) -> list[Capability]:
    """The page's agents with their live input schemas (one BatchGetItem); one whose agent
    is gone meanwhile is left out."""
    from shared.agents import store as agent_store

    schemas = agent_store.input_schemas((a.team_id, a.agent_id) for a in agents)
    return [
        _agent_capability(agent, schemas[(agent.team_id, agent.agent_id)])
        for agent in agents
        if (agent.team_id, agent.agent_id) in schemas
    ]


def _source_cursor(cursor: str) -> tuple[str, str | None]:
    flat = decode_cursor(cursor)
    source = flat.get("source")
    if source not in (PRODUCTS, AGENTS) or set(flat) != {"source", "cursor"}:
        raise BadRequest("Invalid cursor")
    return source, flat["cursor"] or None


def _next(source: str, cursor: str | None) -> str:
    return encode_cursor({"source": source, "cursor": cursor or ""})


def capabilities(params: PageParams) -> tuple[list[Capability], str | None]:
    """One page of the catalog: the listed products, newest first, then the public deployed
    agents, newest first; `next_cursor` goes on from where the page ended, in either."""
    source, inner, offset = PRODUCTS, None, params.offset
    if params.cursor is not None:
        source, inner = _source_cursor(params.cursor)
        offset = 0
    found: list[Capability] = []
    agents_offset = 0
    if source == PRODUCTS:
        page = PageParams(limit=params.limit, offset=offset, cursor=inner)
        items, total, cursor = products.listing(ListingQuery(), page)
        found = [_capability(item, _about(item)) for item in items]
        if cursor is not None and len(found) == params.limit:
            return found, _next(PRODUCTS, cursor)
        agents_offset = max(0, offset - total) if inner is None else 0
        inner = None
        if len(found) == params.limit:
            return found, _next(AGENTS, None)  # the products are done; the agents next
    agents, cursor = market_store.page(params.limit - len(found), inner, agents_offset)
    found += _agent_capabilities(agents)
    return found, None if cursor is None else _next(AGENTS, cursor)


def capability(pid: str, cid: str) -> tuple[Capability, Product | Deployment]:
    """A capability of a listed product or of a team's public deployed agent; 404 for
    anything else (a key-protected deployment included)."""
    if pid.startswith(AGENT_PID_PREFIX):
        return _agent(pid, cid)
    product = product_store.get_listed_product(pid)
    if product is None or cid != DOWNLOAD:
        raise NotFound(f"no capability {cid!r} of {pid!r} in the market")
    return _capability(product, product.description), product


def _agent(pid: str, cid: str) -> tuple[Capability, Deployment]:
    from shared.agents import store as agent_store
    from shared.deployments import store as deployments

    deployment = deployments.get_by_name(cid)
    if deployment is None or not deployment.public or agent_pid(deployment.team_id) != pid:
        raise NotFound(f"no capability {cid!r} of {pid!r} in the market")
    agent = agent_store.get_live_agent(deployment.team_id, deployment.agent_id)
    if agent is None:
        raise NotFound(f"no capability {cid!r} of {pid!r} in the market")
    return _agent_capability(deployment, agent.input_schema), deployment


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def tool(item: Capability) -> dict[str, Any]:
    """An MCP tool descriptor, with the market's own fields beside it."""
    return {
        "name": item.tool_name,
        "description": item.description,
        "inputSchema": item.input_schema,
        "annotations": {
            "title": item.name,
            "readOnlyHint": item.read_only,
            "openWorldHint": not item.read_only,
        },
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
    """Capabilities for a request in words: the listed products and the public deployed
    agents indexed under most of its words (then the better scored), each step with why and
    what it costs; within the budget when one is given (steps over it are left out, in rank
    order)."""
    words = query_words(request)
    matched: dict[str, list[str]] = {}
    found: dict[str, tuple[Capability, int]] = {}
    agents: dict[str, MarketAgent] = {}
    for word in words:
        for product in product_store.listed_under(word, PLAN_CANDIDATES_PER_WORD):
            item = _capability(product, _about(product))
            matched.setdefault(item.tool_name, []).append(word)
            found[item.tool_name] = (item, product.quality_score)
        for agent in market_store.under(word, PLAN_CANDIDATES_PER_WORD):
            name = f"{agent_pid(agent.team_id)}.{agent.friendly_name}"
            matched.setdefault(name, []).append(word)
            agents[name] = agent
    for item in _agent_capabilities(list(agents.values())):
        found[item.tool_name] = (item, 0)
    ranked = sorted(found.values(), key=lambda f: (-len(matched[f[0].tool_name]), -f[1], f[0].name))
    steps: list[dict[str, Any]] = []
    total = 0
    for item, _ in ranked:
        if len(steps) == limit:
            break
        if budget_cents is not None and total + item.price_cents > budget_cents:
            continue
        total += item.price_cents
        steps.append({**tool(item), "why": f"listed under {', '.join(matched[item.tool_name])}"})
    return {
        "request": request,
        "steps": steps,
        "total_usd": total / 100,
        "currency": "usd",
        "within_budget": budget_cents is None or total <= budget_cents,
    }
