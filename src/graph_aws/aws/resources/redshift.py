"""Redshift: clusters, and the parameter groups they use, with each group's parameters.

JupiterOne's rule redshift-require-tls-ssl reads `FIND aws_redshift_cluster THAT USES
aws_redshift_cluster_parameter_group WITH parameter.require_ssl != true`. JupiterOne's own schema
(GraphObject's propertyNames) allows no underscore in a property name, nor does graph-aws: each
parameter is written as `parameter.<name in camelCase>` (`parameter.requireSsl`), true and false as
booleans, so the rule reads `parameter.requireSsl`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, VPC, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

REDSHIFT = ServiceSpec(
    "redshift",
    "Redshift",
    EntityType("Redshift", "aws_redshift", ("Service",)),
    function=("data-warehousing",),
)
REDSHIFT_CLUSTER = EntityType(
    "Redshift Cluster", "aws_redshift_cluster", ("DataStore", "Database", "Cluster")
)
PARAMETER_GROUP = EntityType(
    "Redshift Cluster Parameter Group", "aws_redshift_cluster_parameter_group", ("Configuration",)
)
CLUSTER_USES_PARAMETER_GROUP = RelationshipType(REDSHIFT_CLUSTER, "USES", PARAMETER_GROUP)
CLUSTER_HAS_SECURITY_GROUP = RelationshipType(REDSHIFT_CLUSTER, "HAS", SECURITY_GROUP)
VPC_HAS_CLUSTER = RelationshipType(VPC, "HAS", REDSHIFT_CLUSTER)
CLUSTER_USES_KMS_KEY = RelationshipType(REDSHIFT_CLUSTER, "USES", KMS_KEY)


def parameter_group_key(where: Where, name: str) -> str:
    return where.arn("redshift", f"parametergroup:{name}")


def to_redshift_cluster(raw: Mapping[str, Any], where: Where) -> Entity:
    identifier = raw["ClusterIdentifier"]
    arn = where.arn("redshift", f"cluster:{identifier}")
    endpoint = raw.get("Endpoint") or {}
    groups = [
        g["ParameterGroupName"]
        for g in raw.get("ClusterParameterGroups") or []
        if g.get("ParameterGroupName")
    ]
    return make_entity(
        key=arn,
        type=REDSHIFT_CLUSTER.type,
        classes=REDSHIFT_CLUSTER.classes,
        name=identifier,
        properties={
            "arn": arn,
            "clusterIdentifier": identifier,
            "status": raw.get("ClusterStatus"),
            "active": raw["ClusterStatus"] == "available" if raw.get("ClusterStatus") else None,
            "nodeType": raw.get("NodeType"),
            "numberOfNodes": raw.get("NumberOfNodes"),
            "clusterVersion": raw.get("ClusterVersion"),
            "databaseName": raw.get("DBName"),
            "masterUsername": raw.get("MasterUsername"),
            "hostname": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "encrypted": raw.get("Encrypted"),
            "kmsKeyId": raw.get("KmsKeyId"),
            "public": raw.get("PubliclyAccessible"),
            "publiclyAccessible": raw.get("PubliclyAccessible"),
            "vpcId": raw.get("VpcId"),
            "enhancedVpcRouting": raw.get("EnhancedVpcRouting"),
            "allowVersionUpgrade": raw.get("AllowVersionUpgrade"),
            "automatedSnapshotRetentionPeriod": raw.get("AutomatedSnapshotRetentionPeriod"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "parameterGroupNames": groups or None,
            "iamRoles": [r["IamRoleArn"] for r in raw.get("IamRoles") or [] if r.get("IamRoleArn")] or None,
            "createdOn": epoch_millis(raw.get("ClusterCreateTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def link_cluster(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], cluster: Entity) -> None:
    """What the cluster uses and is in; a relationship to an id that names nothing is left out alone."""
    state = context.job_state
    for group in raw.get("ClusterParameterGroups") or []:
        if group.get("ParameterGroupName"):
            with one_item(context, f"{cluster['_key']}: a parameter group"):
                state.add_relationship(
                    make_relationship(
                        from_entity=cluster,
                        verb="USES",
                        to_type=PARAMETER_GROUP.type,
                        to_key=parameter_group_key(where, group["ParameterGroupName"]),
                    )
                )
    for group in raw.get("VpcSecurityGroups") or []:
        if group.get("VpcSecurityGroupId"):
            with one_item(context, f"{cluster['_key']}: a security group"):
                state.add_relationship(
                    make_relationship(
                        from_entity=cluster,
                        verb="HAS",
                        to_type=SECURITY_GROUP.type,
                        to_key=arn_of(where, "security-group", group["VpcSecurityGroupId"]),
                    )
                )
    if raw.get("VpcId"):
        with one_item(context, f"{cluster['_key']}: its VPC"):
            state.add_relationship(
                make_relationship(
                    from_type=VPC.type,
                    from_key=arn_of(where, "vpc", raw["VpcId"]),
                    verb="HAS",
                    to_entity=cluster,
                )
            )
    if raw.get("KmsKeyId"):
        with one_item(context, f"{cluster['_key']}: its KMS key"):
            state.add_relationship(
                make_relationship(
                    from_entity=cluster, verb="USES", to_type=KMS_KEY.type, to_key=raw["KmsKeyId"]
                )
            )


def to_parameter_group(raw: Mapping[str, Any], where: Where) -> Entity:
    key = parameter_group_key(where, raw["ParameterGroupName"])
    return make_entity(
        key=key,
        type=PARAMETER_GROUP.type,
        classes=PARAMETER_GROUP.classes,
        name=raw["ParameterGroupName"],
        properties={
            "arn": key,
            "family": raw.get("ParameterGroupFamily"),
            "description": raw.get("Description") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def camel_case(name: str) -> str:
    """`require_ssl` -> `requireSsl`: JupiterOne property names have no underscores."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def parameter_value(value: str | None) -> str | bool | None:
    if value is None:
        return None
    return {"true": True, "false": False}.get(value.lower(), value)


