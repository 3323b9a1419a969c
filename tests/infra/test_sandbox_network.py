"""The sandbox function is a boundary in the stack too: it runs in isolated subnets of a VPC
with no route out (no NAT gateway, no internet gateway), behind a security group with no
egress, without X-Ray, and its role can write its logs and manage its network interfaces,
nothing else."""

from __future__ import annotations

from typing import Any

from functions.registry import SANDBOX
from infra.constructs.sandbox import ENI_ACTIONS
from tests.infra.assembly import Synthesized, as_list, ref


def sandbox_function(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, resource)
        for logical_id, resource in synthesized.python_functions().items()
        if resource["Properties"]["FunctionName"].endswith(f"-{SANDBOX.name}")
    ]
    return found


def test_the_sandbox_runs_in_the_isolated_subnets_only(synthesized: Synthesized) -> None:
    _, function = sandbox_function(synthesized)
    config = function["Properties"]["VpcConfig"]
    subnets = synthesized.resources("AWS::EC2::Subnet")
    assert config["SubnetIds"], "no subnets"
    for subnet in config["SubnetIds"]:
        (subnet_id,) = subnet.values()
        tags = {t["Key"]: t["Value"] for t in subnets[subnet_id]["Properties"]["Tags"]}
        assert tags["aws-cdk:subnet-type"] == "Isolated"
        assert subnets[subnet_id]["Properties"]["MapPublicIpOnLaunch"] is False
    # No other function of ours is in a VPC.
    in_vpc = [r for r in synthesized.python_functions().values() if "VpcConfig" in r["Properties"]]
    assert in_vpc == [function]


def test_nothing_routes_out_of_the_vpc(synthesized: Synthesized) -> None:
    assert synthesized.resources("AWS::EC2::NatGateway") == {}
    assert synthesized.resources("AWS::EC2::InternetGateway") == {}
    assert synthesized.resources("AWS::EC2::VPCGatewayAttachment") == {}
    assert synthesized.resources("AWS::EC2::EgressOnlyInternetGateway") == {}
    assert synthesized.resources("AWS::EC2::VPCEndpoint") == {}
    assert synthesized.resources("AWS::EC2::TransitGatewayAttachment") == {}
    # Every subnet's route table holds the VPC's local route alone: no AWS::EC2::Route.
    assert synthesized.resources("AWS::EC2::Route") == {}
    assert synthesized.resources("AWS::EC2::VPCPeeringConnection") == {}


def test_the_security_group_lets_nothing_out(synthesized: Synthesized) -> None:
    _, function = sandbox_function(synthesized)
    (group,) = function["Properties"]["VpcConfig"]["SecurityGroupIds"]
    group_id = group["Fn::GetAtt"][0]
    properties = synthesized.resources("AWS::EC2::SecurityGroup")[group_id]["Properties"]
    # CDK's rule matching no traffic (ICMP type 86 code 252 to 255.255.255.255/32) stands
    # in for "none": without any egress rule EC2 would allow everything.
    assert properties["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    assert "SecurityGroupIngress" not in properties
    for kind in ("AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress"):
        assert [
            rule
            for rule in synthesized.resources(kind).values()
            if rule["Properties"].get("GroupId") == group
        ] == []


def test_the_role_writes_its_logs_and_places_its_interfaces_nothing_else(
    synthesized: Synthesized,
) -> None:
    _, function = sandbox_function(synthesized)
    assert function["Properties"].get("TracingConfig", {}).get("Mode") != "Active"
    assert "DeadLetterConfig" not in function["Properties"]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    role = synthesized.template_json["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role
    statements = [
        statement
        for policy in synthesized.resources("AWS::IAM::Policy").values()
        if ref(role_id) in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    log_groups = synthesized.resources("AWS::Logs::LogGroup")
    granted: dict[str, list[Any]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    assert set(granted) == {"logs:CreateLogStream", "logs:PutLogEvents", *ENI_ACTIONS}
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        (log_group,) = granted[action]
        log_group_id = log_group["Fn::GetAtt"][0]
        assert log_group_id in log_groups
        assert function["Properties"]["LoggingConfig"]["LogGroup"] == ref(log_group_id)
    for action in ENI_ACTIONS:
        assert granted[action] == ["*"]
    # No other policy names the role (a grant added elsewhere would land in one).
    for policy in synthesized.resources("AWS::IAM::ManagedPolicy").values():
        assert ref(role_id) not in policy["Properties"].get("Roles", [])
