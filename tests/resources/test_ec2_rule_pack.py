"""JupiterOne's aws-config rule-pack queries on EC2 types, run on the demo seed through the store and
the J1QL engine: the names they read are the names collected."""

from __future__ import annotations

from graph_aws.aws.resources.ec2 import STEPS
from graph_aws.demo.seeds.ec2 import seed
from graph_aws.query.run import run_query
from graph_aws.store import SqliteStore

ACCOUNT = "123456789012"

# rule id -> (query, the names of what it finds in the seeded account)
RULES = {
    "ec2-restricted-ssh": (
        "FIND aws_security_group AS sg THAT ALLOWS AS rule * AS src WHERE rule.ingress = true AND "
        "rule.ipProtocol = 'tcp' AND rule.fromPort <= 22 AND rule.toPort >= 22 "
        "RETURN sg.displayName, src.CIDR",
        [("web", "0.0.0.0/0")],
    ),
    "restricted-common-ports": (
        "FIND aws_security_group WITH ingressRules ~= '/0\"' AS fw THAT ALLOWS AS rule (Host|Network) "
        "WITH internal != true AS src WHERE rule.ingress = true AND rule.fromPort <= 22 "
        "AND rule.toPort >= 22 RETURN fw.displayName, src.displayName",
        [("web", "Internet")],
    ),
    "ec2-volume-inuse-check": (
        "FIND aws_ebs_volume THAT !USES aws_instance RETURN aws_ebs_volume.encrypted",
        [(False,)],
    ),
    "ec2-encrypted-volumes": (
        "FIND aws_instance AS i THAT USES aws_ebs_volume WITH encrypted != true AS v RETURN i.name",
        [("web-2",)],  # launched from the account's image, whose root volume is not encrypted
    ),
    "no-unrestricted-route-to-igw": (
        "FIND aws_internet_gateway THAT CONNECTS Internet RETURN aws_internet_gateway.public",
        [(True,)],
    ),
    "vpc-network-acl-unused-check": (
        "FIND aws_network_acl THAT !(PROTECTS|ALLOWS) aws_subnet RETURN aws_network_acl.default",
        [(False,)],
    ),
    "ec2-security-group-attached-to-eni": (
        "FIND aws_security_group WITH default = false AS sg THAT !PROTECTS (aws_instance | aws_eni) "
        "RETURN sg.name",
        [("app",)],
    ),
    "ec2-imdsv2-optional": (
        "FIND aws_instance WITH httpTokens = 'optional' AND httpEndpointEnabled = true AS i RETURN i.name",
        [("web-1",), ("web-2",)],
    ),
    "ebs-optimized-instance": (
        "FIND aws_instance WITH ebsOptimized != true AND ebsOptimizationSupported = true AS i RETURN i.name",
        [("web-1",), ("web-2",)],
    ),
    "ec2-instances-in-vpc": (
        "FIND aws_instance WITH vpcId = undefined AND active = true RETURN aws_instance.name",
        [],
    ),
}


def test_the_rule_pack_queries_read_what_is_collected(run_steps, client, tmp_path):
    seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps(*(s.id for s in STEPS), regions=("us-east-1",))
    assert not result.failed_steps
    store = SqliteStore(tmp_path / "graph.db")
    try:
        store.sync_scope(f"account:{ACCOUNT}", result.job_state.entities(), result.job_state.relationships())
        for rule, (query, expected) in RULES.items():
            assert sorted(run_query(store, query).rows) == expected, rule
    finally:
        store.close()
