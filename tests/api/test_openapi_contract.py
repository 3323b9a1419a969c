"""The OpenAPI document tells the truth: schemathesis' own engine, as `st run` runs it.

The same engine the CLI drives, with the same phases (examples, coverage, fuzzing,
stateful), every check (`negative_data_rejection` and `positive_data_acceptance`
included) and the repository's schemathesis.toml (the few statuses a rule no schema can
state allows, each for its own operations), in-process against the local gateway. It
fails on the first failure the CLI would report, naming the check, the operation and a
curl to reproduce it. Fewer examples than the CLI's 25 keep it to about a minute; every
phase and check still runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from tools.local.gateway import LocalGateway

CONFIG_FILE = Path(__file__).resolve().parents[2] / "schemathesis.toml"
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
MAX_EXAMPLES = 5
# A fixed seed: a failure found here is found again on the next run.
SEED = 20_261_204


def contract_config(headers: dict[str, str]) -> SchemathesisConfig:
    """schemathesis.toml with what `st run --phases ... --checks all` adds on the command line."""
    config = SchemathesisConfig.from_path(CONFIG_FILE)
    config.update(seed=SEED, max_failures=None)
    overrides = config.projects.override
    overrides.update(headers=headers, workers=1)
    overrides.phases.update(phases=PHASES)
    overrides.checks.update(included_check_names=["all"])
    overrides.generation.update(max_examples=MAX_EXAMPLES, database="none")
    return config


def failures_of(app: Any, headers: dict[str, str]) -> tuple[list[str], set[str]]:
    """(each failure as the CLI would show it, the phases that ran) of one engine run."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=contract_config(headers))
    found: list[str] = []
    ran: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: error: {event.info.title}: {event.info.message}")
        if isinstance(event, events.ScenarioFinished):
            ran.add(str(event.phase.value))
            found.extend(_failures(event))
    return found, ran


def _failures(event: events.ScenarioFinished) -> list[str]:
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(
                    f"{check.name} [{failure.operation}] {failure.title}: {failure.message}\n"
                    f"{check.failure_info.code_sample}"
                )
    return found


def quieten(app: Any, headers: dict[str, str]) -> None:
    """Delete what the run left listening for events: its webhooks (whose generated URLs
    fail, so every later event of the team's still-running jobs would queue eight
    attempts each), channels and triggers. A later test's pump then carries none of it."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        for listing in ("/webhooks", "/notifications/channels", "/triggers"):
            while True:
                answer = client.get(f"/api/v1{listing}", params={"limit": 100}, headers=headers)
                assert answer.status_code == 200, answer.text
                ids = [item["id"] for item in answer.json()["items"]]
                if not ids:
                    break
                for item_id in ids:
                    gone = client.delete(f"/api/v1{listing}/{item_id}", headers=headers)
                    assert gone.status_code in (204, 404), gone.text


def _gate_the_first_phase(headers: dict[str, str]) -> None:
    """Every job the run starts (POST /jobs, a product from an idea, a batch of ten) waits
    for approval after its first phase: the run checks answers, and a few hundred whole
    pipelines running behind it in this process would only cost minutes and memory."""
    from fastapi.testclient import TestClient

    with TestClient(LocalGateway()) as client:
        answer = client.post("/api/v1/settings", headers=headers, json={"approval_gates": ["ba"]})
        assert answer.status_code == 200, answer.text


@pytest.mark.slow
@pytest.mark.usefixtures("aws")
def test_the_api_answers_as_its_document_says(token_for: Any) -> None:
    headers = token_for("contract-team")
    _gate_the_first_phase(headers)
    try:
        found, ran = failures_of(LocalGateway(), headers)
    finally:
        quieten(LocalGateway(), headers)

    assert not found, f"{len(found)} failure(s):\n\n" + "\n\n".join(found)
    assert {"examples", "coverage", "fuzzing", "stateful"} <= ran
