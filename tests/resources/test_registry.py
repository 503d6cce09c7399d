"""The resource registry: regions, partial failure per region, and KMS as its example."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.kms import KMS_KEYS
from graph_aws.aws.resources.registry import Where, convert_item
from graph_aws.engine import StepStatus
from graph_aws.errors import UnconvertibleItem


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def test_keys_are_read_in_every_requested_region(run_steps, client):
    for region in ("us-east-1", "eu-west-1", "ap-south-1"):
        key = client("kms", region).create_key(Description=f"key in {region}")["KeyMetadata"]["KeyId"]
        client("kms", region).enable_key_rotation(KeyId=key)
    result = run_steps("fetch-kms-keys", regions=("us-east-1", "eu-west-1"))
    keys = list(result.job_state.iter_entities("aws_kms_key"))
    assert sorted(k["region"] for k in keys) == ["eu-west-1", "us-east-1"]  # ap-south-1 not asked for
    for key in keys:
        assert key["_key"] == key["arn"] and key["arn"].startswith(f"arn:aws:kms:{key['region']}:")
        assert key["rotationEnabled"] is key["keyRotationEnabled"] is True and key["keyManager"] == "CUSTOMER"
        assert key["encryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
        assert key["accountId"] == "123456789012" and isinstance(key["createdOn"], int)
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_kms_has_key"]
    assert len(has) == 2
    assert status(result, "fetch-kms-keys").status is StepStatus.SUCCESS


def test_a_region_not_enabled_is_left_out_not_failed(run_steps):
    result = run_steps("fetch-kms-keys", regions=("us-east-1", "xx-nowhere-1"))
    assert status(result, "fetch-regions").warnings == ["not enabled in this account, left out: xx-nowhere-1"]
    assert status(result, "fetch-kms-keys").status is StepStatus.SUCCESS


@pytest.fixture
def deny_kms_in(request):
    """AccessDenied from KMS in one region, as a service control policy would answer."""
    region = request.param

    def hook(model, context, **_):
        if context.get("client_region") == region:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "explicit deny in an SCP"}}, model.name
            )

    entry = ("before-call.kms.ListKeys", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield region
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


@pytest.mark.parametrize("deny_kms_in", ["eu-west-1"], indirect=True)
def test_a_denied_region_marks_the_types_partial_and_keeps_the_other_regions(run_steps, client, deny_kms_in):
    for region in ("us-east-1", "eu-west-1"):
        client("kms", region).create_key()
    result = run_steps("fetch-kms-keys")
    step = status(result, "fetch-kms-keys")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-kms-keys: eu-west-1: access denied (AccessDeniedException); the role needs "
        "kms:ListKeys, kms:DescribeKey, kms:GetKeyRotationStatus"
    )
    assert [k["region"] for k in result.job_state.iter_entities("aws_kms_key")] == ["us-east-1"]
    assert {"aws_kms_key", "aws_kms_has_key"} <= set(result.partial_types)


def test_rotation_as_the_cis_rule_reads_it(run_steps, client):
    kms = client("kms", "us-east-1")
    rotated = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    kms.create_key(Description="never rotated")
    kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT", Description="asymmetric")
    result = run_steps("fetch-kms-keys", regions=("us-east-1",))
    keys = {k["description"]: k for k in result.job_state.iter_entities("aws_kms_key")}
    assert keys["rotated"]["keyRotationEnabled"] is True
    assert keys["never rotated"]["keyRotationEnabled"] is False
    # CIS 3.6 asks only of symmetric keys: an RSA key lists its own algorithms, and rotation is
    # not asked about (KMS refuses the question).
    assert keys["asymmetric"]["encryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert "keyRotationEnabled" not in keys["asymmetric"]


def test_an_item_without_the_id_its_key_needs_is_unconvertible_not_a_crash():
    where = Where("123456789012", "aws", "us-east-1")
    with pytest.raises(UnconvertibleItem, match="aws_kms_key left out: AWS sent no KeyArn"):
        convert_item(KMS_KEYS, {"KeyId": "k-1"}, where)  # botocore's model makes KeyArn optional
