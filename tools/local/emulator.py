"""Emulated AWS for the local runtime and the tests: moto in-process.

Resources are created from the same definitions CDK deploys (``shared.db.tables``,
the settings' names), and Lambda invocations, Step Functions' included, are handed to
the in-process handlers registered here. This leans on moto 5.2.5's Docker-free Lambda
backend (``moto.awslambda_simple``), whose ``invoke`` we route by function name; moto's
version is pinned for that reason.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from shared.db.tables import TABLES, TableSpec
from shared.queues import QueueSpec
from shared.settings import LOCAL_ACCOUNT_ID, Settings
from tools.lambda_context import LocalLambdaContext

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

MOTO_CONFIG: DefaultConfig = {
    "lambda": {"use_docker": False},
    "stepfunctions": {"execute_state_machine": True},
}
ACCOUNT_ID = LOCAL_ACCOUNT_ID

Handler = Callable[[Any, Any], Any]
_handlers: dict[str, Handler] = {}


def use_fake_credentials(region: str) -> None:
    """Emulated AWS still signs requests: give botocore credentials that go nowhere."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)


_invoking = threading.local()


def register_function(function_name: str, handler: Handler) -> None:
    """Make `function_name` (as Step Functions or boto3 would name it) run `handler`."""
    _handlers[function_name] = handler


def function_name_of(name_or_arn: str) -> str:
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    return name_or_arn.split(":")[6] if name_or_arn.startswith("arn:") else name_or_arn


def _invoke_in_process(
    backend: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: dict[str, str],
) -> bytes:
    name = function_name_of(function_name)
    handler = _handlers.get(name)
    if handler is None:
        response_headers["x-amz-function-error"] = "Unhandled"
        error = {"errorType": "ResourceNotFoundException", "errorMessage": f"no function {name}"}
        return json.dumps(error).encode()
    event = json.loads(body) if body else {}
    _invoking.active = True
    try:
        result = handler(event, LocalLambdaContext(function_name=name))
    except Exception as exc:
        # The shape Lambda gives an unhandled error: Step Functions matches Retry and
        # Catch on errorType, so the exception's class name must come through.
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
    finally:
        _invoking.active = False
    return json.dumps(result).encode()


def invoke(function_name: str, event: Any) -> Any:
    """Run the handler registered as `function_name` with `event`, as Lambda would for an
    event-source mapping (the local queue pump): what it answers, or what it raises."""
    name = function_name_of(function_name)
    handler = _handlers[name]
    outer = in_emulated_invocation()
    _invoking.active = True
    try:
        return handler(event, LocalLambdaContext(function_name=name))
    finally:
        _invoking.active = outer


def receivable_queues(region: str) -> set[str]:
    """The emulated queues holding a message that a receive would answer now. The local
    pump asks only those: a ReceiveMessage through botocore and moto costs ~3 ms, and
    asking every queue each 50 ms kept 40 % of a core busy in an idle `make dev`."""
    from moto.sqs.models import sqs_backends

    queues = sqs_backends[ACCOUNT_ID][region].queues
    return {name for name, queue in list(queues.items()) if queue.messages}


def enabled_schedules(group: str, region: str) -> list[tuple[str, str, str]]:
    """(name, expression, timezone) of each enabled schedule of the emulated Scheduler's
    `group`, read from moto's backend for the same reason."""
    from moto.scheduler.models import scheduler_backends

    found = scheduler_backends[ACCOUNT_ID][region].schedule_groups.get(group)
    if found is None:
        return []
    return [
        (s.name, s.schedule_expression, s.schedule_expression_timezone)
        for s in list(found.schedules.values())
        if s.state == "ENABLED"
    ]


def in_emulated_invocation() -> bool:
    """Whether this thread is running a handler invoked through emulated Lambda (a job's
    phase, say): its AWS requests are that function's, not its caller's."""
    return bool(getattr(_invoking, "active", False))


def _route_lambda_to_handlers() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    LambdaSimpleBackend.invoke = _invoke_in_process  # type: ignore[method-assign,assignment]
    original_get_function = LambdaSimpleBackend.get_function
    if getattr(original_get_function, "routed_in_process", False):
        return

    def get_function(backend: Any, name_or_arn: str, qualifier: str | None = None) -> Any:
        # A registered handler is a function that exists (Secrets Manager's rotation asks
        # before it invokes one); the rest is moto's.
        if function_name_of(name_or_arn) in _handlers:
            return name_or_arn
        return original_get_function(backend, name_or_arn, qualifier)

    get_function.routed_in_process = True  # type: ignore[attr-defined]
    LambdaSimpleBackend.get_function = get_function  # type: ignore[method-assign,assignment]


