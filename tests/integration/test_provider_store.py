"""A team's providers: stored in DynamoDB, keys in Secrets Manager, clients built from both."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from shared.aws import client
from shared.db.base import team_partition
from shared.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from shared.ids import new_id
from shared.llm import breaker, registry
from shared.llm import provider_keys as keys
from shared.llm.registry import clients, service
from shared.llm.registry import store as provider_store
from shared.llm.registry.models import ProviderItem, provider_key
from shared.llm.types import ProviderError
from shared.pagination import PageParams
from shared.settings import get_settings
from tests.fake_servers import Reply, fake_openai

pytestmark = pytest.mark.usefixtures("aws")

KEY = "sk-proj-Q7vLx2NfT9pRk4WmZs8YhC1Ab3d"
OTHER_KEY = "sk-proj-Zr5Tq1MvB8nLc3XpWk6JdE0Yu7h"


@pytest.fixture(autouse=True)
def fresh_container() -> Iterator[None]:
    """Each test starts as a new container would: nothing cached."""
    keys.forget_keys()
    clients.forget_clients()
    yield
    clients.forget_clients()
    keys.forget_keys()


@pytest.fixture
def team() -> str:
    return new_id()


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings as deployed (`is_local` false): base URLs are held to the strict policy."""
    deployed_settings = get_settings().model_copy(update={"app_env": "aws"})
    monkeypatch.setattr(service, "get_settings", lambda: deployed_settings)


def openai(name: str = "openai-main", **fields: Any) -> registry.ProviderCreate:
    values: dict[str, Any] = {"name": name, "kind": "openai", "default_model": "gpt-4o-mini"}
    return registry.ProviderCreate.model_validate(values | fields)


def raw_item(team: str, name: str) -> dict[str, Any]:
    found = client("dynamodb").get_item(
        TableName=get_settings().table_name("providers"),
        Key={"pk": {"S": f"TEAM#{team}"}, "sk": {"S": provider_key(name)}},
    )
    item: dict[str, Any] = found["Item"]
    return item


def stored_secret(team: str, name: str) -> str:
    found = client("secretsmanager").get_secret_value(SecretId=keys.secret_name(team, name))
    return str(found["SecretString"])


# Storage


def test_create_get_list_update_delete_round_trip(team: str) -> None:
    created = registry.create(team, openai(api_key=KEY))

    fetched = registry.get(team, "openai-main")
    page, total, _ = registry.listing(team, PageParams())
    updated = registry.update(
        team, "openai-main", registry.ProviderUpdate(default_model="gpt-4.1", enabled=False)
    )
    registry.delete(team, "openai-main")

    assert created == fetched
    assert created.kind == "openai"
    assert created.base_url == ""  # the vendor's own API
    assert created.api_key.model_dump() == {"configured": True, "hint": "sk-proj-…Ab3d"}
    assert [p.name for p in page] == ["templates", "openai-main"]  # the built-in first
    assert total == 2
    assert (updated.default_model, updated.enabled) == ("gpt-4.1", False)
    assert updated.api_key.configured  # not mentioned: kept
    assert updated.updated_at > created.updated_at
    with pytest.raises(NotFound):
        registry.get(team, "openai-main")
    assert "DeletedDate" in client("secretsmanager").describe_secret(
        SecretId=keys.secret_name(team, "openai-main")
    )


def test_the_key_is_only_in_secrets_manager(team: str) -> None:
    created = registry.create(team, openai(api_key=KEY))

    item = raw_item(team, "openai-main")
    answers = [
        created.model_dump_json(),
        registry.get(team, "openai-main").model_dump_json(),
        registry.listing(team, PageParams())[0][1].model_dump_json(),
    ]

    assert stored_secret(team, "openai-main") == KEY
    assert KEY not in str(item)
    assert KEY.removeprefix("sk-proj-")[:-4] not in str(item)  # all but the last 4 masked
    assert item["key_hint"] == {"S": "sk-proj-…Ab3d"}
    assert item["has_key"] == {"BOOL": True}
    assert item["key_version"]["S"]  # the secret's version; its name derives from team and name
    for answer in answers:
        assert KEY not in answer
        assert '"hint":"sk-proj-…Ab3d"' in answer


