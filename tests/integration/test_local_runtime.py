"""The local runtime: Step Functions' Lambda calls reach the in-process handlers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from shared.aws import client
from tools.local.emulator import ACCOUNT_ID, register_function

pytestmark = pytest.mark.usefixtures("aws")

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/local-states"


class PhaseRefused(Exception):
    pass


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{name}"


def run(definition: dict[str, Any], payload: dict[str, Any], name: str) -> dict[str, Any]:
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps(payload)
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return described  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError("execution did not finish")


def test_a_lambda_task_runs_the_in_process_handler() -> None:
    register_function(
        "local-double",
        lambda event, context: {"value": event["value"] * 2, "by": context.function_name},
    )
    definition = {
        "StartAt": "Double",
        "States": {
            "Double": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": arn("local-double"), "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }

    finished = run(definition, {"value": 21}, "double")

    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"]) == {"value": 42, "by": "local-double"}


def test_a_handler_error_reaches_catch_with_its_error_type() -> None:
    def refuse(event: Any, context: Any) -> None:
        raise PhaseRefused("the spec is empty")

    register_function("local-refuse", refuse)
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": arn("local-refuse"), "Payload.$": "$"},
                "Catch": [
                    {"ErrorEquals": ["PhaseRefused"], "ResultPath": "$.error", "Next": "Recorded"}
                ],
                "End": True,
            },
            "Recorded": {"Type": "Pass", "End": True},
        },
    }

    finished = run(definition, {"job": "j1"}, "refuse")

    assert finished["status"] == "SUCCEEDED"
    output = json.loads(finished["output"])
    assert output["error"]["Error"] == "PhaseRefused"
    assert "the spec is empty" in output["error"]["Cause"]


def test_a_route_group_handler_is_invocable_by_function_name(load_event: Any) -> None:
    from shared.settings import get_settings

    response = client("lambda").invoke(
        FunctionName=f"{get_settings().resource_prefix}-health",
        Payload=json.dumps(load_event("apigw_v2_healthz.json")).encode(),
    )

    answer = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert answer["statusCode"] == 200


def test_a_transaction_snapshots_its_table_once_and_still_rolls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copy

    from moto.dynamodb.models.table import Table

    from shared.settings import get_settings

    table = get_settings().table_name("costs")
    dynamodb = client("dynamodb")
    key = {"pk": {"S": "TEAM#snapshots"}, "sk": {"S": "ONE"}}
    dynamodb.put_item(TableName=table, Item={**key, "n": {"N": "1"}})
    copies: list[str] = []
    deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Table):
            copies.append(value.name)
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    items = [
        {"Put": {"TableName": table, "Item": {"pk": {"S": "TEAM#snapshots"}, "sk": {"S": s}}}}
        for s in ("TWO", "THREE")
    ]
    refused = {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET n = :two",
            "ConditionExpression": "n = :zero",
            "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
        }
    }

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[*items, refused])

    assert copies == [table]  # three items, one snapshot
    found = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "TEAM#snapshots"}},
    )["Items"]
    assert found == [{**key, "n": {"N": "1"}}]  # the two puts were rolled back
