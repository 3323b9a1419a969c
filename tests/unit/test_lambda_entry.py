"""The wrapper every Lambda entry uses: log context per invocation, metrics when recorded."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from shared.observability import lambda_entry, logger, metrics
from tools.lambda_context import LocalLambdaContext


def records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_each_invocation_logs_its_request_id_and_only_the_first_is_cold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", written)

    def handler(event: dict[str, Any], context: Any) -> str:
        logger.info("handled")
        return "done"

    entry = lambda_entry(handler)
    contexts = [LocalLambdaContext(function_name="factory-test-entry") for _ in range(3)]

    answers = [entry({}, context) for context in contexts]

    logged = [line for line in records(written.getvalue()) if line["message"] == "handled"]
    assert answers == ["done"] * 3
    assert [line["cold_start"] for line in logged] == [True, False, False]
    assert [line["function_request_id"] for line in logged] == [
        context.aws_request_id for context in contexts
    ]
    assert {line["function_name"] for line in logged} == {"factory-test-entry"}


def test_metrics_are_flushed_when_recorded_even_if_the_handler_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()  # whatever an earlier test in this process left unflushed

    def handler(event: dict[str, Any], context: Any) -> None:
        if event.get("record"):
            metrics.add_metric(name="JobsStarted", unit=MetricUnit.Count, value=1)
        if event.get("fail"):
            raise RuntimeError("boom")

    entry = lambda_entry(handler)
    entry({}, LocalLambdaContext(function_name="factory-test-entry"))
    quiet = capsys.readouterr().out
    with pytest.raises(RuntimeError):
        entry({"record": True, "fail": True}, LocalLambdaContext(function_name="x"))

    emitted = [line for line in records(capsys.readouterr().out) if "_aws" in line]
    assert "_aws" not in quiet  # nothing recorded, nothing flushed (and no warning)
    assert [line["JobsStarted"] for line in emitted] == [[1.0]]
    assert not metrics.metric_set
