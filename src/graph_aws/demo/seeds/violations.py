"""Violators of the rule packs' checks (and of `graph-aws check --pack`), beside the compliant
resources the other seeds make, so that each check has something to find and something to pass.
Runs after the other seeds (name order): it reads the VPCs and instances they made.

Per account, in the first region unless said otherwise:
- ACM: a certificate that expires in 10 days, and one that expires in 12 hours (ACM imports no
  expired certificate); the year-long one of the ACM seed is the compliant twin.
- S3: `graph-aws-open-<account>`, whose ACL gives everyone read, write and read-ACL, AWS's
  authenticated users full control, and whose policy lets anyone read it.
- EC2: a security group `admin-open` with RDP from 0.0.0.0/0 and SSH from ::/0; an unencrypted
  volume `unencrypted-data` attached to the first region's `web-1` instance; the last region's
  `web-1` requires IMDSv2 (the first region's keeps it optional).
- Lambda: `graph-aws-legacy`, outside any VPC, on Node.js 6.10 (first region) and 8.10 (last).
- RDS: `graph-aws-legacy-db`, a PostgreSQL instance, unencrypted, publicly accessible behind
  `admin-open`, without backups, deletion protection or minor-version upgrades.
- IAM: the read-only auditor gets a console password and no MFA.
- AWS Config: a second rule, not evaluated (INSUFFICIENT_DATA), beside the non-compliant one.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.acm import demo_certificate
from graph_aws.demo.seeds.awslambda import handler_zip
from graph_aws.demo.seeds.iam.privilege_escalation import READ_ONLY
from graph_aws.demo.seeds.s3 import create_bucket

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OPEN_GROUP = "admin-open"
LEGACY_FUNCTION = "graph-aws-legacy"
LEGACY_DB = "graph-aws-legacy-db"
DEMO_INSTANCE = "web-1"  # the EC2 seed's instance, one per region
ATTACHED_VOLUME = "unencrypted-data"
UNEVALUATED_RULE = "s3-bucket-public-read-prohibited"


def open_bucket_name(account_id: str) -> str:
    return f"graph-aws-open-{account_id}"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    first, last = regions[0], regions[-1]
    _certificates(client("acm", first))
    _open_bucket(client("s3", first), account_id, first)
    group = _admin_open_group(client("ec2", first))
    _volumes_and_metadata(client, first, last)
    _legacy_functions(client, account_id, regions)
    _legacy_database(client("rds", first), group)
    client("iam", first).create_login_profile(UserName=READ_ONLY, Password="Not-a-secret-1!")
    client("config", first).put_config_rule(
        ConfigRule={
            "ConfigRuleName": UNEVALUATED_RULE,
            "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_PUBLIC_READ_PROHIBITED"},
        }
    )


def _certificates(acm: Any) -> None:
    for days in (10, 0.5):  # ACM refuses an expired certificate: one expires within the day
        certificate, private_key = demo_certificate(days)
        acm.import_certificate(Certificate=certificate, PrivateKey=private_key)


def _open_bucket(s3: Any, account_id: str, region: str) -> None:
    name = open_bucket_name(account_id)
    create_bucket(s3, name, region)
    owner = s3.get_bucket_acl(Bucket=name)["Owner"]
    grants = [
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": permission}
        for permission in ("READ", "WRITE", "READ_ACP")
    ]
    grants.append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "FULL_CONTROL"})
    s3.put_bucket_acl(Bucket=name, AccessControlPolicy={"Grants": grants, "Owner": owner})
    anyone_reads = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    policy = {"Version": "2012-10-17", "Statement": [anyone_reads]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def _admin_open_group(ec2: Any) -> str:
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["demo"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName=OPEN_GROUP, Description="remote administration", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ],
    )
    return str(group["GroupId"])


def _volumes_and_metadata(client: ClientFactory, first: str, last: str) -> None:
    ec2 = client("ec2", first)
    instance = _demo_instance(ec2)
    volume = ec2.create_volume(
        AvailabilityZone=instance["Placement"]["AvailabilityZone"],
        Size=1,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": ATTACHED_VOLUME}]}],
    )
    ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=instance["InstanceId"], Device="/dev/sdf")
    if last != first:
        ec2 = client("ec2", last)
        ec2.modify_instance_metadata_options(
            InstanceId=_demo_instance(ec2)["InstanceId"], HttpTokens="required", HttpEndpoint="enabled"
        )


def _demo_instance(ec2: Any) -> dict[str, Any]:
    found = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [DEMO_INSTANCE]}])["Reservations"]
    return dict(found[0]["Instances"][0])


def _legacy_functions(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    role = f"arn:aws:iam::{account_id}:role/graph-aws-demo-function"  # the Lambda seed's role
    # Node.js 6.10 in the first region, 8.10 in the last (one region: 6.10 only).
    runtimes = {regions[-1]: "nodejs8.10", regions[0]: "nodejs6.10"}
    for region, runtime in runtimes.items():
        client("lambda", region).create_function(
            FunctionName=LEGACY_FUNCTION,
            Runtime=runtime,
            Role=role,
            Handler="handler.handle",
            Code={"ZipFile": handler_zip()},
        )


def _legacy_database(rds: Any, group: str) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=LEGACY_DB,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="legacy",
        MasterUserPassword="not-a-secret-2",
        StorageEncrypted=False,
        PubliclyAccessible=True,
        AutoMinorVersionUpgrade=False,
        BackupRetentionPeriod=0,
        DeletionProtection=False,
        VpcSecurityGroupIds=[group],
    )
