"""Generation jobs run for real: the local state machine, the pipeline worker, the
template generator, emulated DynamoDB, S3 and EventBridge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import ScriptedProvider

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedProvider]:
    scripted = ScriptedProvider()
    # Every provider name a team's router looks up answers with the scripted provider.
    monkeypatch.setattr("shared.llm.team_router.client_for", lambda team, name, read=None: scripted)
    yield scripted
    for event in scripted.hold.values():
        event.set()
