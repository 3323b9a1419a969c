"""Inbound sources, for their team: create (the secret answered once), list, read, delete,
and the events each received. The public path is shared.hooks.inbound; the consumer that
stores events is shared.hooks.ingest."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable
from shared.hooks import event_store, source_store
from shared.hooks.domain import InboundEvent, Purpose, Scheme, Source
from shared.hooks.signatures import new_secret, secret_problem
from shared.ids import new_id, utcnow
from shared.pagination import PageParams


def create_source(
    team_id: str,
    name: str,
    scheme: Scheme,
    header: str | None,
    secret: str | None,
    *,
    purpose: Purpose = "events",
) -> Source:
    """A new source. `secret`: the sender's own (Stripe issues it), else one is made.
    `purpose` payments: the payment provider's (shared/payments makes it)."""
    if scheme == "hmac-sha256" and not header:
        raise Unprocessable("an hmac-sha256 source names the header its signature is in")
    if scheme != "hmac-sha256" and header:
        raise Unprocessable(f"a {scheme} source's signature header is fixed; leave header out")
    if secret is not None and (problem := secret_problem(scheme, secret)):
        raise Unprocessable(problem)
    source = Source(
        id=new_id(),
        team_id=team_id,
        name=name,
        scheme=scheme,
        header=header.lower() if header else None,
        secret=secret or new_secret(scheme),
        created_at=utcnow(),
        purpose=purpose,
    )
    return source_store.create_source(source)


def get_source(team_id: str, source_id: str) -> Source:
    source = source_store.get_source(team_id, source_id)
    if source is None:
        raise NotFound("source not found")
    return source


def list_sources(team_id: str, params: PageParams) -> tuple[list[Source], int, str | None]:
    return source_store.list_sources(team_id, params)


def delete_source(team_id: str, source_id: str) -> None:
    source_store.delete_source(team_id, source_id)


def list_events(
    team_id: str, source_id: str, params: PageParams
) -> tuple[list[InboundEvent], int, str | None]:
    """The events the team's source received, newest first; another team's source is 404."""
    get_source(team_id, source_id)
    return event_store.list_events(source_id, params)
