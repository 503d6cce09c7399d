"""EBS snapshots (public or shared through `createVolumePermission`), AMIs (the account's own and those
its instances run), key pairs and launch templates.

Snapshots and images have ARNs without an account (`arn:aws:ec2:<region>::snapshot/<id>`), so a
volume made from another account's snapshot, or an instance of a public AMI, names the same key
whoever reads it. Whether a snapshot is public takes a DescribeSnapshotAttribute call per snapshot;
as JupiterOne does, a region with more than 1,000 snapshots is not asked (its snapshots carry no
`public`, `shared` or `sharedWithAccounts`, and the step says so in a warning).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources._text_dates import iso_millis
from graph_aws.aws.resources.ec2.instances import INSTANCES_STEP
from graph_aws.aws.resources.ec2.model import (
    AMI,
    EBS_SNAPSHOT,
    EBS_VOLUME,
    EC2,
    INSTANCE,
    KEY_PAIR,
    LAUNCH_TEMPLATE,
    arn_of,
    ec2_entity,
    image_key,
    link,
    snapshot_key,
)
from graph_aws.aws.resources.ec2.volumes import EBS_VOLUMES, kms_key_arn
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, Where, one_item, required_id
from graph_aws.engine import StepContext
from graph_aws.model import Entity, Relationship, RelationshipType, epoch_millis

VOLUME_HAS_SNAPSHOT = RelationshipType(EBS_VOLUME, "HAS", EBS_SNAPSHOT)
SNAPSHOT_USES_KMS_KEY = RelationshipType(EBS_SNAPSHOT, "USES", KMS_KEY)
INSTANCE_USES_AMI = RelationshipType(INSTANCE, "USES", AMI)

SNAPSHOT_ATTRIBUTE_LIMIT = 1000  # JupiterOne's: above it, snapshots are not asked whether they are public
_IMAGE_BATCH = 100


def to_ebs_snapshot(raw: Mapping[str, Any], where: Where) -> Entity | None:
    # Asked for the account's own ("self"); moto in-process also answers with its stock images'
    # snapshots, owned by other accounts, which would crowd out the account's own.
    if raw.get("OwnerId") not in (None, where.account_id):
        return None
    snapshot_id = raw["SnapshotId"]
    return ec2_entity(
        EBS_SNAPSHOT,
        where,
        raw,
        key=snapshot_key(where, required_id(snapshot_id, "SnapshotId")),
        resource_id=snapshot_id,
        console=("ec2/v2", f"SnapshotDetails:snapshotId={snapshot_id}"),
        properties={
            "snapshotId": snapshot_id,
            "volumeId": raw.get("VolumeId"),
            "volumeSize": raw.get("VolumeSize"),
            "description": raw.get("Description") or None,
            "state": raw.get("State"),
            "encrypted": bool(raw.get("Encrypted")),
            "kmsKeyId": kms_key_arn(raw["KmsKeyId"], where) if raw.get("KmsKeyId") else None,
            "ownerId": raw.get("OwnerId"),
            "storageTier": raw.get("StorageTier"),
            "classification": None,
            "createdOn": epoch_millis(raw.get("StartTime")),
        },
    )


def snapshot_links(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = snapshot_key(where, raw["SnapshotId"])
    volume = raw.get("VolumeId") or ""
    if volume and volume != "vol-ffffffff":  # a copied snapshot names no volume of ours
        yield link(EBS_VOLUME, arn_of(where, "volume", volume), "HAS", EBS_SNAPSHOT, key)
    if raw.get("KmsKeyId"):
        yield link(EBS_SNAPSHOT, key, "USES", KMS_KEY, kms_key_arn(raw["KmsKeyId"], where))


def link_snapshot(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity) -> None:
    """The snapshot's key and volume; a snapshot outlives its volume, and a volume that is gone (or
    an image's, which DescribeVolumes never lists) HAS nothing: only volumes the volumes step found."""
    for relationship in snapshot_links(raw, where):
        if relationship["_class"] == "HAS" and not context.job_state.has_key(relationship["_fromEntityKey"]):
            continue
        context.job_state.add_relationship(relationship)


