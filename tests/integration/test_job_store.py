"""Job storage on emulated DynamoDB."""

from __future__ import annotations

import pytest

from shared.errors import Conflict, NotFound
from shared.jobs import store
from shared.pagination import PageParams
from tests.factories import make_job

pytestmark = pytest.mark.usefixtures("aws")


def test_a_job_is_found_by_id_and_by_slug() -> None:
    created = store.create_job(make_job("store-t1", "todo"))

    assert store.get_job("store-t1", created.id).spec.name == "App todo"
    assert store.find_job("store-t1", "todo").id == created.id
    assert store.find_job("store-t1", created.id).slug == "todo"


def test_a_taken_slug_is_a_conflict_and_stores_nothing() -> None:
    store.create_job(make_job("store-t2", "taken"))
    second = make_job("store-t2", "taken")

    with pytest.raises(Conflict, match="slug 'taken' is already taken"):
        store.create_job(second)
    with pytest.raises(NotFound):
        store.get_job("store-t2", second.id)


def test_the_same_slug_in_another_team_is_fine_and_invisible() -> None:
    mine = store.create_job(make_job("store-a", "shared-slug"))
    theirs = store.create_job(make_job("store-b", "shared-slug"))

    assert store.find_job("store-a", "shared-slug").id == mine.id
    with pytest.raises(NotFound):
        store.get_job("store-a", theirs.id)


def test_jobs_list_newest_first_without_their_events() -> None:
    first = store.create_job(make_job("store-t3", "one"))
    second = store.create_job(make_job("store-t3", "two"))
    store.add_event("store-t3", first.id, "job.created")

    jobs, total, _ = store.list_jobs("store-t3", PageParams())

    assert [job.id for job in jobs] == [second.id, first.id]
    assert total == 2


def test_a_stale_write_is_a_conflict_and_update_job_retries() -> None:
    job = store.create_job(make_job("store-t4", "race"))
    stale = store.get_job("store-t4", job.id)
    store.update_job("store-t4", job.id, lambda j: setattr(j, "cancel_requested", True))

    with pytest.raises(Conflict):
        store.save_job(stale)
    updated = store.update_job("store-t4", job.id, lambda j: setattr(j, "status", "running"))
    assert updated.cancel_requested is True
    assert updated.status == "running"


def test_only_active_jobs_are_in_the_active_index() -> None:
    running = store.create_job(make_job("store-t5", "running", status="running"))
    done = store.create_job(make_job("store-t5", "done", status="running"))
    store.update_job("store-t5", done.id, lambda j: setattr(j, "status", "passed"))

    active = {job.id for job in store.list_active_jobs()}

    assert running.id in active
    assert done.id not in active


def test_events_are_listed_oldest_first_and_deleted_with_the_job() -> None:
    job = store.create_job(make_job("store-t6", "events"))
    for phase in ("create", "ba"):
        store.add_event("store-t6", job.id, "job.phase.started", phase=phase)

    events, total, _ = store.list_events("store-t6", job.id, PageParams())
    store.delete_job("store-t6", job.id)

    assert [event.phase for event in events] == ["create", "ba"]
    assert total == 2
    assert store.list_events("store-t6", job.id, PageParams())[1] == 0
    with pytest.raises(NotFound):
        store.find_job("store-t6", "events")
