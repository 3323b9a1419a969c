"""Project storage on emulated DynamoDB: a project carries the version it was read at, so
a write from a stale read is a 409 that leaves the project and the team's counts as the
winning write left them; each operation makes the DynamoDB requests it made before the
store was split from the rules."""

from __future__ import annotations

import pytest

from functions.jobs import projects
from functions.jobs.schemas import ProjectCreate, ProjectFields
from shared.errors import Conflict
from shared.ids import new_id
from shared.jobs import counters, project_store

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def team() -> str:
    return f"projects-{new_id()}"


def test_an_edit_from_a_stale_read_is_a_conflict_and_counts_nothing(team: str) -> None:
    # Given a project read by two requests, one of which moves it to development.
    created = projects.create_project(team, ProjectCreate(name="Alpha", slug="alpha"))
    stale = project_store.find_project(team, "alpha")
    projects.update_project(team, created.id, ProjectFields(name="Alpha", status="development"))

    # When the other writes from its read: with a status change (a transaction) and
    # without (a conditional put).
    with pytest.raises(Conflict, match="changed by another request"):
        project_store.save_project(
            team, stale.model_copy(update={"status": "production"}), was=stale.status
        )
    with pytest.raises(Conflict, match="changed by another request"):
        project_store.save_project(
            team, stale.model_copy(update={"name": "Lost edit"}), was=stale.status
        )

    # Then the first edit stands, counted once.
    assert projects.get_project(team, "alpha").model_dump(include={"name", "status"}) == {
        "name": "Alpha",
        "status": "development",
    }
    assert counters.team_counts(team).projects == {"development": 1}


def test_successive_edits_each_write_on_the_version_they_read(team: str) -> None:
    created = projects.create_project(team, ProjectCreate(name="Beta"))

    first = projects.update_project(team, "beta", ProjectFields(name="Beta", status="blocked"))
    second = projects.update_project(team, "beta", ProjectFields(name="Beta 2", status="blocked"))

    assert (created.version, first.version, second.version) == (1, 2, 3)
    assert second == projects.get_project(team, created.id)
    # The version is storage's: the API answer never shows it.
    assert "version" not in second.model_dump(mode="json")
    assert counters.team_counts(team).projects == {"blocked": 1}


def test_a_delete_from_a_stale_read_is_a_conflict_and_the_project_stays(team: str) -> None:
    created = projects.create_project(team, ProjectCreate(name="Gamma", status="production"))
    stale = project_store.find_project(team, created.id)
    projects.update_project(team, created.id, ProjectFields(name="Gamma", status="archived"))

    with pytest.raises(Conflict, match="changed by another request"):
        project_store.delete_project(team, stale)

    assert projects.get_project(team, created.id).status == "archived"
    assert counters.team_counts(team).projects == {"archived": 1}
    # and it keeps its slug: found by it, and no other project can take it
    assert projects.get_project(team, created.slug).id == created.id
    with pytest.raises(Conflict):
        projects.create_project(team, ProjectCreate(name="Gamma"))


def test_each_operation_makes_the_requests_it_should(team: str, dynamodb_calls: list[str]) -> None:
    created = projects.create_project(team, ProjectCreate(name="Delta"))
    fields = ProjectFields(name="Delta", status="development")

    calls = {}
    for name, operation in [
        ("by slug", lambda: projects.get_project(team, "delta")),
        ("status moved", lambda: projects.update_project(team, created.id, fields)),
        ("status kept", lambda: projects.update_project(team, created.id, fields)),
        ("delete", lambda: projects.delete_project(team, created.id)),
    ]:
        dynamodb_calls.clear()
        operation()
        calls[name] = list(dynamodb_calls)

    assert calls == {
        # The ref is tried as an id, then as a slug's claim that names the id.
        "by slug": ["GetItem", "GetItem", "GetItem"],
        "status moved": ["GetItem", "TransactWriteItems"],
        "status kept": ["GetItem", "PutItem"],
        "delete": ["GetItem", "TransactWriteItems"],
    }
    assert counters.team_counts(team).projects == {}