def test_the_listing_is_a_paged_query_by_name(team: str, aws_calls: Counter[str]) -> None:
    for name in ("c-provider", "a-provider", "b-provider"):
        registry.create(team, openai(name))
    breaker.force_open(team, "b-provider")  # the team's breaker items are not providers

    first, total, cursor = registry.listing(team, PageParams(limit=2))
    second, _, last = registry.listing(team, PageParams(limit=2, cursor=cursor))

    # The built-in template generator first, counted by the limit and the total
    assert [p.name for p in first] == ["templates", "a-provider"]
    assert [p.name for p in second] == ["b-provider", "c-provider"]
    assert total == 4
    assert last is None
    assert aws_calls["Scan"] == 0


def test_replacing_and_removing_the_key(team: str) -> None:
    registry.create(team, openai(api_key=KEY))

    replaced = registry.update(
        team, "openai-main", registry.ProviderUpdate(api_key=SecretStr(OTHER_KEY))
    )
    replaced_secret = stored_secret(team, "openai-main")
    removed = registry.update(
        team, "openai-main", registry.ProviderUpdate.model_validate({"api_key": None})
    )

    assert replaced.api_key.hint == "sk-proj-…Yu7h"
    assert replaced_secret == OTHER_KEY
    assert removed.api_key.model_dump() == {"configured": False, "hint": None}
    assert keys.api_key_for(team, "openai-main") is None
    item = raw_item(team, "openai-main")
    assert "key_hint" not in item
    assert "key_version" not in item
    assert "DeletedDate" in client("secretsmanager").describe_secret(
        SecretId=keys.secret_name(team, "openai-main")
    )

    again = registry.update(team, "openai-main", registry.ProviderUpdate(api_key=SecretStr(KEY)))

    assert again.api_key.configured
    assert stored_secret(team, "openai-main") == KEY  # the secret restored and given the key


def test_a_taken_name_is_a_conflict_and_leaves_the_first_provider_and_key(team: str) -> None:
    registry.create(team, openai(api_key=KEY))

    with pytest.raises(Conflict, match="already exists"):
        registry.create(team, openai(api_key=OTHER_KEY, default_model="gpt-4.1"))

    assert registry.get(team, "openai-main").default_model == "gpt-4o-mini"
    assert stored_secret(team, "openai-main") == KEY


