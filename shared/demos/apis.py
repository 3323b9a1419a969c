"""The deployed APIs a demo calls, checked and described for its page.

A selected API is named by its deployment's friendly name (seed 002's `selectedApis`);
it must be one of the caller's team's deployments, found by one GetItem on the name
(shared.deployments.store.get_by_name). An unknown name, or another team's, is refused
422: the request names something the team cannot use, and another team's deployments are
not the caller's to discover. Each API's input schema (its form on the page) is the
deployment's, else its agent's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.demos.domain import DemoApi
from shared.demos.page import UnsafeUrl, csp_source
from shared.errors import Unprocessable

API_PREFIX = "/api/v1"


def rest_url(origin: str, friendly_name: str, url: str | None) -> str:
    """The absolute URL a page POSTs to: the deployment's own when absolute, else under
    `origin` (the API's, as the request reached it)."""
    if url and url.startswith(("http://", "https://")):
        return url.rstrip("/")
    if url and url.startswith("/"):
        return f"{origin}{url}".rstrip("/")
    return f"{origin}{API_PREFIX}/rest/{friendly_name}"


def _input_schema(team_id: str, deployment: Any) -> dict[str, Any] | None:
    schema = getattr(deployment, "input_schema", None)
    if isinstance(schema, dict):
        return schema
    from shared.agents import store as agents

    agent = agents.get_live_agent(team_id, deployment.agent_id)
    schema = getattr(agent, "input_schema", None) if agent is not None else None
    return schema if isinstance(schema, dict) else None


def resolve(team_id: str, names: Sequence[str], origin: str) -> list[DemoApi]:
    """The team's deployed APIs by these names, in order; Unprocessable naming the first
    that is not one (unknown, undeployed, another team's)."""
    from shared.deployments import store as deployments

    found: list[DemoApi] = []
    for name in names:
        deployment = deployments.get_by_name(name)
        if deployment is None or deployment.team_id != team_id:
            raise Unprocessable(
                f"selectedApis: no deployed API named '{name}' in this team (GET /deployments)"
            )
        url = rest_url(origin, name, getattr(deployment, "url", None))
        try:
            csp_source(url)
        except UnsafeUrl as exc:
            raise Unprocessable(f"selectedApis: '{name}' has no usable URL") from exc
        agent = getattr(deployment, "agent_id", None)
        found.append(
            DemoApi(
                friendly_name=name,
                url=url,
                description=str(getattr(deployment, "description", "") or ""),
                input_schema=_input_schema(team_id, deployment) if agent else None,
            )
        )
    return found
