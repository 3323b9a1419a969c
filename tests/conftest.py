"""Test environment: APP_ENV=test, names of their own, emulated AWS on demand.

The environment is set here, before any test module imports the code, because
settings are read once per process.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"

os.environ.update(
    {
        "APP_ENV": "test",
        "STAGE": "test",
        "RESOURCE_PREFIX": "factory-test",
        "ARTIFACTS_BUCKET": "factory-test-artifacts",
        "EVENT_BUS_NAME": "factory-test-bus",
        "READINESS_CACHE_SECONDS": "0",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "ADMIN_API_KEY": "test-admin-key-0123456789",
        "POWERTOOLS_METRICS_NAMESPACE": "SoftwareFactory",
    }
)
os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
os.environ.pop("CORS_ALLOW_ORIGINS", None)

from tools.local.emulator import use_fake_credentials  # noqa: E402 - after the environment

use_fake_credentials("us-east-1")


@pytest.fixture(scope="session")
def aws() -> Iterator[None]:
    """Emulated AWS with every table, the bucket, the bus and the queues created."""
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import register_group_functions

    settings = get_settings()
    with emulated_aws(settings):
        register_group_functions(settings)
        yield


@pytest.fixture
def pump(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The local queue pump over the emulated AWS: after acting, `pump.drain()` carries
    every queued message to its worker and fires the due one-time schedules."""
    from shared.aws import client
    from shared.queues import queue_name
    from shared.settings import get_settings
    from tools.local.pump import LocalPump

    pump = LocalPump(get_settings())
    # Every earlier test's events reached bus-events too (the bus rule takes them all) and
    # nothing pumped them: a test that pumps starts from empty queues, not their backlog.
    # (SQS allows one purge a minute; moto's setting lifts that for the tests.)
    monkeypatch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
    for mapping in pump.mappings:
        name = queue_name(pump.settings.resource_prefix, mapping.queue_key)
        client("sqs").purge_queue(QueueUrl=client("sqs").get_queue_url(QueueName=name)["QueueUrl"])
    # Nor does it fire an earlier test's schedules (a trigger's recurring one, a retry's
    # one-time one) when it drives the clock ahead.
    scheduler = client("scheduler")
    group = pump.settings.schedule_group_name
    for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group):
        for schedule in page["Schedules"]:
            scheduler.delete_schedule(GroupName=group, Name=schedule["Name"])
    return pump


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every domain event put on the bus during the test (and still put on it)."""
    from shared import events

    seen: list[tuple[str, dict[str, Any]]] = []
    original = events.publish

    def recording(detail_type: str, detail: dict[str, Any]) -> bool:
        seen.append((detail_type, detail))
        return original(detail_type, detail)

    monkeypatch.setattr(events, "publish", recording)
    return seen


@pytest.fixture(scope="session")
def load_event() -> Callable[[str], dict[str, Any]]:
    """A sample event from events/, fresh for each call (tests may change it)."""

    def load(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
        return loaded

    return load


@pytest.fixture
def lambda_context() -> Any:
    from tools.lambda_context import LocalLambdaContext

    return LocalLambdaContext(function_name="factory-test-under-test")


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every DynamoDB operation made from here on, by the code under test.

    A handler run by emulated Lambda (an earlier test's job running its phases in the
    emulated Step Functions, say) makes requests of its own: they are not counted."""
    from botocore.client import BaseClient

    from tools.local.emulator import in_emulated_invocation

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and not in_emulated_invocation():
            calls.append(operation)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return calls


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every AWS operation made through botocore from here on, by name."""
    from botocore.client import BaseClient

    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return calls