def snapshot_sharing(permissions: list[Mapping[str, Any]]) -> dict[str, Any]:
    accounts = [str(p["UserId"]) for p in permissions if p.get("UserId")]
    public = any(p.get("Group") == "all" for p in permissions)
    return {"public": public, "shared": public or bool(accounts), "sharedWithAccounts": accounts or None}


def add_snapshot_sharing(
    context: StepContext, ec2: Any, where: Where, added: list[tuple[Mapping[str, Any], Entity]]
) -> None:
    if len(added) > SNAPSHOT_ATTRIBUTE_LIMIT:
        context.warn(
            f"{where.region}: {len(added)} snapshots, more than {SNAPSHOT_ATTRIBUTE_LIMIT}: "
            "not asked whether each is public"
        )
        return
    for raw, entity in added:
        answer = ec2.describe_snapshot_attribute(
            SnapshotId=raw["SnapshotId"], Attribute="createVolumePermission"
        )
        sharing = snapshot_sharing(answer.get("CreateVolumePermissions") or [])
        context.job_state.enrich_entity(entity["_key"], sharing)


def _created(value: str | None) -> int | None:
    """DescribeImages dates are ISO strings ("2024-05-01T10:00:00.000Z"), not timestamps."""
    return iso_millis(value)  # None when the text is not a date


def to_ami(raw: Mapping[str, Any], where: Where) -> Entity:
    image_id = raw["ImageId"]
    return ec2_entity(
        AMI,
        where,
        raw,
        key=image_key(where, required_id(image_id, "ImageId")),
        resource_id=image_id,
        name=raw.get("Name"),
        console=("ec2/v2", f"ImageDetails:imageId={image_id}"),
        properties={
            "imageId": image_id,
            "description": raw.get("Description") or None,
            "state": raw.get("State"),
            "public": raw.get("Public"),
            "imageType": raw.get("ImageType"),
            "platform": raw.get("PlatformDetails") or raw.get("Platform"),
            "architecture": raw.get("Architecture"),
            "virtualizationType": raw.get("VirtualizationType"),
            "rootDeviceType": raw.get("RootDeviceType"),
            "ownerId": raw.get("OwnerId"),
            "imageOwnerAlias": raw.get("ImageOwnerAlias"),
            "createdOn": _created(raw.get("CreationDate")),
            "deprecatedOn": _created(raw.get("DeprecationTime")),
        },
    )


def _public_ami(raw: Mapping[str, Any], where: Where) -> Entity:
    """An image another account owns, which ours run: in the owner's account, as the owner's job
    would key it, so every account that runs it names one entity."""
    owner = Where(str(raw.get("OwnerId") or where.account_id), where.partition, where.region)
    return to_ami(raw, owner)


def add_images_in_use(
    context: StepContext, ec2: Any, where: Where, added: list[tuple[Mapping[str, Any], Entity]]
) -> None:
    """The images this region's instances run that the account does not own (public, shared,
    Marketplace), then each instance USES its image. A filter, unlike ImageIds, does not fail on
    an image that has since been deregistered."""
    state = context.job_state
    instances = [i for i in state.iter_entities(INSTANCE.type) if i.get("region") == where.region]
    known = {raw["ImageId"] for raw, _ in added}
    missing = sorted({i["imageId"] for i in instances if i.get("imageId")} - known)
    for start in range(0, len(missing), _IMAGE_BATCH):
        batch = missing[start : start + _IMAGE_BATCH]
        for raw in ec2.describe_images(Filters=[{"Name": "image-id", "Values": batch}]).get("Images", []):
            with one_item(context, where.region):
                if not state.has_key(image_key(where, required_id(raw.get("ImageId") or "", "ImageId"))):
                    state.add_entity(_public_ami(raw, where))
                known.add(raw["ImageId"])
    for instance in instances:
        if instance.get("imageId") in known:
            with one_item(context, where.region):
                state.add_relationship(
                    link(INSTANCE, instance["_key"], "USES", AMI, image_key(where, instance["imageId"]))
                )


