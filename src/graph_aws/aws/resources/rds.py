"""RDS: clusters and DB instances, the keys that encrypt them and the security groups that protect them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

RDS = ServiceSpec("rds", "RDS", EntityType("RDS", "aws_rds", ("Service",)), function=("database",))
RDS_CLUSTER = EntityType("RDS Cluster", "aws_rds_cluster", ("DataStore", "Database", "Cluster"))
DB_INSTANCE = EntityType("RDS DB Instance", "aws_db_instance", ("DataStore", "Database", "Host"))


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
        context.job_state.add_relationship(
            make_relationship(from_entity=entity, verb="USES", to_type=KMS_KEY.type, to_key=key)
        )
    for group in raw.get("VpcSecurityGroups") or []:
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

STEPS = (RDS.step(), resource_step(RDS_CLUSTERS), resource_step(DB_INSTANCES))