def test_a_concurrent_update_is_a_conflict_not_a_lost_update(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.create(team, openai())
    stale = provider_store.read(team, "openai-main")
    registry.update(team, "openai-main", registry.ProviderUpdate(default_model="gpt-4.1"))
    # The next update read the provider before the one above was written.
    monkeypatch.setattr(provider_store, "read", lambda team_id, name: stale)

    with pytest.raises(Conflict):
        registry.update(team, "openai-main", registry.ProviderUpdate(enabled=False))

    monkeypatch.undo()
    current = registry.get(team, "openai-main")
    assert (current.default_model, current.enabled) == ("gpt-4.1", True)


def test_upsert_creates_then_replaces_and_keeps_a_key_it_was_not_sent(team: str) -> None:
    body = registry.ProviderUpsert(
        kind="openai", default_model="gpt-4o-mini", api_key=SecretStr(KEY)
    )

    created, was_new = registry.upsert(team, "custom", body)
    replaced, replaced_new = registry.upsert(
        team, "custom", registry.ProviderUpsert(kind="anthropic", default_model="claude-haiku-4-5")
    )

    assert was_new
    assert not replaced_new
    assert created.kind == "openai"
    assert (replaced.kind, replaced.default_model) == ("anthropic", "claude-haiku-4-5")
    assert replaced.api_key.configured
    assert stored_secret(team, "custom") == KEY
    with pytest.raises(Unprocessable):
        registry.upsert(team, "Not A Slug", body)


def test_a_key_that_cannot_be_stored_leaves_no_provider_behind(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def secrets_manager_down(*args: Any, **kwargs: Any) -> None:
        raise ServiceUnavailable("The provider's API key store is unavailable; try again shortly")

    monkeypatch.setattr(keys, "store_key", secrets_manager_down)

    with pytest.raises(ServiceUnavailable):
        registry.create(team, openai(api_key=KEY))

    with pytest.raises(NotFound):
        registry.get(team, "openai-main")


def test_an_update_whose_key_cannot_be_stored_changes_nothing(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = registry.create(team, openai(api_key=KEY))

    def secrets_manager_down(*args: Any, **kwargs: Any) -> None:
        raise ServiceUnavailable("The provider's API key store is unavailable; try again shortly")

    monkeypatch.setattr(keys, "store_key", secrets_manager_down)
    with pytest.raises(ServiceUnavailable):
        registry.update(
            team,
            "openai-main",
            registry.ProviderUpdate(default_model="gpt-4.1", api_key=SecretStr(OTHER_KEY)),
        )
    monkeypatch.undo()

    assert registry.get(team, "openai-main") == before
    assert stored_secret(team, "openai-main") == KEY


# Validation


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "p", "kind": "azure", "default_model": "m"},
        {"name": "Bad_Name", "kind": "openai", "default_model": "m"},
        {"name": "p", "kind": "openai", "default_model": "m", "team_id": "other-team"},
        {"name": "p", "kind": "openai", "default_model": "m", "api_key": "has a space"},
    ],
)
def test_shapes_refuse_unknown_kinds_bad_names_extra_fields_and_bad_keys(
    fields: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        registry.ProviderCreate.model_validate(fields)


def test_an_update_may_leave_out_kind_and_enabled_but_not_null_them() -> None:
    with pytest.raises(ValidationError):
        registry.ProviderUpdate.model_validate({"kind": None})
    with pytest.raises(ValidationError):
        registry.ProviderUpdate.model_validate({"enabled": None})
    assert registry.ProviderUpdate.model_validate({}).model_fields_set == set()


def test_a_rejected_or_accepted_key_is_in_no_error_or_repr() -> None:
    long_key = "sk-" + "k" * 5000
    with pytest.raises(ValidationError) as too_long:
        registry.ProviderCreate.model_validate(
            {"name": "p", "kind": "azure", "default_model": "m", "api_key": long_key}
        )
    accepted = openai(api_key=KEY)
    update = registry.ProviderUpdate(api_key=SecretStr(KEY))

    assert long_key not in str(too_long.value)
    for shown in (repr(accepted), str(accepted), repr(update), accepted.model_dump_json()):
        assert KEY not in shown


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"kind": "bedrock", "default_model": "amazon.nova-lite-v1:0", "api_key": KEY}, "api_key"),
        ({"kind": "bedrock", "default_model": "m", "base_url": "https://x.example"}, "base_url"),
        ({"kind": "templates", "api_key": KEY}, "api_key"),
        ({"kind": "openai"}, "default_model"),
        ({"kind": "anthropic", "default_model": ""}, "default_model"),
        ({"kind": "templates", "default_model": "gpt-4o"}, "templates-1"),
    ],
)
def test_fields_that_do_not_go_together_are_unprocessable(
    team: str, fields: dict[str, Any], why: str
) -> None:
    with pytest.raises(Unprocessable, match=why):
        registry.create(team, registry.ProviderCreate.model_validate({"name": "p", **fields}))

    assert service.count_providers(team) == 0