def to_key_pair(raw: Mapping[str, Any], where: Where) -> Entity:
    name = raw["KeyName"]
    return ec2_entity(
        KEY_PAIR,
        where,
        raw,
        key=arn_of(where, "key-pair", name),
        resource_id=raw.get("KeyPairId") or name,
        name=name,
        console=("ec2/v2", f"KeyPairs:keyName={name}"),
        properties={
            "keyName": name,
            "keyPairId": raw.get("KeyPairId"),
            "fingerprint": raw.get("KeyFingerprint"),
            "keyType": raw.get("KeyType"),
            "createdOn": epoch_millis(raw.get("CreateTime")),
        },
    )


def to_launch_template(raw: Mapping[str, Any], where: Where) -> Entity:
    template_id = raw["LaunchTemplateId"]
    return ec2_entity(
        LAUNCH_TEMPLATE,
        where,
        raw,
        key=arn_of(where, "launch-template", template_id),
        resource_id=template_id,
        name=raw.get("LaunchTemplateName"),
        console=("ec2/v2", f"LaunchTemplateDetails:launchTemplateId={template_id}"),
        properties={
            "launchTemplateId": template_id,
            "launchTemplateName": raw.get("LaunchTemplateName"),
            "defaultVersionNumber": raw.get("DefaultVersionNumber"),
            "latestVersionNumber": raw.get("LatestVersionNumber"),
            "createdBy": raw.get("CreatedBy"),
            "createdOn": epoch_millis(raw.get("CreateTime")),
        },
    )


EBS_SNAPSHOTS = ResourceSpec(
    step_id="fetch-ec2-ebs-snapshots",
    name="Fetch EBS snapshots and who may restore them",
    service=EC2,
    client="ec2",
    operation="describe_snapshots",
    result_key="Snapshots",
    parameters={"OwnerIds": ["self"]},  # without it, every public snapshot of every account
    entity=EBS_SNAPSHOT,
    convert=to_ebs_snapshot,
    enrich=link_snapshot,
    after_region=add_snapshot_sharing,
    depends_on=(EBS_VOLUMES.step_id,),  # to link only the volumes that exist
    relationships=(VOLUME_HAS_SNAPSHOT, SNAPSHOT_USES_KMS_KEY),
    permissions=("ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"),
)

AMIS = ResourceSpec(
    step_id="fetch-ec2-images",
    name="Fetch AMIs: the account's own and those its instances run",
    service=EC2,
    client="ec2",
    operation="describe_images",
    result_key="Images",
    parameters={"Owners": ["self"]},
    entity=AMI,
    convert=to_ami,
    after_region=add_images_in_use,
    relationships=(INSTANCE_USES_AMI,),
    depends_on=(INSTANCES_STEP.id,),
    permissions=("ec2:DescribeImages",),
)

KEY_PAIRS = ResourceSpec(
    step_id="fetch-ec2-key-pairs",
    name="Fetch EC2 key pairs",
    service=EC2,
    client="ec2",
    operation="describe_key_pairs",
    result_key="KeyPairs",
    paginated=False,  # DescribeKeyPairs returns every key pair at once
    entity=KEY_PAIR,
    convert=to_key_pair,
    permissions=("ec2:DescribeKeyPairs",),
)

LAUNCH_TEMPLATES = ResourceSpec(
    step_id="fetch-ec2-launch-templates",
    name="Fetch EC2 launch templates",
    service=EC2,
    client="ec2",
    operation="describe_launch_templates",
    result_key="LaunchTemplates",
    entity=LAUNCH_TEMPLATE,
    convert=to_launch_template,
    permissions=("ec2:DescribeLaunchTemplates",),
)
