"""EKS: clusters, with their API endpoint's exposure, secrets encryption, logging and security groups.

JupiterOne's rule eks-endpoint-no-public-access reads `vpcEndpointPublicAccess`. ListClusters names
the clusters; DescribeCluster (one call per cluster) gives the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
    tag_properties,
)

EKS = ServiceSpec(
    "eks", "EKS", EntityType("EKS", "aws_eks", ("Service",)), function=("kubernetes-management",)
)
EKS_CLUSTER = EntityType("EKS Cluster", "aws_eks_cluster", ("Cluster",))
CLUSTER_HAS_SECURITY_GROUP = RelationshipType(EKS_CLUSTER, "HAS", SECURITY_GROUP)
CLUSTER_USES_KMS_KEY = RelationshipType(EKS_CLUSTER, "USES", KMS_KEY)


def to_eks_cluster(name: str, where: Where) -> Entity:
    arn = where.arn("eks", f"cluster/{name}")
    return make_entity(
        key=arn,
        type=EKS_CLUSTER.type,
        classes=EKS_CLUSTER.classes,
        name=name,
        properties={"arn": arn, "accountId": where.account_id, "region": where.region},
    )


def secrets_key(cluster: Mapping[str, Any]) -> str | None:
    for config in cluster.get("encryptionConfig") or []:
        if "secrets" in (config.get("resources") or []):
            return (config.get("provider") or {}).get("keyArn")
    return None


def security_group_ids(cluster: Mapping[str, Any]) -> list[str]:
    vpc = cluster.get("resourcesVpcConfig") or {}
    groups = [*(vpc.get("securityGroupIds") or []), vpc.get("clusterSecurityGroupId")]
    return list(dict.fromkeys(g for g in groups if g))


def cluster_properties(cluster: Mapping[str, Any]) -> dict[str, Any]:
    vpc = cluster.get("resourcesVpcConfig") or {}
    logging = [
        kind
        for setup in (cluster.get("logging") or {}).get("clusterLogging") or []
        if setup.get("enabled")
        for kind in setup.get("types") or []
    ]
    key = secrets_key(cluster)
    return {
        "status": cluster.get("status"),
        "active": cluster["status"] == "ACTIVE" if cluster.get("status") else None,
        "version": cluster.get("version"),
        "platformVersion": cluster.get("platformVersion"),
        "endpoint": cluster.get("endpoint"),
        "roleArn": cluster.get("roleArn"),
        "vpcId": vpc.get("vpcId"),
        "subnetIds": vpc.get("subnetIds") or None,
        "securityGroupIds": security_group_ids(cluster) or None,
        "vpcEndpointPublicAccess": vpc.get("endpointPublicAccess"),
        "vpcEndpointPrivateAccess": vpc.get("endpointPrivateAccess"),
        "publicAccessCidrs": vpc.get("publicAccessCidrs") or None,
        "secretsEncrypted": key is not None,
        "kmsKeyArn": key,
        "loggingEnabled": bool(logging),
        "enabledLogTypes": logging or None,
        "createdOn": epoch_millis(cluster.get("createdAt")),
        **tag_properties(cluster.get("tags")),
    }


def enrich_cluster(context: StepContext, eks: Any, where: Where, name: str, entity: Entity) -> None:
    cluster = eks.describe_cluster(name=name).get("cluster")
    if cluster is None:  # nothing more is known of it than its name
        context.warn(f"{entity['_key']}: DescribeCluster answered no cluster; its details are left out")
        return
    state = context.job_state
    state.enrich_entity(entity["_key"], cluster_properties(cluster))
    for group in security_group_ids(cluster):
        with one_item(context, f"{entity['_key']} HAS security group"):
            state.add_relationship(
                make_relationship(
                    from_entity=entity,
                    verb="HAS",
                    to_type=SECURITY_GROUP.type,
                    to_key=arn_of(where, "security-group", group),
                )
            )
    key = secrets_key(cluster)
    if key:
        with one_item(context, f"{entity['_key']} USES KMS key"):
            state.add_relationship(
                make_relationship(from_entity=entity, verb="USES", to_type=KMS_KEY.type, to_key=key)
            )


EKS_CLUSTERS = ResourceSpec(
    step_id="fetch-eks-clusters",
    name="Fetch EKS clusters",
    service=EKS,
    client="eks",
    operation="list_clusters",
    result_key="clusters",
    entity=EKS_CLUSTER,
    convert=to_eks_cluster,
    enrich=enrich_cluster,
    relationships=(CLUSTER_HAS_SECURITY_GROUP, CLUSTER_USES_KMS_KEY),
    permissions=("eks:ListClusters", "eks:DescribeCluster"),
)

STEPS = (EKS.step(), resource_step(EKS_CLUSTERS))