def test_templates_and_bedrock_need_no_key_nor_base_url(team: str) -> None:
    offline = registry.create(team, registry.ProviderCreate(name="gen", kind="templates"))
    bedrock = registry.create(
        team,
        registry.ProviderCreate(
            name="bedrock", kind="bedrock", default_model="amazon.nova-lite-v1:0"
        ),
    )

    assert offline.default_model == "templates-1"
    assert not offline.api_key.configured
    assert not bedrock.api_key.configured
    assert registry.client_for(team, "gen").check() == 1


def test_a_provider_stored_under_the_older_offline_kind_reads_as_templates(team: str) -> None:
    # Given a provider item written before the template generator was named "templates"
    registry.create(team, registry.ProviderCreate(name="old", kind="templates"))
    item = ProviderItem.get(team_partition(team), provider_key("old"))
    item.update(
        actions=[ProviderItem.kind.set("offline"), ProviderItem.default_model.set("offline-1")]
    )

    # When it is read and used
    config = registry.get(team, "old")
    client = registry.client_for(team, "old")

    # Then it is the template generator under today's names, and still usable
    assert (config.kind, config.default_model) == ("templates", "templates-1")
    assert (client.kind, client.name) == ("templates", "old")
    # And an update that leaves the kind alone keeps working
    renamed = registry.update(team, "old", registry.ProviderUpdate(enabled=False))
    assert (renamed.kind, renamed.enabled) == ("templates", False)


def test_switching_to_a_keyless_kind_asks_for_the_stored_key_to_go(team: str) -> None:
    registry.create(team, openai(api_key=KEY))

    # The stored key, which the change leaves, is what does not fit: a conflict (409).
    with pytest.raises(Conflict, match="api_key: null"):
        registry.update(
            team, "openai-main", registry.ProviderUpdate(kind="templates", default_model=None)
        )
    switched = registry.update(
        team,
        "openai-main",
        registry.ProviderUpdate.model_validate(
            {"kind": "templates", "default_model": None, "api_key": None}
        ),
    )

    assert (switched.kind, switched.default_model) == ("templates", "templates-1")
    assert not switched.api_key.configured


@pytest.mark.usefixtures("deployed")
@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/v1",
        "https://127.0.0.1/v1",
        "https://169.254.169.254/latest",
        "http://api.example.com/v1",
    ],
)
def test_deployed_a_base_url_must_be_https_at_a_public_address(team: str, base_url: str) -> None:
    with pytest.raises(Unprocessable, match="base_url"):
        registry.create(team, openai(base_url=base_url))
    registry.create(team, openai("public", base_url="https://8.8.8.8/v1"))  # an address: no DNS

    with pytest.raises(Unprocessable, match="base_url"):
        registry.update(team, "public", registry.ProviderUpdate(base_url=base_url))

    assert registry.get(team, "public").base_url == "https://8.8.8.8/v1"


def test_locally_a_loopback_http_base_url_is_allowed_and_stored_without_a_trailing_slash(
    team: str,
) -> None:
    created = registry.create(team, openai(base_url="http://127.0.0.1:11434/v1/"))

    assert created.base_url == "http://127.0.0.1:11434/v1"


# Deleting and the active provider


def test_deleting_a_provider_in_use_is_a_conflict_and_keeps_it_and_its_key(team: str) -> None:
    registry.create(team, openai(api_key=KEY))
    asked: list[tuple[str, str]] = []

    def used_by_an_agent(team_id: str, name: str) -> bool:
        asked.append((team_id, name))
        return True

    with pytest.raises(Conflict, match="in use"):
        registry.delete(team, "openai-main", in_use=used_by_an_agent)

    assert asked == [(team, "openai-main")]
    assert registry.get(team, "openai-main").api_key.configured
    assert stored_secret(team, "openai-main") == KEY


# Clients


def test_clients_are_built_once_per_configuration_with_the_cached_key(
    team: str, aws_calls: Counter[str]
) -> None:
    registry.create(team, openai(api_key=KEY))
    keys.forget_keys()  # as in a container that did not write the key

    first = registry.client_for(team, "openai-main")
    second = registry.client_for(team, "openai-main")
    registry.update(team, "openai-main", registry.ProviderUpdate(default_model="gpt-4.1"))
    rebuilt = registry.client_for(team, "openai-main")

    assert first is second
    assert rebuilt is not first
    assert rebuilt.default_model == "gpt-4.1"
    assert aws_calls["GetSecretValue"] == 1
    assert KEY not in repr(first)