def _serialize_dynamodb() -> None:
    """One DynamoDB request at a time. moto's TransactWriteItems deep-copies the whole
    table to roll back on failure; a phase worker writing from another thread (Step
    Functions runs them in threads here) changes it mid-copy ("dictionary changed size
    during iteration"). DynamoDB itself has no such limit; the emulator only needs order."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "serialized", False):
        return
    original = DynamoHandler.call_action
    lock = threading.RLock()

    def call_action(handler: Any) -> Any:
        with lock:
            return original(handler)

    call_action.serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _snapshot_each_table_once() -> None:
    """moto's TransactWriteItems deep-copies a table, to roll back on failure, once for
    every item the transaction writes there: a recorded LLM call's nine items copied the
    whole costs table nine times, and each copy grows with the history (a local job's
    phases took twice as long). One snapshot per table and transaction is the same
    rollback; every other copy moto makes is left alone."""
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend.transact_write_items, "snapshots_once", False):
        return

    class TableSnapshots:
        """Stands in for the `copy` module inside moto.dynamodb.models."""

        def __init__(self) -> None:
            self.taken: dict[int, Any] | None = None  # id(table) -> its snapshot
            self.copy = copy.copy

        def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
            if self.taken is None or not isinstance(value, Table):
                return copy.deepcopy(value, memo)
            if id(value) not in self.taken:
                self.taken[id(value)] = copy.deepcopy(value, memo)
            return self.taken[id(value)]

    snapshots = TableSnapshots()
    models.copy = snapshots  # type: ignore[assignment]
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots.taken = {}  # requests are serialized (above): one transaction at a time
        try:
            original(backend, transact_items)
        finally:
            snapshots.taken = None

    transact_write_items.snapshots_once = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]


def _answer_bedrock_model_lists() -> None:
    """moto has no ListFoundationModels: the emulated Bedrock answers that it offers no
    foundation model, so checking a bedrock provider locally says so instead of failing."""
    from moto.bedrock.responses import BedrockResponse

    if hasattr(BedrockResponse, "list_foundation_models"):
        return

    def list_foundation_models(response: Any) -> str:
        return json.dumps({"modelSummaries": []})

    BedrockResponse.list_foundation_models = list_foundation_models  # type: ignore[attr-defined]


def _parse_each_definition_once() -> None:
    """moto's interpreter parses the whole definition (ANTLR) at every execution start:
    0.3-0.5 s for the generation state machine here, a third of a local job's wall time.
    The parsed program is evaluated against a fresh environment per execution, so one
    parse per definition text serves them all."""
    from functools import lru_cache

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if not hasattr(AmazonStateLanguageParser.parse, "cache_info"):
        AmazonStateLanguageParser.parse = staticmethod(  # type: ignore[method-assign]
            lru_cache(maxsize=16)(AmazonStateLanguageParser.parse)
        )


def _create_table(dynamodb: Any, spec: TableSpec, settings: Settings) -> None:
    keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": spec.physical_name(settings.resource_prefix),
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in spec.attributes
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    dynamodb.create_table(**request)
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=request["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def create_resources(settings: Settings) -> None:
    """Create what CDK would deploy: tables, the artifacts bucket, the event bus, its rule
    and queues, the schedule group, the state machine and the signing key."""
    from shared.aws import client

    for spec in TABLES:
        _create_table(client("dynamodb"), spec, settings)
    s3 = client("s3")
    if settings.aws_region == "us-east-1":
        s3.create_bucket(Bucket=settings.artifacts_bucket)
    else:
        s3.create_bucket(
            Bucket=settings.artifacts_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.aws_region},
        )
    s3.put_bucket_versioning(
        Bucket=settings.artifacts_bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    client("events").create_event_bus(Name=settings.event_bus_name)
    _create_queues(settings)
    _create_state_machine(settings)
    _create_workflows_machine(settings)
    # Deployed, the operator verifies the notification sender in SES; here it is verified at
    # start, and what SES accepts stays in moto (tools/local/outbox.py).
    client("sesv2").create_email_identity(EmailIdentity=settings.notification_sender)
    from shared.auth.signing import forget_signing_key, generate_key_material

    # Deployed, the key is created at deploy; locally, at first start.
    client("secretsmanager").create_secret(
        Name=settings.signing_key_secret, SecretString=generate_key_material()
    )
    forget_signing_key()


def _queue_arn(settings: Settings, name: str) -> str:
    return f"arn:aws:sqs:{settings.aws_region}:{ACCOUNT_ID}:{name}"


def create_queue(spec: QueueSpec, settings: Settings) -> None:
    """A queue and its dead-letter queue, redriven after the spec's max receives."""
    from shared.aws import client
    from shared.queues import DEAD_LETTER_RETENTION_SECONDS

    sqs = client("sqs")
    # A FIFO queue's dead-letter queue must be FIFO too.
    fifo = {"FifoQueue": "true"} if spec.fifo else {}
    dead_letter = spec.dead_letter_name(settings.resource_prefix)
    sqs.create_queue(
        QueueName=dead_letter,
        Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS), **fifo},
    )
    redrive = {
        "deadLetterTargetArn": _queue_arn(settings, dead_letter),
        "maxReceiveCount": spec.max_receive_count,
    }
    sqs.create_queue(
        QueueName=spec.physical_name(settings.resource_prefix),
        Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "RedrivePolicy": json.dumps(redrive),
            **fifo,
        },
    )


