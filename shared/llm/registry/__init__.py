"""A team's LLM providers: their configuration in DynamoDB, their keys in Secrets Manager.

    schemas.py   request and response shapes (ProviderCreate, ProviderUpdate, ProviderPublic)
    models.py    the stored items (providers table, under TEAM#<team>), item_key for a batch
    domain.py    ProviderConfig: a provider as the registry knows it
    builtin.py   the built-in template generator every team has: read-only, never stored
    store.py     the only reads and writes of the items: ProviderConfig in and out
    service.py   the rules: create, upsert, get, config, listing, update, delete
    clients.py   client_for (a ready ProviderClient, cached per configuration) and test

Keys themselves are shared.llm.provider_keys' business.
"""

from shared.llm.registry.clients import client_for, test
from shared.llm.registry.domain import ProviderConfig
from shared.llm.registry.models import item_key
from shared.llm.registry.schemas import (
    ApiKeyStatus,
    ProviderCheck,
    ProviderCreate,
    ProviderKind,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared.llm.registry.service import (
    InUse,
    config,
    create,
    delete,
    get,
    listing,
    update,
    upsert,
)

__all__ = [
    "ApiKeyStatus",
    "InUse",
    "ProviderCheck",
    "ProviderConfig",
    "ProviderCreate",
    "ProviderKind",
    "ProviderPublic",
    "ProviderUpdate",
    "ProviderUpsert",
    "client_for",
    "config",
    "create",
    "delete",
    "get",
    "item_key",
    "listing",
    "test",
    "update",
    "upsert",
]
