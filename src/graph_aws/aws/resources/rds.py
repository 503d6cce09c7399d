"""RDS: clusters and DB instances, the keys that encrypt them and the security groups that protect
them; DB and cluster snapshots, encrypted or not, public or shared (the rules
rds-snapshots-public-prohibited and rds-snapshot-encrypted).

Who may restore a snapshot is its `restore` attribute: `all` makes it public, account ids share it.
Only manual snapshots can be shared, so only theirs are asked for (one call per manual snapshot).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

RDS = ServiceSpec("rds", "RDS", EntityType("RDS", "aws_rds", ("Service",)), function=("database",))
RDS_CLUSTER = EntityType("RDS Cluster", "aws_rds_cluster", ("DataStore", "Database", "Cluster"))
DB_INSTANCE = EntityType("RDS DB Instance", "aws_db_instance", ("DataStore", "Database", "Host"))
DB_SNAPSHOT = EntityType("RDS DB Snapshot", "aws_db_snapshot", ("DataStore", "Database", "Image"))
CLUSTER_SNAPSHOT = EntityType(
    "RDS Cluster Snapshot", "aws_db_cluster_snapshot", ("DataStore", "Database", "Image")
)


def common_properties(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """What clusters and instances share, under the names JupiterOne's RDS rules read."""
    retention = raw.get("BackupRetentionPeriod")
    exports = raw.get("EnabledCloudwatchLogsExports") or []
    return {
        "engine": raw.get("Engine"),
        "engineVersion": raw.get("EngineVersion"),
        "encrypted": raw.get("StorageEncrypted"),
        "kmsKeyId": raw.get("KmsKeyId"),
        "public": raw.get("PubliclyAccessible"),
        "BackupRetentionPeriod": retention,  # the name the issue asks for; JupiterOne's is below
        "backupRetentionPeriod": retention,
        "hasBackup": None if retention is None else retention > 0,
        "multiAZ": raw.get("MultiAZ"),
        "deletionProtection": raw.get("DeletionProtection"),
        "autoMinorVersionUpgrade": raw.get("AutoMinorVersionUpgrade"),
        "iamDatabaseAuthenticationEnabled": raw.get("IAMDatabaseAuthenticationEnabled"),
        "loggingEnabled": bool(exports),
        "enabledCloudwatchLogsExports": exports or None,
        "databaseName": raw.get("DatabaseName") or raw.get("DBName"),
        "storageType": raw.get("StorageType"),
        "allocatedStorage": raw.get("AllocatedStorage"),
        "accountId": where.account_id,
        "region": where.region,
    }


def to_rds_cluster(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["DBClusterArn"],
        type=RDS_CLUSTER.type,
        classes=RDS_CLUSTER.classes,
        name=raw["DBClusterIdentifier"],
        properties={
            "arn": raw["DBClusterArn"],
            "dbClusterIdentifier": raw["DBClusterIdentifier"],
            "dbClusterResourceId": raw.get("DbClusterResourceId"),
            **common_properties(raw, where),
            "engineMode": raw.get("EngineMode"),
            "status": raw.get("Status"),
            "hostname": raw.get("Endpoint"),
            "readerEndpoint": raw.get("ReaderEndpoint"),
            "port": raw.get("Port"),
            "availabilityZones": raw.get("AvailabilityZones") or None,
            "createdOn": epoch_millis(raw.get("ClusterCreateTime")),
        },
        tags=raw.get("TagList"),
    )


_DNS_LABEL = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]")


def host_label(address: str | None) -> str | None:
    """The first label of a DNS name (`mydb` of `mydb.abc.us-east-1.rds.amazonaws.com`)."""
    label = (address or "").split(".")[0]
    return label if _DNS_LABEL.fullmatch(label) else None


