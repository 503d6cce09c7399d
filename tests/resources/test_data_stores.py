"""DynamoDB tables, EFS file systems and mount targets, CloudFormation stacks and RDS snapshots, on
the demo's seeds in moto."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.demo.seeds import cloudformation, dynamodb, efs, rds
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


def by_name(result, type_):
    return {e["name"]: e for e in result.job_state.iter_entities(type_)}


def test_dynamodb_tables_with_encryption_and_recovery(run_steps, client):
    dynamodb.seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])
    result = run_steps("fetch-dynamodb-tables")
    assert status(result, "fetch-dynamodb-tables").status is StepStatus.SUCCESS
    tables = [t for t in result.job_state.iter_entities("aws_dynamodb_table") if t["region"] == "us-east-1"]
    orders, sessions = sorted(tables, key=lambda t: t["name"])
    assert (
        orders["_key"] == orders["arn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/graph-aws-demo-orders"
    )
    assert orders["_class"] == ["DataStore", "Database"] and orders["accountId"] == ACCOUNT
    assert orders["encrypted"] is True and orders["encryptionAlgorithm"] == "KMS"
    assert orders["pointInTimeRecoveryEnabled"] is True and orders["billingMode"] == "PAY_PER_REQUEST"
    assert sessions["encrypted"] is False and "encryptionAlgorithm" not in sessions
    assert sessions["pointInTimeRecoveryEnabled"] is False
    assert ends(result, "aws_dynamodb_table_uses_kms_key") == {
        (t["_key"], t["kmsKeyId"])
        for t in result.job_state.iter_entities("aws_dynamodb_table")
        if t["encrypted"]
    }
    assert len(ends(result, "aws_dynamodb_has_table")) == 4


def test_efs_file_systems_and_mount_targets(run_steps, client):
    efs.seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps("fetch-efs-file-systems", regions=("us-east-1",))
    assert status(result, "fetch-efs-file-systems").status is StepStatus.SUCCESS
    systems = by_name(result, "aws_efs_file_system")
    shared, scratch = systems["graph-aws-demo-shared"], systems["graph-aws-demo-scratch"]
    assert shared["_key"] == shared["arn"] and shared["arn"].startswith(
        f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/fs-"
    )
    assert shared["_class"] == ["DataStore"] and shared["encrypted"] is True and scratch["encrypted"] is False
    assert shared["tag.Name"] == "graph-aws-demo-shared" and shared["numberOfMountTargets"] == 1
    (target,) = result.job_state.iter_entities("aws_efs_mount_target")
    assert target["_class"] == ["NetworkEndpoint"] and target["fileSystemId"] == shared["fileSystemId"]
    assert (
        target["_key"]
        == f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:mount-target/{target['mountTargetId']}"
    )
    assert ends(result, "aws_efs_file_system_has_mount_target") == {(shared["_key"], target["_key"])}
    assert ends(result, "aws_subnet_has_efs_mount_target") == {
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/{target['subnetId']}", target["_key"])
    }
    assert ends(result, "aws_efs_mount_target_uses_eni") == {
        (target["_key"], f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/{target['networkInterfaceId']}")
    }
    assert ends(result, "aws_efs_file_system_uses_kms_key") == {(shared["_key"], shared["kmsKeyId"])}


def test_cloudformation_stacks_with_drift_and_notifications(run_steps, client):
    cloudformation.seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps("fetch-cloudformation-stacks", regions=("us-east-1",))
    stacks = by_name(result, "aws_cloudformation_stack")
    network, app = stacks["graph-aws-demo-network"], stacks["graph-aws-demo-app"]
    assert network["_key"] == network["stackId"] and network["_key"].startswith(
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/graph-aws-demo-network/"
    )
    assert network["_class"] == ["Configuration"] and network["stackStatus"] == "CREATE_COMPLETE"
    assert network["notificationArns"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:graph-aws-demo-stack-events"]
    assert network["tag.owner"] == "platform" and network["driftStatus"] == "NOT_CHECKED"
    assert network["drifted"] is False and "notificationArns" not in app


def test_rds_snapshots_public_shared_and_encrypted(run_steps, client):
    rds.seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps("fetch-rds-db-snapshots", "fetch-rds-cluster-snapshots", regions=("us-east-1",))
    for step_id in ("fetch-rds-db-snapshots", "fetch-rds-cluster-snapshots"):
        assert status(result, step_id).status is StepStatus.SUCCESS
    snapshots = by_name(result, "aws_db_snapshot")
    export = snapshots["graph-aws-demo-legacy-export"]
    assert (
        export["_key"]
        == export["arn"]
        == f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:graph-aws-demo-legacy-export"
    )
    assert export["_class"] == ["DataStore", "Database", "Image"] and export["snapshotType"] == "manual"
    assert export["public"] is True and export["encrypted"] is False and export["shared"] is True
    automated = [s for s in snapshots.values() if s["snapshotType"] == "automated"]
    assert automated and all("public" not in s for s in automated)  # automated ones cannot be shared
    instance = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:graph-aws-demo-legacy"
    assert (instance, export["_key"]) in ends(result, "aws_db_instance_contains_snapshot")
    cluster_snapshot = by_name(result, "aws_db_cluster_snapshot")["graph-aws-demo-before-upgrade"]
    assert cluster_snapshot["encrypted"] is True and cluster_snapshot["public"] is False
    assert "sharedWithAccounts" not in cluster_snapshot
    assert (f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:graph-aws-demo", cluster_snapshot["_key"]) in ends(
        result, "aws_rds_cluster_contains_db_cluster_snapshot"
    )
    assert ends(result, "aws_db_cluster_snapshot_uses_kms_key")


@pytest.fixture
def deny_tables_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.dynamodb.ListTables", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, client, deny_tables_in_eu):
    dynamodb.seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])
    result = run_steps("fetch-dynamodb-tables")
    assert status(result, "fetch-dynamodb-tables").error == (
        "fetch-dynamodb-tables: eu-west-1: access denied (AccessDeniedException); the role needs "
        "dynamodb:ListTables, dynamodb:DescribeTable, dynamodb:DescribeContinuousBackups"
    )
    assert {t["region"] for t in result.job_state.iter_entities("aws_dynamodb_table")} == {"us-east-1"}
    assert "aws_dynamodb_table" in result.partial_types


DENIALS = [
    ("fetch-efs-file-systems", "efs.DescribeFileSystems", "aws_efs_file_system", efs),
    (
        "fetch-cloudformation-stacks",
        "cloudformation.DescribeStacks",
        "aws_cloudformation_stack",
        cloudformation,
    ),
    ("fetch-rds-db-snapshots", "rds.DescribeDBSnapshots", "aws_db_snapshot", rds),
    ("fetch-rds-cluster-snapshots", "rds.DescribeDBClusterSnapshots", "aws_db_cluster_snapshot", rds),
]


@pytest.mark.parametrize(("step_id", "event", "type_", "seeds"), DENIALS, ids=[d[0] for d in DENIALS])
def test_each_denied_region_costs_that_region_only(run_steps, client, step_id, event, type_, seeds):
    seeds.seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])

    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "SCP"}}, model.name)

    entry = (f"before-call.{event}", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps(step_id)
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert status(result, step_id).error.startswith(f"{step_id}: eu-west-1: access denied (AccessDenied)")
    assert {e["region"] for e in result.job_state.iter_entities(type_)} == {"us-east-1"}
    assert type_ in result.partial_types


def test_a_table_described_without_its_table_or_backups_costs_only_what_is_missing(
    run_steps, client, answered
):
    dynamodb_client = client("dynamodb", "us-east-1")
    for name in ("kept", "undescribed"):
        dynamodb_client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    def no_table(parsed):
        if parsed["Table"]["TableName"] == "undescribed":
            del parsed["Table"]

    answered("dynamodb", "DescribeTable", no_table)
    answered(
        "dynamodb",
        "DescribeContinuousBackups",
        lambda parsed: parsed.pop("ContinuousBackupsDescription", None),
    )
    result = run_steps("fetch-dynamodb-tables", regions=("us-east-1",))
    step = status(result, "fetch-dynamodb-tables")
    assert step.status is StepStatus.SUCCESS
    (table,) = result.job_state.iter_entities("aws_dynamodb_table")
    assert table["name"] == "kept" and "pointInTimeRecoveryEnabled" not in table  # unknown, not false
    assert sorted(step.warnings) == [
        f"us-east-1: {table['_key']}: DescribeContinuousBackups gave no description",
        "us-east-1: aws_dynamodb_table left out: AWS sent no TableArn",
    ]
