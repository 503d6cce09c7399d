"""DynamoDB: tables, with encryption and point-in-time recovery (the rules dynamodb-pitr-enabled,
dynamodb-tables-kms-encrypted, dynamodb-table-encryption-enabled), and the KMS key they use.

ListTables names the tables; DescribeTable and DescribeContinuousBackups describe each. As AWS
Config's dynamodb-table-encryption-enabled reads it, a table is `encrypted` when its server-side
encryption status is ENABLED; one on the default AWS-owned key has no SSEDescription, and is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

DYNAMODB = ServiceSpec(
    "dynamodb", "DynamoDB", EntityType("DynamoDB", "aws_dynamodb", ("Service",)), function=("database",)
)
TABLE = EntityType("DynamoDB Table", "aws_dynamodb_table", ("DataStore", "Database"))
TABLE_USES_KMS_KEY = RelationshipType(TABLE, "USES", KMS_KEY)


def describe_table(dynamodb: Any, name: str) -> Mapping[str, Any]:
    """The table as DescribeTable gives it; only its name when the answer has no Table, which
    `to_table` leaves out with a warning (its key is the ARN that only DescribeTable gives)."""
    return dict(dynamodb.describe_table(TableName=name).get("Table") or {"TableName": name})


def to_table(raw: Mapping[str, Any], where: Where) -> Entity:
    sse = raw.get("SSEDescription") or {}
    billing = (raw.get("BillingModeSummary") or {}).get("BillingMode")
    return make_entity(
        key=raw["TableArn"],
        type=TABLE.type,
        classes=TABLE.classes,
        name=raw["TableName"],
        properties={
            "arn": raw["TableArn"],
            "tableName": raw["TableName"],
            "tableId": raw.get("TableId"),
            "status": raw.get("TableStatus"),
            "encrypted": sse.get("Status") in ("ENABLED", "UPDATING"),
            "encryptionAlgorithm": sse.get("SSEType"),  # KMS or AES256; none on the AWS-owned key
            "kmsKeyId": sse.get("KMSMasterKeyArn"),
            "classification": None,
            "billingMode": billing or "PROVISIONED",
            "itemCount": raw.get("ItemCount"),
            "sizeBytes": raw.get("TableSizeBytes"),
            "tableClass": (raw.get("TableClassSummary") or {}).get("TableClass"),
            "deletionProtection": raw.get("DeletionProtectionEnabled"),
            "streamEnabled": (raw.get("StreamSpecification") or {}).get("StreamEnabled"),
            "createdOn": epoch_millis(raw.get("CreationDateTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_table(
    context: StepContext, dynamodb: Any, where: Where, raw: Mapping[str, Any], table: Entity
) -> None:
    answer = dynamodb.describe_continuous_backups(TableName=raw["TableName"])
    backups = answer.get("ContinuousBackupsDescription")
    if backups is None:  # nothing known of its backups: say nothing rather than "disabled"
        context.warn(f"{where.region}: {table['_key']}: DescribeContinuousBackups gave no description")
    else:
        recovery = backups.get("PointInTimeRecoveryDescription") or {}
        context.job_state.enrich_entity(
            table["_key"],
            {
                "continuousBackupEnabled": backups.get("ContinuousBackupsStatus") == "ENABLED",
                "pointInTimeRecoveryEnabled": recovery.get("PointInTimeRecoveryStatus") == "ENABLED",
                "hasBackup": recovery.get("PointInTimeRecoveryStatus") == "ENABLED",
            },
        )
    key = (raw.get("SSEDescription") or {}).get("KMSMasterKeyArn")
    if key:
        context.job_state.add_relationship(
            make_relationship(from_entity=table, verb="USES", to_type=KMS_KEY.type, to_key=key)
        )


TABLES = ResourceSpec(
    step_id="fetch-dynamodb-tables",
    name="Fetch DynamoDB tables, their encryption and point-in-time recovery",
    service=DYNAMODB,
    client="dynamodb",
    operation="list_tables",
    result_key="TableNames",
    detail=describe_table,
    entity=TABLE,
    convert=to_table,
    enrich=enrich_table,
    relationships=(TABLE_USES_KMS_KEY,),
    permissions=("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups"),
)

STEPS = (DYNAMODB.step(), resource_step(TABLES))
