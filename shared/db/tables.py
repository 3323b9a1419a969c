"""The one definition of every DynamoDB table.

CDK builds the deployed tables from ``TABLES`` and the local runtime creates the emulated
ones from the same list, so a key schema can never differ between the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table: string keys only; every item key starts with its team (see shared.db.base)."""

    key: str
    purpose: str
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = "expires_at"

    def physical_name(self, resource_prefix: str) -> str:
        return f"{resource_prefix}-{self.key}"

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute used in a key of the table or one of its indexes, in order."""
        names = [self.partition_key, *([self.sort_key] if self.sort_key else [])]
        for index in self.indexes:
            names += [index.partition_key, index.sort_key]
        return tuple(dict.fromkeys(names))


# One general-purpose secondary index per table: lists by another key (status, slug, user).
_GSI1 = (IndexSpec("gsi1", "gsi1pk", "gsi1sk"),)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "identity",
        "users, teams, sessions, API keys, audit log, rate-limit counters",
        indexes=_GSI1,
    ),
    TableSpec("jobs", "generation jobs, phases, job events, projects, approvals", indexes=_GSI1),
    TableSpec("agents", "agents, per-phase agent configs, agent memories", indexes=_GSI1),
    TableSpec("providers", "LLM providers, model catalog, circuit-breaker state", indexes=_GSI1),
    TableSpec("costs", "cost ledger and its rollups, budgets, allowances", indexes=_GSI1),
    TableSpec("events", "webhooks, deliveries, triggers, notifications, settings", indexes=_GSI1),
    TableSpec(
        "work",
        "tasks, boards, workflows and their runs, workers, agent messages, collaboration "
        "sessions, chat conversations, tickets and session configs",
        indexes=_GSI1,
    ),
    TableSpec(
        "data",
        "files' metadata, the secrets vault's metadata, knowledge base entries and their "
        "search index versions",
        indexes=_GSI1,
    ),
    # The public side (issue 17): what a team sells and who buys it. Products are the
    # team's (TEAM#<team>); the public listing, customers and their entitlements, orders,
    # support sessions and the AI Market's channels belong to no team, so their keys start
    # with their kind (LISTING#, CUSTOMER#, ORDER#, ...; shared.db.base says why).
    TableSpec(
        "storefront",
        "products and their public listing, previews, feedback, customers and entitlements, "
        "orders and refunds, support sessions, AI Market listings and payment channels",
        indexes=_GSI1,
    ),
    # Powertools idempotency persistence: its own key names and expiry attribute.
    TableSpec(
        "idempotency",
        "Idempotency-Key records for writes that create work",
        partition_key="id",
        sort_key=None,
        ttl_attribute="expiration",
    ),
)

TABLES_BY_KEY: dict[str, TableSpec] = {table.key: table for table in TABLES}
