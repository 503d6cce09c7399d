"""EC2/VPC networking on moto: VPCs, subnets, gateways, route tables, network ACLs; region selection
and a denied region."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
NETWORK_STEPS = (
    "fetch-ec2-vpcs",
    "fetch-ec2-subnets",
    "fetch-ec2-network-acls",
    "fetch-ec2-internet-gateways",
    "fetch-ec2-nat-gateways",
    "fetch-ec2-route-tables",
)


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def relationships(result, type_):
    return [r for r in result.job_state.relationships() if r["_type"] == type_]


def arn(kind, resource_id, region="us-east-1"):
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{resource_id}"


@pytest.fixture
def network(client):
    ec2 = client("ec2", "us-east-1")
    vpc = ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "prod"}]}],
    )["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    nat = ec2.create_nat_gateway(
        SubnetId=subnet, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"]
    )
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 22, "To": 22},
    )
    client("ec2", "ap-south-1").create_vpc(CidrBlock="10.9.0.0/16")  # a region not asked for
    return {
        "vpc": vpc,
        "subnet": subnet,
        "gateway": gateway,
        "table": table,
        "nat": nat["NatGateway"]["NatGatewayId"],
        "acl": acl,
    }


def test_vpcs_and_subnets_in_the_requested_regions(run_steps, network):
    result = run_steps("fetch-ec2-vpcs", "fetch-ec2-subnets")
    vpcs = {v["vpcId"]: v for v in result.job_state.iter_entities("aws_vpc")}
    assert {v["region"] for v in vpcs.values()} == {"us-east-1", "eu-west-1"}  # each has a default VPC
    assert not [v for v in vpcs.values() if v["CIDR"] == "10.9.0.0/16"]  # ap-south-1 was not asked for
    vpc = vpcs[network["vpc"]]
    assert vpc["_key"] == vpc["arn"] == arn("vpc", network["vpc"])
    assert vpc["_class"] == ["Network"] and vpc["name"] == "prod" and vpc["tag.Name"] == "prod"
    assert vpc["CIDR"] == vpc["cidrBlock"] == "10.1.0.0/16"
    assert vpc["default"] is False and vpc["isDefault"] is False and vpc["state"] == "available"
    assert vpc["accountId"] == ACCOUNT and vpc["internal"] is True
    assert sum(v["default"] for v in vpcs.values()) == 2
    subnet = result.job_state.find_entity(arn("subnet", network["subnet"]))
    assert subnet["_class"] == ["Network"] and subnet["subnetId"] == network["subnet"]
    assert (
        subnet["cidrBlock"] == subnet["CIDR"] == "10.1.1.0/24" and subnet["availabilityZone"] == "us-east-1a"
    )
    assert subnet["public"] is True and subnet["vpcId"] == network["vpc"] and subnet["region"] == "us-east-1"
    contains = relationships(result, "aws_vpc_contains_subnet")
    assert {"_fromEntityKey": vpc["_key"], "_toEntityKey": subnet["_key"]}.items() <= next(
        r for r in contains if r["_toEntityKey"] == subnet["_key"]
    ).items()
    assert len(contains) == len(list(result.job_state.iter_entities("aws_subnet")))
    assert len(relationships(result, "aws_ec2_has_vpc")) == len(vpcs)
    assert all(
        status(result, s).status is StepStatus.SUCCESS for s in ("fetch-ec2-vpcs", "fetch-ec2-subnets")
    )


def test_gateways_route_tables_and_network_acls(run_steps, network):
    result = run_steps(*NETWORK_STEPS, regions=("us-east-1",))
    state = result.job_state
    vpc_key = arn("vpc", network["vpc"])
    gateway = state.find_entity(arn("internet-gateway", network["gateway"]))
    assert gateway["_class"] == ["Gateway"] and gateway["vpcId"] == network["vpc"]
    (connects,) = relationships(result, "aws_internet_gateway_connects_internet")
    assert connects["_fromEntityKey"] == gateway["_key"] and connects["_toEntityKey"] == "global:internet"
    assert connects["routeTableId"] == network["table"] and connects["destinationCidrBlock"] == "0.0.0.0/0"
    nat = state.find_entity(arn("natgateway", network["nat"]))
    assert (
        nat["_class"] == ["Gateway"] and nat["subnetId"] == network["subnet"] and nat["state"] == "available"
    )
    assert isinstance(nat["createdOn"], int)
    table = state.find_entity(arn("route-table", network["table"]))
    assert table["_class"] == ["Configuration"] and table["main"] is False
    assert table["subnetIds"] == [network["subnet"]] and '"destination":"0.0.0.0/0"' in table["routes"]
    main_tables = [
        t for t in state.iter_entities("aws_route_table") if t["vpcId"] == network["vpc"] and t["main"]
    ]
    assert len(main_tables) == 1
    acl = state.find_entity(arn("network-acl", network["acl"]))
    assert acl["_class"] == ["Firewall"] and acl["default"] is False and acl["vpcId"] == network["vpc"]
    assert '"PortRange":{"From":22,"To":22}' in acl["ingressRules"] and "egressRules" not in acl
    default_acl = next(
        a for a in state.iter_entities("aws_network_acl") if a["vpcId"] == network["vpc"] and a["default"]
    )
    protects = {
        r["_toEntityKey"]
        for r in relationships(result, "aws_network_acl_protects_subnet")
        if r["_fromEntityKey"] == default_acl["_key"]
    }
    assert arn("subnet", network["subnet"]) in protects
    for type_, target in [
        ("aws_vpc_has_internet_gateway", gateway["_key"]),
        ("aws_vpc_has_nat_gateway", nat["_key"]),
        ("aws_vpc_has_route_table", table["_key"]),
        ("aws_vpc_has_network_acl", acl["_key"]),
    ]:
        assert any(
            r["_fromEntityKey"] == vpc_key and r["_toEntityKey"] == target
            for r in relationships(result, type_)
        )
    assert all(status(result, s).status is StepStatus.SUCCESS for s in NETWORK_STEPS)


def test_network_acl_rules_are_allows_and_denies_relationships(run_steps, network, client):
    ec2 = client("ec2", "us-east-1")
    for number, action, protocol, cidr, ports in (
        (110, "deny", "6", "10.20.0.0/16", {"From": 3389, "To": 3389}),
        (120, "allow", "-1", "192.168.0.0/16", None),
        (130, "allow", "1", "0.0.0.0/0", None),
    ):
        entry = {"RuleNumber": number, "Protocol": protocol, "RuleAction": action, "Egress": False}
        if ports:
            entry["PortRange"] = ports
        if protocol == "1":
            entry["IcmpTypeCode"] = {"Type": -1, "Code": -1}
        ec2.create_network_acl_entry(NetworkAclId=network["acl"], CidrBlock=cidr, **entry)
    result = run_steps("fetch-ec2-network-acls", regions=("us-east-1",))
    acl_key = arn("network-acl", network["acl"])
    rules = {
        (r["_class"], r["ruleNumber"], r["egress"]): r
        for r in result.job_state.relationships()
        if r["_fromEntityKey"] == acl_key and r["_class"] in ("ALLOWS", "DENIES")
    }
    ssh = rules["ALLOWS", 100, False]  # the fixture's rule: SSH from anywhere
    assert ssh["_type"] == "aws_network_acl_allows_internet" and ssh["_toEntityKey"] == "global:internet"
    assert ssh["ingress"] is True and ssh["egress"] is False and ssh["ipRange"] == "0.0.0.0/0"
    assert (ssh["protocol"], ssh["ipProtocol"], ssh["fromPort"], ssh["toPort"]) == ("6", "tcp", 22, 22)
    assert ssh["ruleAction"] == "allow" and ssh["_key"] == f"{acl_key}|allows|global:internet|ingress|100"
    rdp = rules["DENIES", 110, False]
    assert rdp["_type"] == "aws_network_acl_denies_ip_address_range"
    assert rdp["_toEntityKey"] == "ip_range:10.20.0.0/16" and (rdp["fromPort"], rdp["toPort"]) == (3389, 3389)
    everything = rules["ALLOWS", 120, False]
    assert (everything["ipProtocol"], everything["fromPort"], everything["toPort"]) == ("*", 0, 65535)
    icmp = rules["ALLOWS", 130, False]
    assert icmp["ipProtocol"] == "icmp" and "fromPort" not in icmp
    # A default ACL allows everything, before its catch-all deny, both ways.
    default = next(
        a
        for a in result.job_state.iter_entities("aws_network_acl")
        if a["vpcId"] == network["vpc"] and a["default"]
    )
    default_rules = {
        (r["_class"], r["ruleNumber"], r["egress"]): r["_type"]
        for r in result.job_state.relationships()
        if r["_fromEntityKey"] == default["_key"] and r["_class"] in ("ALLOWS", "DENIES")
    }
    assert default_rules == {
        ("ALLOWS", 100, False): "aws_network_acl_allows_internet",
        ("ALLOWS", 100, True): "aws_network_acl_allows_internet",
        ("DENIES", 32767, False): "aws_network_acl_denies_internet",
        ("DENIES", 32767, True): "aws_network_acl_denies_internet",
    }
    ranges = {e["_key"]: e for e in result.job_state.iter_entities("ip_address_range")}
    assert {"ip_range:10.20.0.0/16", "ip_range:192.168.0.0/16"} <= set(ranges)
    assert ranges["ip_range:10.20.0.0/16"]["internal"] is True


def test_network_acl_and_security_group_steps_share_range_entities(run_steps, network, client):
    ec2 = client("ec2", "us-east-1")
    ec2.create_network_acl_entry(
        NetworkAclId=network["acl"],
        RuleNumber=140,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.30.0.0/16",
        PortRange={"From": 443, "To": 443},
    )
    group = ec2.create_security_group(GroupName="shared-range", Description="x", VpcId=network["vpc"])
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.30.0.0/16"}]}
        ],
    )
    result = run_steps("fetch-ec2-network-acls", "fetch-ec2-security-groups", regions=("us-east-1",))
    assert not result.failed_steps
    assert [e["_key"] for e in result.job_state.iter_entities("ip_address_range")].count(
        "ip_range:10.30.0.0/16"
    ) == 1


@pytest.fixture
def deny_vpcs_in_eu_west_1():
    """UnauthorizedOperation from DescribeVpcs in one region, as a service control policy would answer."""

    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError(
                {"Error": {"Code": "UnauthorizedOperation", "Message": "denied by an SCP"}}, model.name
            )

    entry = ("before-call.ec2.DescribeVpcs", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_marks_vpcs_partial_and_keeps_the_rest(run_steps, deny_vpcs_in_eu_west_1):
    result = run_steps("fetch-ec2-vpcs", "fetch-ec2-subnets")
    step = status(result, "fetch-ec2-vpcs")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-ec2-vpcs: eu-west-1: access denied (UnauthorizedOperation); the role needs ec2:DescribeVpcs"
    )
    assert [v["region"] for v in result.job_state.iter_entities("aws_vpc")] == ["us-east-1"]
    assert {"aws_vpc", "aws_ec2_has_vpc"} <= set(result.partial_types)
    assert status(result, "fetch-ec2-subnets").status is StepStatus.SUCCESS  # other steps finish
    assert {s["region"] for s in result.job_state.iter_entities("aws_subnet")} == {"us-east-1", "eu-west-1"}
