"""S3: buckets (listed once per account: the bucket list is global), their policies and public grants.

Each bucket's details are read with a client in the bucket's own region, every bucket whatever
`--regions` says, because the listing that found it is global.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import InvalidRegionError, ParamValidationError

from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, required_id, resource_step
from graph_aws.aws.resources.s3 import access, details
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

S3 = ServiceSpec("s3", "S3", EntityType("S3", "aws_s3", ("Service",)), function=("storage",))
S3_BUCKET = EntityType("S3 Bucket", "aws_s3_bucket", ("DataStore",))
S3_BUCKET_POLICY = details.S3_BUCKET_POLICY
EVERYONE = details.EVERYONE


def to_s3_bucket(raw: Mapping[str, Any], where: Where) -> Entity:
    name = required_id(raw.get("Name") or "", "Name", "a bucket")
    arn = f"arn:{where.partition}:s3:::{name}"  # bucket ARNs name neither region nor account
    return make_entity(
        key=arn,
        type=S3_BUCKET.type,
        classes=S3_BUCKET.classes,
        name=name,
        properties={
            "arn": arn,
            "bucketName": name,
            "createdOn": epoch_millis(raw.get("CreationDate")),
            "accountId": where.account_id,
        },
    )


def enrich_bucket(
    context: StepContext, s3: Any, where: Where, raw: Mapping[str, Any], bucket: Entity
) -> None:
    name = raw["Name"]
    try:
        # Recent ListBuckets answers carry the region; otherwise ask (any region can answer).
        region = raw.get("BucketRegion") or details.bucket_region(s3, name)
        in_region = Where(where.account_id, where.partition, region)
        properties, policy_text, grants = details.read_bucket(
            context.resources.session.client("s3", region), name, in_region
        )
    except (ParamValidationError, InvalidRegionError) as error:
        # botocore will not build a request for this name or region (no bucket AWS lists has such):
        # what the listing said is kept, its details are left out.
        context.warn(f"{bucket['_key']}: details left out: {error}")
        return
    state = context.job_state

    policy_public: bool | None = False
    document = details.policy_document(policy_text) if policy_text else None
    if document is not None:
        policy = state.add_entity(details.to_bucket_policy(bucket, document, in_region))
        state.add_relationship(make_relationship(from_entity=bucket, verb="HAS", to_entity=policy))
        policy_public = policy["public"]
        properties["secureTransport"] = policy["secureTransport"]
    elif policy_text:  # a policy, but not JSON: what it allows is not known
        context.warn(f"{bucket['_key']}: its bucket policy is not a JSON object: left out")
        policy_public = None
    else:
        properties["secureTransport"] = False

    public_grants = access.public_grants(grants)
    if public_grants:
        state.add_mapped_entity(details.everyone())
        state.add_relationships(details.allows_everyone(bucket, public_grants))

    # What AWS itself would let through: the bucket's public access block overrides ACLs and policies.
    acl_public = bool(public_grants) and not properties["ignorePublicAcls"]
    if policy_public is None and not acl_public and not properties["restrictPublicBuckets"]:
        properties["public"] = None  # the unread policy may or may not make it public
    else:
        properties["public"] = acl_public or (bool(policy_public) and not properties["restrictPublicBuckets"])
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
