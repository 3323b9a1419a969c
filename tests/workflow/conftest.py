"""Generation jobs run for real: the local state machine, the pipeline worker, the
template generator, emulated DynamoDB, S3 and EventBridge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.jobs import approvals
from shared.jobs.domain import Approval
from shared.pagination import PageParams
from tests.factories import ScriptedProvider


def pending_of(team_id: str) -> list[Approval]:
    """The team's pending approvals (a page of 100: the tests open a few)."""
    return approvals.list_approvals(team_id, PageParams(limit=100), "pending")[0]


pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedProvider]:
    scripted = ScriptedProvider()
    # Every provider name a team's router looks up answers with the scripted provider.
    monkeypatch.setattr("shared.llm.team_router.client_for", lambda team, name, read=None: scripted)
    yield scripted
    for event in scripted.hold.values():
        event.set()
