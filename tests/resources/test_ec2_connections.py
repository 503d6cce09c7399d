"""VPC peering (CONNECTS), flow logs (LOGS), VPN gateways and EBS encryption by default."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from shapes import shaped

from graph_aws.aws.resources.ec2.connections import flow_log_logs, vpn_gateway_in_vpc
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def of_type(result, type_):
    return [r for r in result.job_state.relationships() if r["_type"] == type_]


def vpc_arn(vpc_id, region="us-east-1", account=ACCOUNT):
    return f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}"


@pytest.fixture
def networks(client):
    ec2 = client("ec2", "us-east-1")
    app = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    data = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    pending = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    active = ec2.create_vpc_peering_connection(VpcId=app, PeerVpcId=data)["VpcPeeringConnection"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=active["VpcPeeringConnectionId"])
    ec2.create_vpc_peering_connection(VpcId=app, PeerVpcId=pending)  # never accepted
    client("s3", "us-east-1").create_bucket(Bucket="flow-logs-bucket")
    ec2.create_flow_logs(
        ResourceIds=[app],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="vpc-flows",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flows",
    )
    ec2.create_flow_logs(
        ResourceIds=[data],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-logs-bucket",
    )
    gateway = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64512)["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=gateway, VpcId=app)
    ec2.enable_ebs_encryption_by_default()
    return {
        "app": app,
        "data": data,
        "pending": pending,
        "peering": active["VpcPeeringConnectionId"],
        "vgw": gateway,
    }


def test_active_peering_connections_connect_the_two_vpcs(run_steps, networks):
    result = run_steps("fetch-ec2-vpc-peering-connections", regions=("us-east-1",))
    assert status(result, "fetch-ec2-vpc-peering-connections").status is StepStatus.SUCCESS
    (connects,) = of_type(result, "aws_vpc_connects_vpc")  # the unaccepted one does not connect
    assert connects["_fromEntityKey"] == vpc_arn(networks["app"])
    assert connects["_toEntityKey"] == vpc_arn(networks["data"])
    assert connects["vpcPeeringConnectionId"] == networks["peering"] and connects["status"] == "active"
    assert connects["requesterCidr"] == "10.1.0.0/16" and connects["accepterCidr"] == "10.2.0.0/16"
    assert connects["accepterOwnerId"] == ACCOUNT and connects["accepterRegion"] == "us-east-1"


def test_flow_logs_are_logs_relationships_to_their_destination(run_steps, networks):
    result = run_steps("fetch-ec2-flow-logs", regions=("us-east-1",))
    (to_group,) = of_type(result, "aws_vpc_logs_cloudwatch_log_group")
    assert to_group["_fromEntityKey"] == vpc_arn(networks["app"])
    assert to_group["_toEntityKey"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:vpc-flows"
    assert to_group["flowLogId"].startswith("fl-") and to_group["trafficType"] == "ALL"
    assert to_group["active"] is True and to_group["status"] == "ACTIVE"
    assert isinstance(to_group["createdOn"], int)
    (to_bucket,) = of_type(result, "aws_vpc_logs_s3_bucket")
    assert to_bucket["_fromEntityKey"] == vpc_arn(networks["data"])
    assert (
        to_bucket["_toEntityKey"] == "arn:aws:s3:::flow-logs-bucket" and to_bucket["trafficType"] == "REJECT"
    )


def test_a_flow_log_to_a_bucket_prefix_and_one_of_a_subnet():
    # moto refuses bucket prefixes, so these are botocore-shaped answers of DescribeFlowLogs.
    where = Where(ACCOUNT, "aws", "eu-west-1")
    prefixed = shaped(
        "ec2",
        "FlowLog",
        FlowLogId="fl-0123456789abcdef0",
        ResourceId="vpc-0123456789abcdef0",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::central-logs/vpc/",
        TrafficType="ALL",
        FlowLogStatus="ACTIVE",
    )
    (logs,) = flow_log_logs(prefixed, where)
    assert logs["_toEntityKey"] == "arn:aws:s3:::central-logs"
    assert logs["_fromEntityKey"] == vpc_arn("vpc-0123456789abcdef0", "eu-west-1")
    subnet = shaped("ec2", "FlowLog", FlowLogId="fl-1", ResourceId="subnet-1", LogGroupName="subnet-flows")
    assert list(flow_log_logs(subnet, where)) == []


def test_vpn_gateways_and_ebs_encryption_by_default(run_steps, networks):
    result = run_steps("fetch-ec2-vpn-gateways", "fetch-ec2-ebs-encryption-by-default")
    (gateway,) = result.job_state.iter_entities("aws_vpn_gateway")
    assert gateway["_key"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpn-gateway/{networks['vgw']}"
    assert gateway["_class"] == ["Gateway"] and gateway["vpcIds"] == [networks["app"]]
    assert gateway["type"] == "ipsec.1" and gateway["public"] is False and gateway["category"] == ["network"]
    (has,) = of_type(result, "aws_vpc_has_vpn_gateway")
    assert has["_fromEntityKey"] == vpc_arn(networks["app"]) and has["_toEntityKey"] == gateway["_key"]
    settings = {s["region"]: s for s in result.job_state.iter_entities("aws_ec2_settings")}
    assert settings["us-east-1"]["ebsEncryptionByDefault"] is True
    assert settings["eu-west-1"]["ebsEncryptionByDefault"] is False
    assert settings["us-east-1"]["_key"] == f"aws_ec2_settings:{ACCOUNT}:us-east-1"
    assert (
        settings["us-east-1"]["_class"] == ["Configuration"] and settings["us-east-1"]["accountId"] == ACCOUNT
    )
    assert {r["_toEntityKey"] for r in of_type(result, "aws_ec2_has_settings")} == {
        s["_key"] for s in settings.values()
    }


@pytest.fixture
def deny_flow_logs_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "SCP"}}, model.name)

    entry = ("before-call.ec2.DescribeFlowLogs", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, networks, deny_flow_logs_in_eu):
    result = run_steps("fetch-ec2-flow-logs")
    step = status(result, "fetch-ec2-flow-logs")
    assert step.error == (
        "fetch-ec2-flow-logs: eu-west-1: access denied (UnauthorizedOperation); "
        "the role needs ec2:DescribeFlowLogs"
    )
    assert len(of_type(result, "aws_vpc_logs_cloudwatch_log_group")) == 1  # us-east-1's, kept
    assert {"aws_vpc_logs_cloudwatch_log_group", "aws_vpc_logs_s3_bucket"} <= set(result.partial_types)


def test_an_active_peering_without_its_vpcs_is_left_out_with_a_warning(run_steps):
    odd = {"VpcPeeringConnectionId": "pcx-0123456789", "Status": {"Code": "active"}}
    entry = (
        "after-call.ec2.DescribeVpcPeeringConnections",
        lambda parsed, **_: parsed.setdefault("VpcPeeringConnections", []).append(odd),
    )
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-ec2-vpc-peering-connections", regions=("us-east-1",))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = status(result, "fetch-ec2-vpc-peering-connections")
    assert step.status is StepStatus.SUCCESS
    assert not of_type(result, "aws_vpc_connects_vpc")
    assert step.warnings == ["us-east-1: a peer VPC with an empty VpcId left out: it has no id"]


def test_a_vpn_attachment_without_its_vpc_names_none():
    where = Where(ACCOUNT, "aws", "us-east-1")
    raw = {
        "VpnGatewayId": "vgw-0123456789",
        "VpcAttachments": [{"State": "attached"}, {"State": "attached", "VpcId": "vpc-0123456789"}],
    }
    (has,) = vpn_gateway_in_vpc(raw, where)
    assert has["_fromEntityKey"] == vpc_arn("vpc-0123456789")