def parameter_properties(parameters: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        f"parameter.{camel_case(p['ParameterName'])}": parameter_value(p.get("ParameterValue"))
        for p in parameters
        if p.get("ParameterName")
    }


def enrich_parameter_group(
    context: StepContext, redshift: Any, where: Where, raw: Mapping[str, Any], group: Entity
) -> None:
    parameters = list(
        paginate(
            redshift,
            "describe_cluster_parameters",
            "Parameters",
            ParameterGroupName=raw["ParameterGroupName"],
        )
    )
    context.job_state.enrich_entity(group["_key"], parameter_properties(parameters))


REDSHIFT_CLUSTERS = ResourceSpec(
    step_id="fetch-redshift-clusters",
    name="Fetch Redshift clusters",
    service=REDSHIFT,
    client="redshift",
    operation="describe_clusters",
    result_key="Clusters",
    entity=REDSHIFT_CLUSTER,
    convert=to_redshift_cluster,
    enrich=link_cluster,
    relationships=(
        CLUSTER_USES_PARAMETER_GROUP,
        CLUSTER_HAS_SECURITY_GROUP,
        VPC_HAS_CLUSTER,
        CLUSTER_USES_KMS_KEY,
    ),
    permissions=("redshift:DescribeClusters",),
)

REDSHIFT_PARAMETER_GROUPS = ResourceSpec(
    step_id="fetch-redshift-cluster-parameter-groups",
    name="Fetch Redshift cluster parameter groups and their parameters",
    service=REDSHIFT,
    client="redshift",
    operation="describe_cluster_parameter_groups",
    result_key="ParameterGroups",
    entity=PARAMETER_GROUP,
    convert=to_parameter_group,
    enrich=enrich_parameter_group,
    permissions=("redshift:DescribeClusterParameterGroups", "redshift:DescribeClusterParameters"),
)

STEPS = (REDSHIFT.step(), resource_step(REDSHIFT_CLUSTERS), resource_step(REDSHIFT_PARAMETER_GROUPS))

# How the tests reach each type where it is not plain moto (the README's collected-types table).
TESTED_WITH = {
    "aws_redshift_cluster": "moto, patched (DescribeClusters' VpcId)",
    "aws_redshift_cluster_parameter_group": "moto; a TLS-requiring group on botocore-shaped Parameters",
}
