"""The isolated network the sandbox runs in: a VPC with no way out.

Isolated subnets only (no NAT gateway, no internet gateway, no VPC endpoint: their route
tables hold the VPC's local route and nothing else) and a security group with no egress
rule, so a function placed here reaches nothing, not even AWS's APIs. Lambda writes the
function's logs itself, outside the VPC. No flow logs (cdk-nag's VPC7 acknowledgement says
why): four more resources in a stack near CloudFormation's 500.

One per stack, made when the first `isolated_network` function asks (`IsolatedNetwork.of`).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

NETWORK_ID = "IsolatedNetwork"
SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


class IsolatedNetwork(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
            # Nothing runs in the default security group; stripping its rules would take a
            # custom resource (a Node.js function and its role) for no gain here.
            restrict_default_security_group=False,
        )
        # CDK writes one egress rule that matches no traffic (ICMP to 255.255.255.255/32)
        # in place of EC2's default allow-all.
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=self.vpc,
            description="Sandboxed functions: no inbound, no outbound",
            allow_all_outbound=False,
        )

    @classmethod
    def of(cls, scope: Construct) -> IsolatedNetwork:
        """The stack's isolated network, made on first use."""
        stack = Stack.of(scope)
        found = stack.node.try_find_child(NETWORK_ID)
        if isinstance(found, IsolatedNetwork):
            return found
        return cls(stack, NETWORK_ID)


def isolated_network(spec: object) -> bool:
    """Whether a registry entry runs in the isolated network (`WorkerFunction.isolated_network`)."""
    value = getattr(spec, "isolated_network", False)
    if not isinstance(value, bool):
        raise TypeError(f"isolated_network must be a bool, not {value!r}")
    return value


# What Lambda does with the function's role to place it in the VPC (the actions of AWS's
# AWSLambdaVPCAccessExecutionRole without its logs:* on every log group).
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
