"""Every acknowledged cdk-nag finding, in one reviewed list.

Each entry names the finding exactly as cdk-nag reports it, the constructs it applies to
(paths below the stack, `fnmatch` patterns) and why it is acceptable. An entry that matches
no construct fails the synth, so the list cannot keep stale excuses.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


@dataclass(frozen=True, slots=True)
class NagAcknowledgement:
    # The rule, with the finding in brackets where cdk-nag reports one (IAM5 does).
    rule: str
    # Construct paths below the stack (fnmatch patterns); each must match at least one.
    paths: tuple[str, ...]
    reason: str

    @property
    def validation_id(self) -> str:
        """The id CDK's validation report uses: `<pack>::<rule>`."""
        return f"{self.rule.split('-', 1)[0]}::{self.rule}"


ACKNOWLEDGEMENTS: tuple[NagAcknowledgement, ...] = (
    NagAcknowledgement(
        rule="AwsSolutions-APIG4",
        paths=("Api/HttpApi/*/Resource", "Api/DefaultRoute/Resource"),
        reason="Authorization happens in the functions, not in API Gateway: a request may "
        "carry a JWT, an API key or an X-Agent-Token, which no single API Gateway "
        "authorizer verifies, and health probes, register/login, signed webhook ingest "
        "and the OpenAPI document are public by design (shared auth dependency, API.md).",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-IAM5[Resource::*]",
        paths=("Api/*/Role/DefaultPolicy/Resource",),
        reason="Only X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords use '*', "
        "added by Tracing.ACTIVE: X-Ray supports no resource-level permissions for them. "
        "Every table, bucket, queue and log-group statement names its resource ARN.",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-L1",
        paths=("Api/*/Function/Resource",),
        reason="Functions run Python 3.12 on purpose: the dependency layer is built for "
        "cp312 wheels, pyproject.toml requires >=3.12,<3.13 and the local runtime and tests "
        "use 3.12. Moving to a newer runtime is one change to all three, made deliberately.",
    ),
    NagAcknowledgement(
        rule="Serverless-LambdaLatestVersion",
        paths=("Api/*/Function/Resource",),
        reason="Same as AwsSolutions-L1: Python 3.12 is pinned so that the layer's cp312 "
        "wheels, pyproject.toml's requires-python and the local runtime all agree.",
    ),
    NagAcknowledgement(
        rule="Serverless-SQSRedrivePolicy",
        paths=("Events/DeadLetterQueue/Resource",),
        reason="This queue is the dead-letter queue itself, the end of the line for failed "
        "events and invocations: messages stay 14 days, an alarm fires on the first one, "
        "and operators replay them; redriving it would only need another queue.",
    ),
)


def _relative_path(stack: Stack, construct: IConstruct) -> str:
    return construct.node.path.removeprefix(stack.node.path + "/")


def targets(stack: Stack, entry: NagAcknowledgement) -> list[IConstruct]:
    return [
        construct
        for construct in stack.node.find_all()
        if any(fnmatch.fnmatchcase(_relative_path(stack, construct), p) for p in entry.paths)
    ]


def acknowledge(stack: Stack) -> None:
    for entry in ACKNOWLEDGEMENTS:
        found = targets(stack, entry)
        if not found:
            raise ValueError(f"cdk-nag acknowledgement {entry.rule} matches nothing: {entry}")
        for construct in found:
            Validations.of(construct).acknowledge(
                Acknowledgment(id=entry.validation_id, reason=entry.reason)
            )
