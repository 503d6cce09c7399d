"""RDS: clusters and instances with the rule-pack properties, keys, security groups and membership."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from hand_answers import run_on_answers, step_result

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def databases(client):
    rds = client("rds", "us-east-1")
    key = client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    group = client("ec2", "us-east-1").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    rds.create_db_cluster(
        DBClusterIdentifier="orders",
        Engine="aurora-mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        StorageEncrypted=True,
        KmsKeyId=key,
        VpcSecurityGroupIds=[group["GroupId"]],
        DeletionProtection=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="orders-1",
        DBClusterIdentifier="orders",
        Engine="aurora-mysql",
        DBInstanceClass="db.r6g.large",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        PubliclyAccessible=True,
        BackupRetentionPeriod=0,
        MultiAZ=True,
        EnableCloudwatchLogsExports=["error"],
        Tags=[{"Key": "owner", "Value": "data"}],
    )
    client("rds", "eu-west-1").create_db_instance(
        DBInstanceIdentifier="eu-db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
    )
    return key, f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group['GroupId']}"


def test_clusters_and_instances(run_steps, databases):
    key, group = databases
    result = run_steps("fetch-rds-clusters", "fetch-rds-db-instances")
    for step_id in ("fetch-rds-clusters", "fetch-rds-db-instances"):
        assert status(result, step_id).status is StepStatus.SUCCESS
    (cluster,) = result.job_state.iter_entities("aws_rds_cluster")
    instances = {i["name"]: i for i in result.job_state.iter_entities("aws_db_instance")}
    assert set(instances) == {"orders-1", "legacy", "eu-db"}
    assert cluster["_key"] == cluster["arn"] == f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:orders"
    assert cluster["_class"] == ["DataStore", "Database", "Cluster"]
    assert (
        cluster["encrypted"] is True and cluster["kmsKeyId"] == key and cluster["deletionProtection"] is True
    )
    assert cluster["engine"] == "aurora-mysql" and cluster["backupRetentionPeriod"] == 1
    member, legacy = instances["orders-1"], instances["legacy"]
    assert member["_key"] == f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-1"
    assert member["_class"] == ["DataStore", "Database", "Host"] and member["region"] == "us-east-1"
    assert member["encrypted"] is True and member["dbClusterIdentifier"] == "orders"
    assert legacy["encrypted"] is False and legacy["public"] is True and legacy["multiAZ"] is True
    assert (
        legacy["BackupRetentionPeriod"] == legacy["backupRetentionPeriod"] == 0
        and legacy["hasBackup"] is False
    )
    assert legacy["loggingEnabled"] is True and legacy["enabledCloudwatchLogsExports"] == ["error"]
    assert legacy["deletionProtection"] is False and legacy["autoMinorVersionUpgrade"] is True
    assert legacy["iamDatabaseAuthenticationEnabled"] is False and legacy["instanceClass"] == "db.t3.micro"
    assert (
        legacy["dbInstanceClass"] == "db.t3.micro"
        and legacy["engineVersion"]
        and legacy["tag.owner"] == "data"
    )
    assert instances["eu-db"]["region"] == "eu-west-1" and instances["eu-db"]["accountId"] == ACCOUNT
    assert ends(result, "aws_rds_cluster_contains_db_instance") == {(cluster["_key"], member["_key"])}
    assert ends(result, "aws_rds_cluster_uses_kms_key") == {(cluster["_key"], key)}
    assert ends(result, "aws_db_instance_uses_kms_key") == {(member["_key"], key)}
    assert ends(result, "aws_security_group_protects_rds_cluster") == {(group, cluster["_key"])}
    assert (group, member["_key"]) in ends(result, "aws_security_group_protects_db_instance")
    assert len(ends(result, "aws_rds_has_db_instance")) == 3 and len(ends(result, "aws_rds_has_cluster")) == 1


@pytest.fixture
def deny_rds_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "SCP"}}, model.name)

    entry = ("before-call.rds.DescribeDBInstances", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_keeps_the_others(run_steps, databases, deny_rds_in_eu):
    result = run_steps("fetch-rds-clusters", "fetch-rds-db-instances")
    assert status(result, "fetch-rds-clusters").status is StepStatus.SUCCESS
    step = status(result, "fetch-rds-db-instances")
    assert step.error == (
        "fetch-rds-db-instances: eu-west-1: access denied (AccessDenied); "
        "the role needs rds:DescribeDBInstances"
    )
    assert {i["region"] for i in result.job_state.iter_entities("aws_db_instance")} == {"us-east-1"}
    assert "aws_db_instance" in result.partial_types and "aws_rds_cluster" not in result.partial_types


def test_a_security_group_membership_without_an_id_is_skipped_and_the_instance_kept():
    instance = {
        "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders",
        "DBInstanceIdentifier": "orders",
        "VpcSecurityGroups": [{"Status": "active"}, {"VpcSecurityGroupId": "sg-0123456789abcdef0"}],
    }
    result = run_on_answers(
        "fetch-rds-db-instances", answers={"DescribeDBInstances": {"DBInstances": [instance]}}
    )
    step = step_result(result, "fetch-rds-db-instances")
    assert step.status is StepStatus.SUCCESS, step.error
    protecting = {r["_fromEntityKey"] for r in result.job_state.relationships() if r["_class"] == "PROTECTS"}
    assert protecting == {f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0123456789abcdef0"}
