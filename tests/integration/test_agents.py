"""Agents on emulated DynamoDB: CRUD with soft delete, start/stop, filters, per-phase
configs and the default agents of a new team."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import ValidationError

from shared.agents import service, store
from shared.agents.models import AgentConfigItem, AgentItem, agent_key
from shared.agents.schemas import Agent, AgentCreate, AgentReplace, AgentUpdate
from shared.db.base import team_partition
from shared.errors import NotFound, Unprocessable
from shared.ids import new_id
from shared.pagination import PageParams
from shared.pipeline.definition import PHASE_NAMES

pytestmark = pytest.mark.usefixtures("aws")


def forget_team(team_id: str) -> None:
    """Delete the team's agents-table items: moto copies the whole table once per item of
    every transaction, so a table left to grow makes every later test slower."""
    with AgentItem.batch_write() as batch:
        for item in AgentItem.query(team_partition(team_id), attributes_to_get=["pk", "sk"]):
            batch.delete(item)


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"agents-{new_id()}"
    yield team_id
    forget_team(team_id)


def an_agent(team_id: str, **changes: Any) -> Agent:
    fields: dict[str, Any] = {
        "name": "Reviewer",
        "description": "Reads the code and reports",
        "role": "reviewer",
        "llm_provider": "openai",
        "llm_model": "gpt-5-mini",
        "system_prompt": "You review code.",
        "enabled_tools": ["read_file", "search"],
    }
    return service.create_agent(team_id, AgentCreate(**(fields | changes)))


def page(limit: int = 100) -> PageParams:
    return PageParams(limit=limit)


def test_an_agent_round_trips_through_create_get_and_list(team: str) -> None:
    created = an_agent(team)

    fetched = service.get_agent(team, created.id)
    listed, total, cursor = service.list_agents(team, page())

    assert fetched == created
    assert (fetched.name, fetched.role, fetched.status) == ("Reviewer", "reviewer", "idle")
    assert fetched.enabled_tools == ["read_file", "search"]
    assert fetched.team_id == team
    assert [agent.id for agent in listed] == [created.id]
    assert (total, cursor) == (1, None)


def test_patch_changes_only_the_fields_given(team: str) -> None:
    created = an_agent(team)

    patched = service.update_agent(
        team, created.id, AgentUpdate(llm_model="gpt-5", enabled_tools=["a", "a", "b"])
    )

    assert patched.llm_model == "gpt-5"
    assert patched.enabled_tools == ["a", "b"]
    assert (patched.name, patched.system_prompt) == (created.name, created.system_prompt)
    assert patched.updated_at > created.updated_at
    assert service.get_agent(team, created.id) == patched


def test_put_replaces_every_field_and_left_out_ones_take_defaults(team: str) -> None:
    created = an_agent(team)

    replaced = service.replace_agent(
        team,
        created.id,
        AgentReplace(name="Dev", role="dev", llm_provider="anthropic", llm_model="claude"),
    )

    assert (replaced.name, replaced.role, replaced.llm_provider) == ("Dev", "dev", "anthropic")
    assert (replaced.description, replaced.system_prompt, replaced.enabled_tools) == ("", "", [])
    assert replaced.created_at == created.created_at


def test_patch_refuses_null_for_a_field() -> None:
    with pytest.raises(ValidationError, match="may not be null: name"):
        AgentUpdate.model_validate({"name": None})


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"colour": "blue"}, "extra_forbidden"),
        ({"role": ""}, "string_too_short"),
        ({"role": "r" * 65}, "string_too_long"),
        ({"name": "n" * 101}, "string_too_long"),
        ({"name": "   "}, "string_too_short"),
        ({"system_prompt": "p" * 20_001}, "string_too_long"),
        ({"enabled_tools": [f"tool{i}" for i in range(51)]}, "too_long"),
        ({"enabled_tools": ["t" * 101]}, "string_too_long"),
        ({"llm_provider": "open ai"}, "string_pattern_mismatch"),
        ({"llm_model": ""}, "string_too_short"),
    ],
)
def test_invalid_agents_are_refused(changes: dict[str, Any], problem: str) -> None:
    body = {"name": "A", "role": "dev", "llm_provider": "openai", "llm_model": "gpt-5"}

    with pytest.raises(ValidationError) as refused:
        AgentCreate.model_validate(body | changes)

    assert problem in {error["type"] for error in refused.value.errors()}


def test_the_provider_check_is_asked_when_a_provider_is_named(team: str) -> None:
    asked: list[tuple[str, str]] = []

    def provider_exists(team_id: str, name: str) -> bool:
        asked.append((team_id, name))
        return name == "openai"

    created = service.create_agent(
        team,
        AgentCreate(name="A", role="dev", llm_provider="openai", llm_model="m"),
        provider_exists=provider_exists,
    )
    with pytest.raises(NotFound, match="'nope' is not a provider"):
        service.update_agent(
            team, created.id, AgentUpdate(llm_provider="nope"), provider_exists=provider_exists
        )
    service.update_agent(team, created.id, AgentUpdate(name="B"), provider_exists=provider_exists)

    assert asked == [(team, "openai"), (team, "nope")]
    assert service.get_agent(team, created.id).llm_provider == "openai"


def test_delete_is_soft_and_a_deleted_agent_is_found_no_more(team: str) -> None:
    kept, deleted = an_agent(team, name="kept"), an_agent(team, name="deleted")

    service.delete_agent(team, deleted.id)

    with pytest.raises(NotFound):
        service.get_agent(team, deleted.id)
    for change in (
        lambda: service.delete_agent(team, deleted.id),
        lambda: service.update_agent(team, deleted.id, AgentUpdate(name="back")),
        lambda: service.start_agent(team, deleted.id),
        lambda: service.stop_agent(team, deleted.id),
    ):
        with pytest.raises(NotFound):
            change()
    listed, total, _ = service.list_agents(team, page())
    assert [agent.id for agent in listed] == [kept.id]
    assert total == 1
    stored = AgentItem.get(team_partition(team), agent_key(deleted.id))
    assert stored.deleted_at is not None
    assert stored.name == "deleted"  # still there for costs and jobs that name it


def test_stop_sets_stopped_and_start_sets_idle(team: str) -> None:
    created = an_agent(team)

    stopped = service.stop_agent(team, created.id)
    started = service.start_agent(team, created.id)
    again = service.start_agent(team, created.id)

    assert (created.status, stopped.status, started.status) == ("idle", "stopped", "idle")
    assert again.status == "idle"  # already active: start changes nothing
    stored = AgentItem.get(team_partition(team), agent_key(created.id))
    assert stored.status == "idle"


def test_an_agent_stored_offline_by_earlier_versions_reads_as_stopped(team: str) -> None:
    created = an_agent(team)
    AgentItem(team_partition(team), agent_key(created.id)).update(
        actions=[AgentItem.status.set("offline")], add_version_condition=False
    )

    read = service.get_agent(team, created.id)
    listed, total, _ = service.list_agents(team, page(), status_filter="stopped")
    started = service.start_agent(team, created.id)

    assert read.status == "stopped"
    assert ([a.id for a in listed], total) == ([created.id], 1)
    assert started.status == "idle"


def test_agents_are_listed_by_status_and_role_with_paging(team: str) -> None:
    dev1 = an_agent(team, name="dev1", role="dev")
    dev2 = an_agent(team, name="dev2", role="dev")
    qa = an_agent(team, name="qa", role="qa")
    service.stop_agent(team, dev2.id)

    devs, dev_total, _ = service.list_agents(team, page(), role="dev")
    stopped, stopped_total, _ = service.list_agents(team, page(), status_filter="stopped")
    idle_devs, _, _ = service.list_agents(team, page(), status_filter="idle", role="dev")
    first, total, cursor = service.list_agents(team, page(limit=2))
    rest, _, last = service.list_agents(team, PageParams(limit=2, cursor=cursor))

    assert ([a.id for a in devs], dev_total) == ([dev1.id, dev2.id], 2)
    assert ([a.id for a in stopped], stopped_total) == ([dev2.id], 1)
    assert [a.id for a in idle_devs] == [dev1.id]
    assert [a.id for a in first + rest] == [dev1.id, dev2.id, qa.id]
    assert (total, last) == (3, None)


def test_another_teams_agent_is_not_found(team: str) -> None:
    theirs = an_agent(team)
    mine = f"agents-{new_id()}"

    for action in (
        lambda: service.get_agent(mine, theirs.id),
        lambda: service.update_agent(mine, theirs.id, AgentUpdate(name="x")),
        lambda: service.replace_agent(
            mine, theirs.id, AgentReplace(name="x", role="r", llm_provider="p", llm_model="m")
        ),
        lambda: service.delete_agent(mine, theirs.id),
        lambda: service.start_agent(mine, theirs.id),
        lambda: service.stop_agent(mine, theirs.id),
    ):
        with pytest.raises(NotFound):
            action()
    assert service.list_agents(mine, page())[1] == 0
    with pytest.raises(NotFound):  # as on every other route: another team's agent is not there
        service.set_config(mine, "dev", theirs.id)
    assert service.get_agent(team, theirs.id).name == "Reviewer"  # untouched


def test_in_use_names_providers_of_live_agents_only(team: str) -> None:
    created = an_agent(team, llm_provider="openai")
    an_agent(team, llm_provider="bedrock")

    before = (service.in_use(team, "openai"), service.in_use(team, "anthropic"))
    service.delete_agent(team, created.id)

    assert before == (True, False)
    assert service.in_use(team, "openai") is False
    assert service.in_use(team, "bedrock") is True
    assert service.in_use(f"agents-{new_id()}", "bedrock") is False


def test_a_new_team_has_one_config_entry_per_phase_and_none_set(team: str) -> None:
    entries = service.config(team)

    assert [entry.phase for entry in entries] == list(PHASE_NAMES)
    assert all(entry.agent_id is None for entry in entries)
    assert service.phase_agent(team, "dev") is None


def test_set_config_names_the_agent_of_a_phase_with_a_model_override(team: str) -> None:
    created = an_agent(team, role="dev", llm_model="gpt-5-mini")

    entry = service.set_config(team, "dev", created.id, model="gpt-5")
    listed = {item.phase: item for item in service.config(team)}
    serving = service.phase_agent(team, "dev")

    assert (entry.agent_id, entry.agent_name, entry.llm_model) == (created.id, "Reviewer", "gpt-5")
    assert entry.model_override == "gpt-5"
    assert listed["dev"].agent_id == created.id
    assert listed["dev"].llm_model == "gpt-5"
    assert listed["qa"].agent_id is None
    assert serving is not None
    assert (serving.id, serving.llm_model) == (created.id, "gpt-5")

    service.set_config(team, "dev", created.id)  # no override: the agent's own model again
    assert service.config(team)[PHASE_NAMES.index("dev")].llm_model == "gpt-5-mini"


def test_set_config_refuses_an_unknown_phase_and_a_missing_or_deleted_agent(team: str) -> None:
    created = an_agent(team)
    service.delete_agent(team, created.id)

    with pytest.raises(Unprocessable, match="unknown phase 'deploy'"):
        service.set_config(team, "deploy", created.id)
    with pytest.raises(NotFound, match="does not exist"):
        service.set_config(team, "dev", created.id)
    with pytest.raises(NotFound, match="does not exist"):
        service.set_config(team, "dev", new_id())
    configs = AgentConfigItem.count(
        team_partition(team), AgentConfigItem.sk.startswith("AGENTCONFIG#")
    )
    assert configs == 0


def test_a_deleted_agent_leaves_its_phase_without_an_agent(team: str) -> None:
    created = an_agent(team)
    service.set_config(team, "qa", created.id)

    service.delete_agent(team, created.id)
    entry = service.config(team)[PHASE_NAMES.index("qa")]

    assert entry.agent_id == created.id
    assert (entry.agent_name, entry.agent_status, entry.llm_model) == (None, None, None)
    assert service.phase_agent(team, "qa") is None


def test_ensure_defaults_gives_each_phase_one_agent_and_is_idempotent(team: str) -> None:
    created = service.ensure_defaults(team, provider="openai", model="gpt-5-mini")
    again = service.ensure_defaults(team)

    agents, total, _ = service.list_agents(team, page())
    entries = service.config(team)
    assert sorted(agent.role for agent in created) == sorted(PHASE_NAMES)
    assert again == []
    assert total == len(PHASE_NAMES)
    assert {agent.id for agent in agents} == {agent.id for agent in created}
    by_id = {agent.id: agent for agent in created}
    for entry in entries:
        assert entry.agent_id is not None
        assert by_id[entry.agent_id].role == entry.phase
        assert (entry.llm_provider, entry.llm_model) == ("openai", "gpt-5-mini")
        assert f"'{entry.phase}' phase" in (entry.system_prompt or "")
    assert by_id[entries[PHASE_NAMES.index("uiux")].agent_id or ""].name == "UI/UX agent"


def test_concurrent_ensure_defaults_create_one_agent_per_phase(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every caller reads "no configs" before any of them writes: the worst interleaving.
    everyone_read = threading.Barrier(4)
    transact = store.transact

    def after_everyone_read(write: Any) -> list[str | None]:
        everyone_read.wait(timeout=10)
        return transact(write)

    monkeypatch.setattr(store, "transact", after_everyone_read)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: service.ensure_defaults(team), range(4)))

    _, total, _ = service.list_agents(team, page())
    assert sorted(len(created) for created in results) == [0, 0, 0, len(PHASE_NAMES)]
    assert total == len(PHASE_NAMES)
    assert all(entry.agent_name for entry in service.config(team))


def test_ensure_defaults_fills_only_the_phases_without_a_config(team: str) -> None:
    mine = an_agent(team, role="dev")
    service.set_config(team, "dev", mine.id)

    created = service.ensure_defaults(team)

    assert len(created) == len(PHASE_NAMES) - 1
    assert "dev" not in {agent.role for agent in created}
    assert service.config(team)[PHASE_NAMES.index("dev")].agent_id == mine.id