def to_db_instance(raw: Mapping[str, Any], where: Where) -> Entity:
    endpoint = raw.get("Endpoint") or {}
    return make_entity(
        key=raw["DBInstanceArn"],
        type=DB_INSTANCE.type,
        classes=DB_INSTANCE.classes,
        name=raw["DBInstanceIdentifier"],
        properties={
            "arn": raw["DBInstanceArn"],
            "dbInstanceIdentifier": raw["DBInstanceIdentifier"],
            "dbiResourceId": raw.get("DbiResourceId"),
            **common_properties(raw, where),
            "dbInstanceClass": raw.get("DBInstanceClass"),
            "instanceClass": raw.get("DBInstanceClass"),
            # Host's `status` is an asset state (deployed, lost/stolen...), not RDS's, and its
            # `hostname` one DNS label: the endpoint is the instance's fqdn.
            "dbInstanceStatus": raw.get("DBInstanceStatus"),
            "endpoint": endpoint.get("Address"),
            "fqdn": [endpoint["Address"]] if endpoint.get("Address") else None,
            "hostname": host_label(endpoint.get("Address")),
            "port": endpoint.get("Port"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "licenseModel": raw.get("LicenseModel"),
            "dbClusterIdentifier": raw.get("DBClusterIdentifier"),
            "createdOn": epoch_millis(raw.get("InstanceCreateTime")),
        },
        tags=raw.get("TagList"),
    )


def link_keys_and_security_groups(
    context: StepContext, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    key = raw.get("KmsKeyId")
    if key and key.startswith("arn:"):  # the ARN of the encrypting key, when encrypted
        with one_item(context, f"{entity['_key']} USES KMS key"):
            context.job_state.add_relationship(
                make_relationship(from_entity=entity, verb="USES", to_type=KMS_KEY.type, to_key=key)
            )
    for group in raw.get("VpcSecurityGroups") or []:
        if not group.get("VpcSecurityGroupId"):
            continue  # a membership that names no group
        with one_item(context, f"{entity['_key']}: a security group"):
            context.job_state.add_relationship(
                make_relationship(
                    from_type=SECURITY_GROUP.type,
                    from_key=arn_of(where, "security-group", group["VpcSecurityGroupId"]),
                    verb="PROTECTS",
                    to_entity=entity,
                )
            )


def enrich_cluster(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    link_keys_and_security_groups(context, where, raw, entity)


def enrich_instance(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    link_keys_and_security_groups(context, where, raw, entity)
    if raw.get("DBClusterIdentifier"):
        with one_item(context, f"{entity['_key']}: its cluster"):
            context.job_state.add_relationship(
                make_relationship(
                    from_type=RDS_CLUSTER.type,
                    from_key=where.arn("rds", f"cluster:{raw['DBClusterIdentifier']}"),
                    verb="CONTAINS",
                    to_entity=entity,
                )
            )


RDS_CLUSTERS = ResourceSpec(
    step_id="fetch-rds-clusters",
    name="Fetch RDS clusters",
    service=RDS,
    client="rds",
    operation="describe_db_clusters",
    result_key="DBClusters",
    entity=RDS_CLUSTER,
    convert=to_rds_cluster,
    enrich=enrich_cluster,
    relationships=(
        RelationshipType(RDS_CLUSTER, "USES", KMS_KEY),
        RelationshipType(SECURITY_GROUP, "PROTECTS", RDS_CLUSTER),
    ),
    permissions=("rds:DescribeDBClusters",),
)

DB_INSTANCES = ResourceSpec(
    step_id="fetch-rds-db-instances",
    name="Fetch RDS DB instances",
    service=RDS,
    client="rds",
    operation="describe_db_instances",
    result_key="DBInstances",
    entity=DB_INSTANCE,
    convert=to_db_instance,
    enrich=enrich_instance,
    relationships=(
        RelationshipType(RDS_CLUSTER, "CONTAINS", DB_INSTANCE),
        RelationshipType(DB_INSTANCE, "USES", KMS_KEY),
        RelationshipType(SECURITY_GROUP, "PROTECTS", DB_INSTANCE),
    ),
    permissions=("rds:DescribeDBInstances",),
)


def snapshot_properties(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """What DB and cluster snapshots share."""
    key = raw.get("KmsKeyId")
    return {
        "snapshotType": raw.get("SnapshotType"),
        "status": raw.get("Status"),
        "engine": raw.get("Engine"),
        "engineVersion": raw.get("EngineVersion"),
        "encrypted": bool(raw.get("Encrypted", raw.get("StorageEncrypted"))),
        "kmsKeyId": key if key and key.startswith("arn:") else None,
        "allocatedStorage": raw.get("AllocatedStorage"),
        "classification": None,
        "createdOn": epoch_millis(raw.get("SnapshotCreateTime")),
        "accountId": where.account_id,
        "region": where.region,
    }


def to_db_snapshot(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["DBSnapshotArn"],
        type=DB_SNAPSHOT.type,
        classes=DB_SNAPSHOT.classes,
        name=raw["DBSnapshotIdentifier"],
        properties={
            "arn": raw["DBSnapshotArn"],
            "dbSnapshotIdentifier": raw["DBSnapshotIdentifier"],
            "dbInstanceIdentifier": raw.get("DBInstanceIdentifier"),
            **snapshot_properties(raw, where),
        },
        tags=raw.get("TagList"),
    )


def to_cluster_snapshot(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["DBClusterSnapshotArn"],
        type=CLUSTER_SNAPSHOT.type,
        classes=CLUSTER_SNAPSHOT.classes,
        name=raw["DBClusterSnapshotIdentifier"],
        properties={
            "arn": raw["DBClusterSnapshotArn"],
            "dbClusterSnapshotIdentifier": raw["DBClusterSnapshotIdentifier"],
            "dbClusterIdentifier": raw.get("DBClusterIdentifier"),
            **snapshot_properties(raw, where),
        },
        tags=raw.get("TagList"),
    )


def restore_sharing(attributes: list[Mapping[str, Any]]) -> dict[str, Any]:
    values = [
        v for a in attributes if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []
    ]
    accounts = [v for v in values if v != "all"]
    return {"public": "all" in values, "shared": bool(values), "sharedWithAccounts": accounts or None}


def _link_snapshot(
    context: StepContext, snapshot: Entity, raw: Mapping[str, Any], owner: tuple[str, str]
) -> None:
    owner_type, owner_key = owner
    context.job_state.add_relationship(
        make_relationship(from_type=owner_type, from_key=owner_key, verb="CONTAINS", to_entity=snapshot)
    )
    if snapshot.get("kmsKeyId"):
        context.job_state.add_relationship(
            make_relationship(
                from_entity=snapshot, verb="USES", to_type=KMS_KEY.type, to_key=snapshot["kmsKeyId"]
            )
        )


def enrich_db_snapshot(
    context: StepContext, rds: Any, where: Where, raw: Mapping[str, Any], snapshot: Entity
) -> None:
    if raw.get("DBInstanceIdentifier"):
        _link_snapshot(
            context, snapshot, raw, (DB_INSTANCE.type, where.arn("rds", f"db:{raw['DBInstanceIdentifier']}"))
        )
    if raw.get("SnapshotType") == "manual":
        answer = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=raw["DBSnapshotIdentifier"])
        attributes = (answer.get("DBSnapshotAttributesResult") or {}).get("DBSnapshotAttributes") or []
        context.job_state.enrich_entity(snapshot["_key"], restore_sharing(attributes))


def enrich_cluster_snapshot(
    context: StepContext, rds: Any, where: Where, raw: Mapping[str, Any], snapshot: Entity
) -> None:
    if raw.get("DBClusterIdentifier"):
        _link_snapshot(
            context,
            snapshot,
            raw,
            (RDS_CLUSTER.type, where.arn("rds", f"cluster:{raw['DBClusterIdentifier']}")),
        )
    if raw.get("SnapshotType") == "manual":
        answer = rds.describe_db_cluster_snapshot_attributes(
            DBClusterSnapshotIdentifier=raw["DBClusterSnapshotIdentifier"]
        )
        result = answer.get("DBClusterSnapshotAttributesResult") or {}
        attributes = result.get("DBClusterSnapshotAttributes") or []
        context.job_state.enrich_entity(snapshot["_key"], restore_sharing(attributes))


DB_SNAPSHOTS = ResourceSpec(
    step_id="fetch-rds-db-snapshots",
    name="Fetch RDS DB snapshots and who may restore them",
    service=RDS,
    client="rds",
    operation="describe_db_snapshots",
    result_key="DBSnapshots",
    entity=DB_SNAPSHOT,
    convert=to_db_snapshot,
    enrich=enrich_db_snapshot,
    relationships=(
        RelationshipType(DB_INSTANCE, "CONTAINS", DB_SNAPSHOT),
        RelationshipType(DB_SNAPSHOT, "USES", KMS_KEY),
    ),
    permissions=("rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes"),
)

CLUSTER_SNAPSHOTS = ResourceSpec(
    step_id="fetch-rds-cluster-snapshots",
    name="Fetch RDS cluster snapshots and who may restore them",
    service=RDS,
    client="rds",
    operation="describe_db_cluster_snapshots",
    result_key="DBClusterSnapshots",
    entity=CLUSTER_SNAPSHOT,
    convert=to_cluster_snapshot,
    enrich=enrich_cluster_snapshot,
    relationships=(
        RelationshipType(RDS_CLUSTER, "CONTAINS", CLUSTER_SNAPSHOT),
        RelationshipType(CLUSTER_SNAPSHOT, "USES", KMS_KEY),
    ),
    permissions=("rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes"),
)

STEPS = (
    RDS.step(),
    *(resource_step(s) for s in (RDS_CLUSTERS, DB_INSTANCES, DB_SNAPSHOTS, CLUSTER_SNAPSHOTS)),
)