def _create_queues(settings: Settings) -> None:
    """Every queue of shared.queues with its dead-letter queue and redrive policy, a bus
    rule forwarding the product's events to each queue fed by the bus (`from_bus`), the
    bus's own dead-letter queue (what a rule cannot deliver) and the schedules' group."""
    from shared.aws import client
    from shared.events import SOURCE
    from shared.queues import (
        BUS_DEAD_LETTER_KEY,
        BUS_QUEUES,
        DEAD_LETTER_RETENTION_SECONDS,
        QUEUES,
        bus_rule_name,
    )

    sqs = client("sqs")
    prefix = settings.resource_prefix
    retention = str(DEAD_LETTER_RETENTION_SECONDS)
    bus_dead_letter = f"{prefix}-{BUS_DEAD_LETTER_KEY}"
    sqs.create_queue(QueueName=bus_dead_letter, Attributes={"MessageRetentionPeriod": retention})
    for spec in QUEUES:
        create_queue(spec, settings)
    events = client("events")
    for spec in BUS_QUEUES:
        rule = bus_rule_name(prefix, spec.key)
        events.put_rule(
            Name=rule,
            EventBusName=settings.event_bus_name,
            EventPattern=json.dumps({"source": [SOURCE]}),
        )
        events.put_targets(
            Rule=rule,
            EventBusName=settings.event_bus_name,
            Targets=[
                {
                    "Id": spec.key,
                    "Arn": _queue_arn(settings, spec.physical_name(prefix)),
                    "DeadLetterConfig": {"Arn": _queue_arn(settings, bus_dead_letter)},
                }
            ],
        )
    client("scheduler").create_schedule_group(Name=settings.schedule_group_name)


def _create_state_machine(settings: Settings) -> None:
    """The generation state machine: the document CDK deploys, calling the local worker."""
    from functions.registry import GENERATION_STATE_MACHINE, PIPELINE_WORKER
    from shared.aws import client
    from shared.pipeline.asl import build_definition

    definition = build_definition(settings.function_arn(PIPELINE_WORKER.name))
    client("stepfunctions").create_state_machine(
        name=f"{settings.resource_prefix}-{GENERATION_STATE_MACHINE}",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{settings.resource_prefix}-generation",
        type="STANDARD",
    )


def _create_workflows_machine(settings: Settings) -> None:
    """The workflows interpreter state machine: the document CDK deploys, calling the
    local workflow step worker."""
    from functions.registry import WORKFLOW_STEP, WORKFLOWS_STATE_MACHINE
    from shared.aws import client
    from shared.workflows.asl import build_definition

    definition = build_definition(settings.function_arn(WORKFLOW_STEP.name))
    client("stepfunctions").create_state_machine(
        name=f"{settings.resource_prefix}-{WORKFLOWS_STATE_MACHINE}",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{settings.resource_prefix}-workflows",
        type="STANDARD",
    )


# What tells boto3 (every S3 client) and moto (which of them to answer in-process) where
# the emulated S3 listens over HTTP.
S3_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "MOTO_S3_CUSTOM_ENDPOINTS")


@contextmanager
def s3_over_http() -> Iterator[str]:
    """The emulated S3 also served over HTTP on a loopback port (moto's server mode, on
    the same in-process backends), so a presigned URL works from any HTTP client with no
    header, as deployed. The code's S3 clients point at that endpoint and moto still
    answers them in-process; only presigned URLs followed from outside travel over HTTP.
    A presigned POST's form is checked against its policy first, as S3 does and moto does
    not (tools.local.s3_post_policy)."""
    import logging
    import threading

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from tools.local.s3_post_policy import PostPolicyCheck

    # werkzeug logs every request it serves; the local server logs its own.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # What moto's ThreadedMotoServer runs, with the policy check in front of its app.
    app = PostPolicyCheck(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = str(server.server_address[0]), server.server_address[1]
    endpoint = f"http://{host}:{port}"
    previous = {name: os.environ.get(name) for name in S3_ENDPOINT_VARIABLES}
    os.environ.update(dict.fromkeys(S3_ENDPOINT_VARIABLES, endpoint))
    try:
        yield endpoint
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.shutdown()
        thread.join()


@contextmanager
def emulated_aws(settings: Settings) -> Iterator[None]:
    """Start moto, create every resource, and route Lambda invocations in-process."""
    use_fake_credentials(settings.aws_region)
    from moto import mock_aws

    from shared.aws import reset_clients

    with mock_aws(config=MOTO_CONFIG), s3_over_http():
        # Clients built before the mock started (or without S3's endpoint) are dropped.
        reset_clients()
        _route_lambda_to_handlers()
        _serialize_dynamodb()
        _snapshot_each_table_once()
        _answer_bedrock_model_lists()
        _parse_each_definition_once()
        create_resources(settings)
        yield
    reset_clients()