def test_a_disabled_provider_gives_no_client_but_can_be_tested(team: str) -> None:
    registry.create(team, registry.ProviderCreate(name="gen", kind="templates", enabled=False))

    with pytest.raises(ProviderError, match="disabled") as refused:
        registry.client_for(team, "gen")

    assert refused.value.kind == "bad_request"  # the caller's doing: no breaker counts it
    assert registry.test(team, "gen").model_dump(exclude_none=True) == {
        "provider": "gen",
        "status": "ok",
        "models_count": 1,
    }
    with pytest.raises(NotFound):
        registry.client_for(team, "nobody")


def test_testing_with_a_wrong_key_says_error_without_the_key(team: str) -> None:
    with fake_openai() as server:
        # The server quotes the key it refused, as OpenAI does.
        server.script(
            "GET",
            "/v1/models",
            Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}),
        )
        registry.create(team, openai(base_url=f"{server.url}/v1", api_key=KEY))

        result = registry.test(team, "openai-main")

    assert result.status == "error"
    assert result.models_count is None
    assert result.detail is not None
    assert "401" in result.detail
    assert KEY not in result.model_dump_json()


def test_testing_with_the_right_key_counts_the_models(team: str) -> None:
    with fake_openai() as server:
        registry.create(team, openai(base_url=f"{server.url}/v1", api_key=KEY))

        result = registry.test(team, "openai-main")

    assert result.model_dump(exclude_none=True) == {
        "provider": "openai-main",
        "status": "ok",
        "models_count": 2,
    }
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_a_key_replaced_in_this_container_is_used_at_once(
    team: str, aws_calls: Counter[str]
) -> None:
    with fake_openai() as server:
        registry.create(team, openai(base_url=f"{server.url}/v1", api_key=KEY))
        registry.client_for(team, "openai-main").check()
        registry.update(team, "openai-main", registry.ProviderUpdate(api_key=SecretStr(OTHER_KEY)))

        registry.client_for(team, "openai-main").check()

    assert [r.headers["authorization"] for r in server.requests] == [
        f"Bearer {KEY}",
        f"Bearer {OTHER_KEY}",
    ]
    assert aws_calls["GetSecretValue"] == 0  # written here: the cache already has it


def test_no_key_reaches_the_logs(team: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with fake_openai() as server:
        server.script("GET", "/v1/models", Reply(401, {"error": {"message": f"bad key {KEY}"}}))
        registry.create(team, openai(base_url=f"{server.url}/v1", api_key=KEY))
        registry.test(team, "openai-main")
        registry.update(team, "openai-main", registry.ProviderUpdate(api_key=SecretStr(OTHER_KEY)))
        registry.client_for(team, "openai-main")
        registry.update(
            team, "openai-main", registry.ProviderUpdate.model_validate({"api_key": None})
        )
        registry.delete(team, "openai-main")

    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "provider created" in logged
    assert "provider deleted" in logged
    assert KEY not in logged
    assert OTHER_KEY not in logged


def test_a_stored_base_url_that_fails_the_policy_now_gives_no_client(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.create(team, openai(base_url="http://127.0.0.1:11434/v1"))  # fine locally
    deployed_settings = get_settings().model_copy(update={"app_env": "aws"})
    monkeypatch.setattr(service, "get_settings", lambda: deployed_settings)

    with pytest.raises(ProviderError, match="base_url") as refused:
        registry.client_for(team, "openai-main")
    checked = registry.test(team, "openai-main")

    assert refused.value.kind == "bad_request"
    assert checked.status == "error"
    assert checked.detail is not None
    assert "base_url" in checked.detail
