"""Security groups and their rules as ALLOWS relationships, on moto and as pure conversion."""

from __future__ import annotations

from graph_aws.aws.resources.ec2.security_groups import rule_relationships, to_ip_range
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def group_arn(group_id, account=ACCOUNT):
    return f"arn:aws:ec2:us-east-1:{account}:security-group/{group_id}"


def exposes_ssh(rule):
    """JupiterOne's restricted-ssh check, on one rule relationship."""
    return rule["ingress"] is True and rule["fromPort"] <= 22 <= rule["toPort"]


def test_groups_and_each_rule_as_an_allows_relationship(run_steps, client):
    ec2 = client("ec2", "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    app = ec2.create_security_group(GroupName="app", Description="app servers", VpcId=vpc)["GroupId"]
    web = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "52.94.76.10/32", "Description": "office"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": app}]},
            {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    result = run_steps("fetch-ec2-security-groups", regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    state = result.job_state
    group = state.find_entity(group_arn(web))
    assert group["_class"] == ["Firewall"] and group["arn"] == group["_key"]
    assert group["name"] == group["groupName"] == "web" and group["groupId"] == web
    assert group["description"] == "web servers" and group["vpcId"] == vpc and group["default"] is False
    assert (
        '/0"' in group["ingressRules"] and '"ToPort":22' in group["ingressRules"]
    )  # read with ~= by J1 rules
    assert group["egressRules"] and group["accountId"] == ACCOUNT and group["region"] == "us-east-1"
    defaults = [g for g in state.iter_entities("aws_security_group") if g["name"] == "default"]
    assert defaults and all(g["default"] is True for g in defaults)

    rules = [
        r for r in state.relationships() if r["_class"] == "ALLOWS" and r["_fromEntityKey"] == group["_key"]
    ]
    # Ingress: three peers on 22, one each on 443, 8443 and 5432; egress: all traffic to anywhere.
    assert len({r["_key"] for r in rules}) == len(rules) == 7
    internet_ssh = [r for r in rules if r["_toEntityKey"] == "global:internet" and exposes_ssh(r)]
    assert sorted(r["ipRange"] for r in internet_ssh) == ["0.0.0.0/0", "::/0"]
    assert all(
        r["_type"] == "aws_security_group_allows_internet" and r["ipProtocol"] == "tcp" for r in internet_ssh
    )
    office = next(r for r in rules if r["_toEntityKey"] == "ip_range:52.94.76.10/32")
    assert (
        office["_type"] == "aws_security_group_allows_ip_address_range" and office["description"] == "office"
    )
    peer = next(r for r in rules if r["_toEntityKey"] == group_arn(app))
    assert peer["_type"] == "aws_security_group_allows_group"
    assert (peer["ingress"], peer["egress"], peer["fromPort"], peer["toPort"]) == (True, False, 443, 443)
    (egress,) = [r for r in rules if r["egress"]]
    assert (egress["ipProtocol"], egress["fromPort"], egress["toPort"]) == ("*", 0, 65535)

    office_range = state.find_entity("ip_range:52.94.76.10/32")
    assert office_range["_class"] == ["Network"] and office_range["CIDR"] == "52.94.76.10/32"
    assert office_range["ipAddress"] == "52.94.76.10" and office_range["internal"] is False
    assert state.find_entity("ip_range:10.0.0.0/8")["internal"] is True
    internet = state.find_entity("global:internet")
    assert internet["_type"] == "internet" and internet["_class"] == ["Internet", "Network"]
    assert internet["CIDR"] == "0.0.0.0/0" and internet["public"] is True
    # Neither is graph-aws's own: JupiterOne's mapper would make them.
    assert internet["_source"] == office_range["_source"] == "system-mapper"
    assert group["category"] == ["network"]
    has = [r for r in state.relationships() if r["_type"] == "aws_vpc_has_security_group"]
    assert any(r["_toEntityKey"] == group["_key"] for r in has)


def test_rules_are_converted_without_calls():
    where = Where(ACCOUNT, "aws", "us-east-1")
    raw = {
        "GroupId": "sg-0123456789",
        "IpPermissions": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},  # all traffic: opens SSH too
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "UserIdGroupPairs": [{"GroupId": "sg-peer", "UserId": "210987654321"}],
            },
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "PrefixListIds": [{"PrefixListId": "pl-1"}]},
        ],
    }
    everything, peer = rule_relationships(raw, where)
    assert (everything["ipProtocol"], everything["fromPort"], everything["toPort"]) == ("*", 0, 65535)
    assert exposes_ssh(everything)
    # A group of another account is keyed in that account.
    assert (
        peer["_toEntityKey"] == group_arn("sg-peer", "210987654321")
        and peer["peerAccountId"] == "210987654321"
    )
    assert to_ip_range("2001:db8::/32")["CIDRv6"] == "2001:db8::/32"


def test_a_range_without_its_address_names_no_peer_and_costs_no_other_rule():
    where = Where(ACCOUNT, "aws", "us-east-1")
    raw = {
        "GroupId": "sg-0123456789",
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"Description": "no CidrIp"}]},
            {"FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{}, {"CidrIpv6": "::/0"}]},  # no IpProtocol
        ],
    }
    (https,) = rule_relationships(raw, where)
    assert https["ipRange"] == "::/0" and https["fromPort"] == 443 and "ipProtocol" not in https
