"""S3: buckets (listed once per account: the bucket list is global), their policies and public grants.

Each bucket's details are read with a client in the bucket's own region, every bucket whatever
`--regions` says, because the listing that found it is global.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.aws.resources.s3 import access, details
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

S3 = ServiceSpec("s3", "S3", EntityType("S3", "aws_s3", ("Service",)), function=("storage",))
S3_BUCKET = EntityType("S3 Bucket", "aws_s3_bucket", ("DataStore",))
S3_BUCKET_POLICY = details.S3_BUCKET_POLICY
EVERYONE = details.EVERYONE


def to_s3_bucket(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = f"arn:{where.partition}:s3:::{raw['Name']}"  # bucket ARNs name neither region nor account
    return make_entity(
        key=arn,
        type=S3_BUCKET.type,
        classes=S3_BUCKET.classes,
        name=raw["Name"],
        properties={
            "arn": arn,
            "bucketName": raw["Name"],
            "createdOn": epoch_millis(raw.get("CreationDate")),
            "accountId": where.account_id,
        },
    )


def enrich_bucket(
    context: StepContext, s3: Any, where: Where, raw: Mapping[str, Any], bucket: Entity
) -> None:
    name = raw["Name"]
    # Recent ListBuckets answers carry the region; otherwise ask (any region can answer).
    region = raw.get("BucketRegion") or details.bucket_region(s3, name)
    in_region = Where(where.account_id, where.partition, region)
    properties, policy_text, grants = details.read_bucket(
        context.resources.session.client("s3", region), name, in_region
    )
    state = context.job_state

    policy_public = False
    if policy_text:
        policy = state.add_entity(details.to_bucket_policy(bucket, policy_text, in_region))
        state.add_relationship(make_relationship(from_entity=bucket, verb="HAS", to_entity=policy))
        policy_public = policy["public"]
        properties["secureTransport"] = policy["secureTransport"]
    else:
        properties["secureTransport"] = False

    public_grants = access.public_grants(grants)
    if public_grants:
        state.add_mapped_entity(details.everyone())
        state.add_relationships(details.allows_everyone(bucket, public_grants))

    # What AWS itself would let through: the bucket's public access block overrides ACLs and policies.
    properties["public"] = (bool(public_grants) and not properties["ignorePublicAcls"]) or (
        policy_public and not properties["restrictPublicBuckets"]
    )
    key_arn = details.kms_key_arn(properties.get("kmsKeyId"), in_region)
    if key_arn and str(properties.get("encryptionAlgorithm", "")).startswith("aws:kms"):
        state.add_relationship(
            make_relationship(from_entity=bucket, verb="USES", to_type=KMS_KEY.type, to_key=key_arn)
        )
    state.enrich_entity(bucket["_key"], properties)


S3_BUCKETS = ResourceSpec(
    step_id="fetch-s3-buckets",
    name="Fetch S3 buckets",
    service=S3,
    client="s3",
    operation="list_buckets",  # no MaxBuckets: moto ignores the continuation token it would need
    result_key="Buckets",
    entity=S3_BUCKET,
    convert=to_s3_bucket,
    enrich=enrich_bucket,
    regional=False,
    extra_entities=(S3_BUCKET_POLICY,),
    relationships=(
        RelationshipType(S3_BUCKET, "HAS", S3_BUCKET_POLICY),
        RelationshipType(S3_BUCKET, "USES", KMS_KEY),
        RelationshipType(S3_BUCKET, "ALLOWS", EVERYONE),
    ),
    permissions=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetReplicationConfiguration",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketTagging",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
    ),
)

STEPS = (S3.step(), resource_step(S3_BUCKETS))
