"""EC2 snapshots (public through createVolumePermission), AMIs (own and in use), key pairs, launch
templates."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from shapes import shaped

from graph_aws.aws.resources.ec2 import images
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def disks(client):
    ec2 = client("ec2", "us-east-1")
    key = client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    plain = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    sealed = ec2.create_volume(AvailabilityZone="us-east-1a", Size=2, Encrypted=True, KmsKeyId=key)[
        "VolumeId"
    ]
    public = ec2.create_snapshot(VolumeId=plain, Description="anyone may restore")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=public, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    shared = ec2.create_snapshot(VolumeId=sealed)["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=shared, Attribute="createVolumePermission", OperationType="add", UserIds=["111122223333"]
    )
    restored = ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=shared)["VolumeId"]
    client("ec2", "eu-west-1").create_snapshot(
        VolumeId=client("ec2", "eu-west-1").create_volume(AvailabilityZone="eu-west-1a", Size=1)["VolumeId"]
    )
    return {
        "key": key,
        "plain": plain,
        "sealed": sealed,
        "public": public,
        "shared": shared,
        "restored": restored,
    }


def test_snapshots_are_public_or_shared_as_their_permissions_say(run_steps, disks):
    result = run_steps("fetch-ec2-ebs-snapshots", "fetch-ec2-ebs-volumes")
    assert status(result, "fetch-ec2-ebs-snapshots").status is StepStatus.SUCCESS
    snapshots = {s["snapshotId"]: s for s in result.job_state.iter_entities("aws_ebs_snapshot")}
    assert len(snapshots) == 3 and {s["region"] for s in snapshots.values()} == {"us-east-1", "eu-west-1"}
    public, shared = snapshots[disks["public"]], snapshots[disks["shared"]]
    assert public["_key"] == public["arn"] == f"arn:aws:ec2:us-east-1::snapshot/{disks['public']}"
    assert public["_class"] == ["DataStore", "Disk", "Image"] and public["accountId"] == ACCOUNT
    assert public["public"] is True and public["shared"] is True and "sharedWithAccounts" not in public
    assert public["encrypted"] is False and public["description"] == "anyone may restore"
    assert shared["public"] is False and shared["sharedWithAccounts"] == ["111122223333"]
    assert shared["encrypted"] is True  # moto gives no KmsKeyId; see the botocore-shaped test below
    assert isinstance(shared["createdOn"], int) and shared["volumeSize"] == 2
    volume = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/"
    assert (volume + disks["plain"], public["_key"]) in ends(result, "aws_ebs_volume_has_snapshot")
    # The volume restored from a snapshot USES it (from the volumes step).
    assert ends(result, "aws_ebs_volume_uses_snapshot") == {(volume + disks["restored"], shared["_key"])}
    assert len(ends(result, "aws_ec2_has_ebs_snapshot")) == 3


def test_an_encrypted_snapshot_uses_its_key():
    where = Where(ACCOUNT, "aws", "us-east-1")
    raw = shaped(
        "ec2",
        "Snapshot",
        SnapshotId="snap-0123456789abcdef0",
        VolumeId="vol-0123456789abcdef0",
        State="completed",
        Encrypted=True,
        KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        OwnerId=ACCOUNT,
        VolumeSize=8,
        Tags=[{"Key": "Name", "Value": "nightly"}],
    )
    snapshot = images.to_ebs_snapshot(raw, where)
    assert snapshot["name"] == "nightly" and snapshot["kmsKeyId"] == raw["KmsKeyId"]
    key, volume = sorted(images.snapshot_links(raw, where), key=lambda r: r["_type"])
    assert key["_type"] == "aws_ebs_snapshot_uses_kms_key" and key["_toEntityKey"] == raw["KmsKeyId"]
    assert volume["_type"] == "aws_ebs_volume_has_snapshot"
    assert volume["_fromEntityKey"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
    # A copied snapshot names the placeholder volume: no relationship to it.
    copied = shaped("ec2", "Snapshot", SnapshotId="snap-1", VolumeId="vol-ffffffff")
    assert list(images.snapshot_links(copied, where)) == []


def test_above_the_limit_snapshots_are_not_asked_whether_they_are_public(run_steps, disks, monkeypatch):
    monkeypatch.setattr(images, "SNAPSHOT_ATTRIBUTE_LIMIT", 1)
    result = run_steps("fetch-ec2-ebs-snapshots", regions=("us-east-1",))
    step = status(result, "fetch-ec2-ebs-snapshots")
    assert step.status is StepStatus.SUCCESS
    assert step.warnings == ["us-east-1: 2 snapshots, more than 1: not asked whether each is public"]
    assert all("public" not in s for s in result.job_state.iter_entities("aws_ebs_snapshot"))


@pytest.fixture
def fleet(client):
    ec2 = client("ec2", "us-east-1")
    builder = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=builder, Name="golden", Description="the base image")["ImageId"]
    running = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.create_key_pair(
        KeyName="deploy",
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "ops"}]}],
    )
    template = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    return {"builder": builder, "image": image, "running": running, "template": template}


def test_own_images_and_the_instances_that_use_them(run_steps, fleet):
    result = run_steps("fetch-ec2-images", regions=("us-east-1",))
    assert status(result, "fetch-ec2-images").status is StepStatus.SUCCESS
    (image,) = result.job_state.iter_entities("aws_ami")
    assert image["_key"] == image["arn"] == f"arn:aws:ec2:us-east-1::image/{fleet['image']}"
    assert image["_class"] == ["Image"] and image["name"] == "golden" and image["public"] is False
    assert image["ownerId"] == image["accountId"] == ACCOUNT and image["state"] == "available"
    assert image["description"] == "the base image" and isinstance(image["createdOn"], int)
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{fleet['running']}"
    # The builder's image (ami-12c6146b) is not registered in moto: no entity, no relationship.
    assert ends(result, "aws_instance_uses_ami") == {(instance, image["_key"])}


def test_an_image_another_account_owns_is_keyed_and_owned_as_its_owner_would():
    # moto shows no account another's public images, so this is botocore-shaped: the answer of
    # DescribeImages(Filters=[image-id]) for an image an instance of ours runs.
    raw = shaped(
        "ec2",
        "Image",
        ImageId="ami-0abcdef1234567890",
        Name="al2023-ami-2023.4.20240401.1-kernel-6.1-x86_64",
        OwnerId="137112412989",
        ImageOwnerAlias="amazon",
        Public=True,
        State="available",
        CreationDate="2024-04-01T19:34:30.000Z",
        PlatformDetails="Linux/UNIX",
    )
    image = images._public_ami(raw, Where(ACCOUNT, "aws", "us-east-1"))
    assert image["_key"] == "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890"
    assert image["accountId"] == image["ownerId"] == "137112412989" and image["public"] is True
    assert image["imageOwnerAlias"] == "amazon" and image["platform"] == "Linux/UNIX"
    assert image["createdOn"] == 1712000070000


def test_key_pairs_and_launch_templates(run_steps, fleet):
    result = run_steps("fetch-ec2-key-pairs", "fetch-ec2-launch-templates", regions=("us-east-1",))
    (pair,) = result.job_state.iter_entities("aws_key_pair")
    assert pair["_key"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:key-pair/deploy" and pair["_class"] == [
        "AccessKey"
    ]
    assert pair["fingerprint"] and pair["keyPairId"].startswith("key-") and pair["tag.team"] == "ops"
    (template,) = result.job_state.iter_entities("aws_launch_template")
    assert template["_key"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:launch-template/{fleet['template']}"
    assert template["_class"] == ["Configuration"] and template["name"] == "web"
    assert template["defaultVersionNumber"] == 1 and isinstance(template["createdOn"], int)
    assert ends(result, "aws_ec2_has_launch_template") == {(f"aws_ec2:{ACCOUNT}", template["_key"])}
    assert ends(result, "aws_ec2_has_key_pair") == {(f"aws_ec2:{ACCOUNT}", pair["_key"])}


@pytest.fixture
def deny_snapshots_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "SCP"}}, model.name)

    entry = ("before-call.ec2.DescribeSnapshots", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, disks, deny_snapshots_in_eu):
    result = run_steps("fetch-ec2-ebs-snapshots")
    step = status(result, "fetch-ec2-ebs-snapshots")
    assert step.error == (
        "fetch-ec2-ebs-snapshots: eu-west-1: access denied (UnauthorizedOperation); the role needs "
        "ec2:DescribeSnapshots, ec2:DescribeSnapshotAttribute"
    )
    assert {s["region"] for s in result.job_state.iter_entities("aws_ebs_snapshot")} == {"us-east-1"}
    assert "aws_ebs_snapshot" in result.partial_types
