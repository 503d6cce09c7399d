"""S3: buckets read once per account, each with its details from its own region; policy, grants, keys."""

from __future__ import annotations

import json

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def relationships(result, type_):
    return [r for r in result.job_state.relationships() if r["_type"] == type_]


@pytest.fixture
def buckets(client):
    """A private, KMS-encrypted, versioned, logged bucket with a TLS-only policy in us-east-1;
    a public-read bucket with a public policy in ap-south-1 (a region the run does not ask for)."""
    east, south = client("s3", "us-east-1"), client("s3", "ap-south-1")
    key_arn = client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    east.create_bucket(Bucket="private-logs", ACL="log-delivery-write")  # may receive access logs
    east.put_bucket_encryption(
        Bucket="private-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
            ]
        },
    )
    east.put_bucket_versioning(Bucket="private-logs", VersioningConfiguration={"Status": "Enabled"})
    east.put_bucket_logging(
        Bucket="private-logs",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "private-logs", "TargetPrefix": "l/"}},
    )
    east.put_public_access_block(
        Bucket="private-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    east.put_bucket_tagging(
        Bucket="private-logs", Tagging={"TagSet": [{"Key": "Classification", "Value": "internal"}]}
    )
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::private-logs/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    east.put_bucket_policy(Bucket="private-logs", Policy=json.dumps(tls_only))
    south.create_bucket(
        Bucket="public-site",
        CreateBucketConfiguration={"LocationConstraint": "ap-south-1"},
        ACL="public-read",
    )
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::public-site/*",
            }
        ],
    }
    south.put_bucket_policy(Bucket="public-site", Policy=json.dumps(public_read))
    return key_arn


def test_buckets_carry_the_rule_pack_properties(run_steps, buckets):
    result = run_steps("fetch-s3-buckets")
    assert status(result, "fetch-s3-buckets").status is StepStatus.SUCCESS
    found = {b["name"]: b for b in result.job_state.iter_entities("aws_s3_bucket")}
    assert set(found) == {"private-logs", "public-site"}  # every bucket: the listing is global
    private, public = found["private-logs"], found["public-site"]
    assert private["_key"] == private["arn"] == "arn:aws:s3:::private-logs"
    assert private["_class"] == ["DataStore"] and private["accountId"] == ACCOUNT
    assert private["region"] == "us-east-1" and public["region"] == "ap-south-1"
    assert isinstance(private["createdOn"], int)
    assert private["encrypted"] is private["defaultEncryptionEnabled"] is True
    assert private["encryptionAlgorithm"] == "aws:kms" and private["kmsKeyId"] == buckets
    assert private["versioningEnabled"] is True and private["mfaDelete"] is False
    assert private["loggingEnabled"] is True and private["loggingTargetBucket"] == "private-logs"
    assert (
        private["blockPublicAcls"] is private["ignorePublicAcls"] is private["restrictPublicBuckets"] is True
    )
    assert private["replicationEnabled"] is False and "destinationBuckets" not in private
    assert private["objectLockEnabled"] is False
    assert private["secureTransport"] is True and private["public"] is False
    assert private["tag.Classification"] == private["classification"] == "internal"
    assert public["encrypted"] is public["defaultEncryptionEnabled"] is False
    assert public["versioningEnabled"] is False and public["loggingEnabled"] is False
    assert public["ignorePublicAcls"] is public["blockPublicPolicy"] is False
    assert public["secureTransport"] is False and public["public"] is True
    assert public["ownerId"]


def test_policies_grants_and_keys_are_linked(run_steps, buckets):
    result = run_steps("fetch-s3-buckets")
    policies = {p["bucketName"]: p for p in result.job_state.iter_entities("aws_s3_bucket_policy")}
    assert policies["public-site"]["public"] is True and policies["private-logs"]["public"] is False
    assert policies["private-logs"]["_key"] == "arn:aws:s3:::private-logs:policy"
    assert policies["private-logs"]["_class"] == ["AccessPolicy"]
    assert json.loads(policies["private-logs"]["policy"])["Statement"][0]["Effect"] == "Deny"
    has_policy = relationships(result, "aws_s3_bucket_has_policy")
    assert {(r["_fromEntityKey"], r["_toEntityKey"]) for r in has_policy} == {
        (f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}:policy") for b in ("private-logs", "public-site")
    }
    (allows,) = relationships(result, "aws_s3_bucket_allows_everyone")
    assert (
        allows["_fromEntityKey"] == "arn:aws:s3:::public-site" and allows["_toEntityKey"] == "global:everyone"
    )
    assert allows["_key"] == "arn:aws:s3:::public-site|allows|global:everyone|AllUsers|READ"
    assert allows["permission"] == "READ" and allows["grantee"] == "AllUsers"
    (everyone,) = result.job_state.iter_entities("everyone")
    assert everyone["_class"] == ["Everyone"] and everyone["_source"] == "system-mapper"
    (uses,) = relationships(result, "aws_s3_bucket_uses_kms_key")
    assert uses["_fromEntityKey"] == "arn:aws:s3:::private-logs" and uses["_toEntityKey"] == buckets
    assert len(relationships(result, "aws_s3_has_bucket")) == 2


def test_the_bucket_list_is_read_once_per_account(run_steps, buckets):
    calls = []
    entry = ("before-call.s3.ListBuckets", lambda **_: calls.append(1))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        run_steps("fetch-s3-buckets", regions=("us-east-1", "eu-west-1", "ap-south-1"))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert len(calls) == 1


@pytest.fixture
def deny_bucket_acls():
    def hook(model, **_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "explicit deny"}}, model.name)

    entry = ("before-call.s3.GetBucketAcl", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_detail_fails_the_step_and_marks_its_types_partial(run_steps, buckets, deny_bucket_acls):
    result = run_steps("fetch-s3-buckets")
    step = status(result, "fetch-s3-buckets")
    assert step.status is StepStatus.FAILURE
    assert step.error.startswith("fetch-s3-buckets: us-east-1: access denied (AccessDenied); the role needs ")
    # `everyone` is mapped, not one of the step's types: the store keeps it while a kept ALLOWS points to it.
    assert {"aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_allows_everyone"} <= set(
        result.partial_types
    )


def test_a_bucket_whose_name_or_region_botocore_refuses_keeps_its_entity(run_steps, client, answered):
    client("s3").create_bucket(Bucket="plain")
    odd = [{"Name": "not a bucket name!"}, {"Name": "odd-region", "BucketRegion": "no\nregion"}]
    answered("s3", "ListBuckets", lambda parsed: parsed["Buckets"].extend(odd))
    result = run_steps("fetch-s3-buckets")
    step = status(result, "fetch-s3-buckets")
    assert step.status is StepStatus.SUCCESS
    found = {b["name"]: b for b in result.job_state.iter_entities("aws_s3_bucket")}
    assert set(found) == {"plain", "not a bucket name!", "odd-region"}
    assert found["plain"]["region"] == "us-east-1" and "versioningEnabled" in found["plain"]
    assert "region" not in found["not a bucket name!"] and "versioningEnabled" not in found["odd-region"]
    assert len(step.warnings) == 2 and all("details left out" in w for w in step.warnings)


def test_a_bucket_policy_that_is_not_json_is_left_out_with_a_warning(run_steps, client, answered):
    s3 = client("s3")
    s3.create_bucket(Bucket="odd-policy")
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    s3.put_bucket_policy(Bucket="odd-policy", Policy=json.dumps({"Statement": [statement]}))
    answered("s3", "GetBucketPolicy", lambda parsed: parsed.update(Policy="{not json"))
    result = run_steps("fetch-s3-buckets")
    step = status(result, "fetch-s3-buckets")
    assert step.status is StepStatus.SUCCESS
    (bucket,) = result.job_state.iter_entities("aws_s3_bucket")
    assert not list(result.job_state.iter_entities("aws_s3_bucket_policy"))
    assert bucket.get("public") is None  # the policy that might make it public could not be read
    assert step.warnings == ["arn:aws:s3:::odd-policy: its bucket policy is not a JSON object: left out"]
