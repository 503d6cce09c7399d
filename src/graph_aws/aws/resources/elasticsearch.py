"""OpenSearch Service (formerly Elasticsearch Service): domains of either engine, as JupiterOne's
`aws_elasticsearch_domain`, with their encryption, network exposure and security groups.

ListDomainNames names the domains; DescribeDomains reads them five at a time (its limit).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import (
    Describe,
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    resource_step,
)
from graph_aws.aws.resources.s3.access import policy_is_public
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

ES = ServiceSpec("es", "OpenSearch", EntityType("OpenSearch", "aws_es", ("Service",)), function=("indexing",))
ES_DOMAIN = EntityType(
    "Elasticsearch Domain", "aws_elasticsearch_domain", ("Database", "DataStore", "Cluster")
)
DOMAIN_HAS_SECURITY_GROUP = RelationshipType(ES_DOMAIN, "HAS", SECURITY_GROUP)
DOMAIN_USES_KMS_KEY = RelationshipType(ES_DOMAIN, "USES", KMS_KEY)


def engine_of(raw: Mapping[str, Any]) -> tuple[str, str | None]:
    """("OpenSearch" or "Elasticsearch", version): `OpenSearch_2.11`, `Elasticsearch_7.10`."""
    version = raw.get("EngineVersion") or raw.get("ElasticsearchVersion")
    if version and "_" in version:
        engine, number = version.split("_", 1)
        return engine, number
    return "Elasticsearch", version


def to_es_domain(raw: Mapping[str, Any], where: Where) -> Entity:
    vpc = raw.get("VPCOptions") or {}
    at_rest = raw.get("EncryptionAtRestOptions") or {}
    endpoint_options = raw.get("DomainEndpointOptions") or {}
    cluster = raw.get("ClusterConfig") or raw.get("ElasticsearchClusterConfig") or {}
    engine, version = engine_of(raw)
    try:
        policy = json.loads(raw.get("AccessPolicies") or "{}")
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        policy = None  # not a JSON object: whether it is public is unknown
    return make_entity(
        key=raw["ARN"],
        type=ES_DOMAIN.type,
        classes=ES_DOMAIN.classes,
        name=raw["DomainName"],
        properties={
            "arn": raw["ARN"],
            "domainName": raw["DomainName"],
            "domainId": raw.get("DomainId"),
            "engineType": engine,
            "engineVersion": version,
            "endpoint": raw.get("Endpoint") or (raw.get("Endpoints") or {}).get("vpc"),
            "vpcId": vpc.get("VPCId"),
            "subnetIds": vpc.get("SubnetIds") or None,
            "securityGroupIds": vpc.get("SecurityGroupIds") or None,
            "public": not vpc.get("SubnetIds"),  # a domain outside a VPC has a public endpoint
            "accessPolicyPublic": None if policy is None else policy_is_public(policy),
            "encrypted": bool(at_rest.get("Enabled")),
            "kmsKeyId": at_rest.get("KmsKeyId"),
            "nodeToNodeEncryptionEnabled": (raw.get("NodeToNodeEncryptionOptions") or {}).get("Enabled"),
            "enforceHTTPS": endpoint_options.get("EnforceHTTPS"),
            "tlsSecurityPolicy": endpoint_options.get("TLSSecurityPolicy"),
            "advancedSecurityEnabled": (raw.get("AdvancedSecurityOptions") or {}).get("Enabled"),
            "instanceType": cluster.get("InstanceType"),
            "instanceCount": cluster.get("InstanceCount"),
            "dedicatedMasterEnabled": cluster.get("DedicatedMasterEnabled"),
            "zoneAwarenessEnabled": cluster.get("ZoneAwarenessEnabled"),
            "processing": raw.get("Processing"),
            "deleted": raw.get("Deleted"),
            "loggingEnabled": any(o.get("Enabled") for o in (raw.get("LogPublishingOptions") or {}).values()),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def link_domain(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], domain: Entity) -> None:
    for group in (raw.get("VPCOptions") or {}).get("SecurityGroupIds") or []:
        with one_item(context, f"{domain['_key']}: a security group"):
            context.job_state.add_relationship(
                make_relationship(
                    from_entity=domain,
                    verb="HAS",
                    to_type=SECURITY_GROUP.type,
                    to_key=arn_of(where, "security-group", group),
                )
            )
    key = (raw.get("EncryptionAtRestOptions") or {}).get("KmsKeyId")
    if key:
        with one_item(context, f"{domain['_key']}: its KMS key"):
            context.job_state.add_relationship(
                make_relationship(from_entity=domain, verb="USES", to_type=KMS_KEY.type, to_key=key)
            )


ES_DOMAINS = ResourceSpec(
    step_id="fetch-es-domains",
    name="Fetch OpenSearch and Elasticsearch domains",
    service=ES,
    client="opensearch",
    operation="list_domain_names",
    result_key="DomainNames",
    paginated=False,  # ListDomainNames answers every domain at once
    describe=Describe(
        "describe_domains",
        "DomainNames",
        "DomainStatusList",
        batch=5,
        name_of=lambda item: item.get("DomainName"),
    ),
    entity=ES_DOMAIN,
    convert=to_es_domain,
    enrich=link_domain,
    relationships=(DOMAIN_HAS_SECURITY_GROUP, DOMAIN_USES_KMS_KEY),
    permissions=("es:ListDomainNames", "es:DescribeDomains"),
)

STEPS = (ES.step(), resource_step(ES_DOMAINS))
