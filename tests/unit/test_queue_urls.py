"""Where a function finds a queue: CDK's variable deployed, the emulator's name locally."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared import queues
from shared.settings import get_settings


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("APP_ENV", "aws")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("deployed")
def test_deployed_a_queue_is_found_by_the_variable_cdk_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/210987654321/factory-prod-hook-events"
    monkeypatch.setenv("QUEUE_URL_HOOK_EVENTS", url)

    assert queues.queue_url("hook-events") == url


@pytest.mark.usefixtures("deployed")
def test_deployed_a_queue_without_its_variable_is_refused_not_guessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUEUE_URL_WEBHOOK_DELIVERIES_DLQ", raising=False)

    with pytest.raises(RuntimeError, match="QUEUE_URL_WEBHOOK_DELIVERIES_DLQ is not set"):
        queues.queue_url("webhook-deliveries-dlq")


def test_locally_a_queue_is_the_emulators_of_the_same_name() -> None:
    settings = get_settings()

    assert queues.queue_url("bus-events").endswith(f"/{settings.resource_prefix}-bus-events")
