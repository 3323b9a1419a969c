"""The knowledge_indexer as SQS drives it: a FIFO queue grouped by team, each team's
messages applied together, a failing team's records alone reported back, a redelivered
message changing nothing, a message SQS sends twice applied as once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.knowledge_indexer.service import handle_batch
from shared.aws import client
from shared.ids import new_id
from shared.knowledge import indexer, search, store
from shared.knowledge.domain import Entry
from shared.queues import QUEUES_BY_KEY, queue_url, send
from shared.settings import get_settings


@pytest.fixture(autouse=True)
def _emulated(aws: None) -> Iterator[None]:
    yield
    search.forget()


def _entry(team_id: str, title: str, content: str) -> Entry:
    now = datetime.now(UTC)
    return store.create_entry(
        Entry(team_id, new_id(), title, content, "general", (), "", "tester", now, now)
    )


def _record(body: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
    return {
        "messageId": message_id or new_id(),
        "receiptHandle": "handle",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": body["team_id"]},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:factory-test-knowledge-index.fifo",
        "awsRegion": "us-east-1",
    }


def _titles(team_id: str, words: str) -> list[str]:
    return [hit.title for hit in search.search(team_id, words)]


def test_the_queue_is_fifo_grouped_by_team_with_a_fifo_dead_letter_queue() -> None:
    spec = QUEUES_BY_KEY["knowledge-index"]
    prefix = get_settings().resource_prefix
    assert spec.physical_name(prefix) == f"{prefix}-knowledge-index.fifo"
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url("knowledge-index"), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        f"{prefix}-knowledge-index-dlq.fifo"
    )

    send("knowledge-index", {"team_id": "team-fifo", "entry_id": "E1"})
    send("knowledge-index", {"team_id": "team-fifo", "entry_id": "E1"})
    received = client("sqs").receive_message(
        QueueUrl=queue_url("knowledge-index"),
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
    )["Messages"]
    # Two sends of the same change are two messages (each its own deduplication id).
    assert len(received) == 2
    assert {m["Attributes"]["MessageGroupId"] for m in received} == {"team-fifo"}
    with pytest.raises(ValueError, match="group field 'team_id'"):
        send("knowledge-index", {"entry_id": "E1"})


def test_a_batch_applies_each_teams_changes_and_reports_only_a_failing_teams() -> None:
    first = _entry("team-a", "Alpha", "apples and pears")
    second = _entry("team-a", "Beta", "pears only")
    other = _entry("team-b", "Gamma", "apples again")
    broken = {"team_id": "team-c"}  # no entry id: this team's apply fails
    event = {
        "Records": [
            _record({"team_id": "team-a", "entry_id": first.id}),
            _record({"team_id": "team-b", "entry_id": other.id}),
            _record(broken, "broken-message"),
            _record({"team_id": "team-a", "entry_id": second.id}),
        ]
    }

    answer = handle_batch(event, None)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "broken-message"}]}
    assert sorted(_titles("team-a", "pears")) == ["Alpha", "Beta"]
    assert _titles("team-b", "apples") == ["Gamma"]
    # One publish for team-a's two messages: its delta holds both.
    assert store.index_version("team-a").delta_changes == 0  # first write: merged as base
    assert store.index_version("team-a").base


def test_a_redelivered_or_reordered_message_leaves_the_index_as_the_table_is() -> None:
    entry = _entry("team-r", "Original", "first words")
    change = _record({"team_id": "team-r", "entry_id": entry.id})
    handle_batch({"Records": [change]}, None)
    store.delete_entry(entry)
    deleted = _record({"team_id": "team-r", "entry_id": entry.id})
    handle_batch({"Records": [deleted]}, None)
    # The create's message again, after the delete: the entry's state now is "gone".
    handle_batch({"Records": [change]}, None)
    handle_batch({"Records": [deleted]}, None)

    assert _titles("team-r", "words") == []
    assert store.index_version("team-r").delta_changes == 1


def test_a_merge_keeps_every_entry_and_the_old_segments_go() -> None:
    from shared.knowledge import segments

    entries = [_entry("team-m", f"Entry {n}", "shared words") for n in range(3)]
    indexer.apply("team-m", [entries[0].id])
    before = store.index_version("team-m")
    indexer.apply("team-m", [entries[1].id])
    indexer.apply("team-m", [entries[2].id])
    after = store.index_version("team-m")
    version = indexer.rebuild("team-m")

    assert sorted(_titles("team-m", "shared")) == ["Entry 0", "Entry 1", "Entry 2"]
    s3 = client("s3")
    bucket = get_settings().artifacts_bucket
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="team-m/knowledge-index/")
    names = {item["Key"].rsplit("/", 1)[1].removesuffix(".sqlite") for item in listed["Contents"]}
    # The pointer's segments and the ones they replaced are kept; older ones are gone.
    assert names == {version.base, version.delta, *version.previous}
    assert before.delta not in names
    assert after.base in names or after.base in version.previous
    assert segments.object_key("team-m", version.base).startswith("team-m/")


def test_a_trigger_run_agent_prompt_gets_the_agents_knowledge_category(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.agents import service as agents
    from shared.agents.schemas import AgentCreate
    from shared.llm import team_router
    from shared.triggers.actions import run_action
    from shared.triggers.domain import RunAgentAction
    from tests.api.test_knowledge_api import Recording, system_prompt

    team = f"kb-{new_id()}"
    recording = Recording()
    monkeypatch.setattr(team_router, "client_for", lambda *args: recording)
    entry = _entry(team, "Release checklist", "Tag the release, then publish the notes.")
    indexer.apply(team, [entry.id])
    agent = agents.create_agent(
        team,
        AgentCreate(
            name="Releaser",
            role="release",
            llm_provider="templates",
            llm_model="templates-1",
            system_prompt="You ship releases.",
            knowledge_category="general",
        ),
    )
    action = RunAgentAction(type="run_agent", agent_id=agent.id, prompt="Prepare the release")

    result = run_action(team, "owner", action, None, run_id=new_id())

    assert result.outcome == "succeeded", result
    [request] = recording.requests
    system = system_prompt(request)
    assert system.startswith("You ship releases.\n\nKnowledge base (general):")
    assert "Tag the release, then publish the notes." in system
