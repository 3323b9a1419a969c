"""Providers' API keys in Secrets Manager: named and tagged per team, cached per container."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest
from pydantic import SecretStr

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.ids import new_id
from shared.llm import provider_keys as keys

pytestmark = pytest.mark.usefixtures("aws")

KEY = "sk-proj-Q7vLx2NfT9pRk4WmZs8YhC1Ab3d"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    keys.forget_keys()
    yield
    keys.forget_keys()


def test_the_first_key_creates_a_secret_named_and_tagged_for_its_team_and_provider() -> None:
    team = new_id()
    version = keys.new_key_version()

    keys.store_key(team, "openai-main", SecretStr(KEY), version=version)

    name = keys.secret_name(team, "openai-main")
    described = client("secretsmanager").describe_secret(SecretId=name)
    stored = client("secretsmanager").get_secret_value(SecretId=name)
    assert name == f"factory-test/teams/{team}/providers/openai-main"
    assert {tag["Key"]: tag["Value"] for tag in described["Tags"]} == {
        "team_id": team,
        "provider": "openai-main",
    }
    assert stored["SecretString"] == KEY
    assert stored["VersionId"] == version


def test_two_reads_make_one_secrets_manager_call(aws_calls: Counter[str]) -> None:
    team = new_id()
    client("secretsmanager").create_secret(
        Name=keys.secret_name(team, "p"), SecretString="key-written-elsewhere-0001"
    )

    first = keys.api_key_for(team, "p")
    second = keys.api_key_for(team, "p")

    assert first is not None
    assert second is not None
    assert first.get_secret_value() == second.get_secret_value() == "key-written-elsewhere-0001"
    assert aws_calls["GetSecretValue"] == 1


def test_a_write_in_this_container_is_seen_at_once_without_a_read(
    aws_calls: Counter[str],
) -> None:
    team = new_id()
    keys.store_key(team, "p", SecretStr("first-key-000000000000"), version=keys.new_key_version())
    assert keys.api_key_for(team, "p") == SecretStr("first-key-000000000000")

    second_version = keys.new_key_version()
    keys.store_key(team, "p", SecretStr("second-key-00000000000"), version=second_version)

    found = keys.api_key_for(team, "p", version=second_version)
    assert found is not None
    assert found.get_secret_value() == "second-key-00000000000"
    assert aws_calls["GetSecretValue"] == 0
    assert aws_calls["PutSecretValue"] == 1


def test_a_version_written_by_another_container_is_read_again() -> None:
    team = new_id()
    keys.store_key(team, "p", SecretStr("old-key-00000000000000"), version=keys.new_key_version())
    # Another container replaces the key; its item now names the new version.
    newer = keys.new_key_version()
    client("secretsmanager").put_secret_value(
        SecretId=keys.secret_name(team, "p"),
        SecretString="new-key-00000000000000",
        ClientRequestToken=newer,
    )
    later = 1_000_000.0  # past the recheck interval of the cached key's read

    without_version = keys.api_key_for(team, "p")
    with_version = keys.api_key_for(team, "p", version=newer, now=later)

    assert without_version == SecretStr("old-key-00000000000000")  # the cache, as promised
    assert with_version == SecretStr("new-key-00000000000000")


def test_cached_keys_expire_after_the_ttl(aws_calls: Counter[str]) -> None:
    team = new_id()
    client("secretsmanager").create_secret(
        Name=keys.secret_name(team, "p"), SecretString="key-0000000000000000"
    )

    keys.api_key_for(team, "p", now=0.0)
    keys.api_key_for(team, "p", now=keys.KEY_CACHE_SECONDS - 1)
    keys.api_key_for(team, "p", now=keys.KEY_CACHE_SECONDS + 1)

    assert aws_calls["GetSecretValue"] == 2


def test_no_secret_means_no_key() -> None:
    assert keys.api_key_for(new_id(), "never-had-one") is None


def test_a_removed_key_is_recoverable_for_7_days_and_a_new_one_restores_the_secret() -> None:
    team = new_id()
    name = keys.secret_name(team, "p")
    keys.store_key(team, "p", SecretStr("first-key-000000000000"), version=keys.new_key_version())

    keys.remove_key(team, "p")

    assert keys.api_key_for(team, "p") is None
    assert "DeletedDate" in client("secretsmanager").describe_secret(SecretId=name)
    keys.forget_keys()
    assert keys.api_key_for(team, "p") is None  # read again: scheduled for deletion

    keys.store_key(team, "p", SecretStr("second-key-00000000000"), version=keys.new_key_version())

    assert "DeletedDate" not in client("secretsmanager").describe_secret(SecretId=name)
    keys.forget_keys()
    assert keys.api_key_for(team, "p") == SecretStr("second-key-00000000000")


def test_removing_twice_or_without_a_key_is_harmless() -> None:
    team = new_id()
    keys.remove_key(team, "never-had-one")
    keys.store_key(team, "p", SecretStr("a-key-000000000000000"), version=keys.new_key_version())
    keys.remove_key(team, "p")
    keys.remove_key(team, "p")


def test_the_hint_shows_a_vendor_prefix_and_the_last_4_characters_only() -> None:
    assert keys.key_hint(KEY) == "sk-proj-…Ab3d"
    assert keys.key_hint("sk-ant-api03-" + "x" * 40 + "Zz99") == "sk-ant-api03-…Zz99"
    assert keys.key_hint("plainkey-with-no-prefix-W1x2") == "…W1x2"
    # Too short for 4 characters to be a small part of it: nothing shown.
    assert keys.key_hint("sk-short") == "sk-…"
    assert keys.key_hint("ollama") == "…"

    body = KEY.removeprefix("sk-proj-")
    hint = keys.key_hint(KEY).removeprefix("sk-proj-…")
    assert len(hint) == 4
    assert not any(body[i : i + 5] in keys.key_hint(KEY) for i in range(len(body) - 4))


def test_a_failed_write_names_neither_the_key_nor_the_aws_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: Any, operation_name: str, api_params: Any) -> Any:
        # A parameter error quotes the value it refused, as botocore's do.
        raise botocore.exceptions.ParamValidationError(report=f"bad value {api_params}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)

    with pytest.raises(ServiceUnavailable) as failed:
        keys.store_key(new_id(), "p", SecretStr(KEY), version=keys.new_key_version())

    logged = " ".join(str(record.__dict__) for record in caplog.records)
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__
    for text in (str(failed.value), repr(failed.value), logged):
        assert KEY not in text
    assert "ParamValidationError" in logged  # the log says what failed, by class or code
