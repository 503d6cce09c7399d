"""WorkSpaces: the virtual desktops (`aws_workspace : Host`), in the subnet that HAS each, and the
bundles they USE (`aws_workspaces_bundle`): the account's own, and AWS's that its WorkSpaces run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.ec2.model import SUBNET, arn_of, relate
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    for_each_region,
    offered_regions,
    one_item,
    regions_of,
    required_id,
    resource_step,
)
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

WORKSPACES = ServiceSpec(
    "workspaces",
    "WorkSpaces",
    EntityType("WorkSpaces", "aws_workspaces", ("Service",)),
    function=("desktop-virtualization",),
)
WORKSPACE = EntityType("WorkSpace", "aws_workspace", ("Host",))
BUNDLE = EntityType("WorkSpaces Bundle", "aws_workspaces_bundle", ("Configuration",))
BUNDLES_PER_CALL = 25  # DescribeWorkspaceBundles' most


def bundle_key(where: Where, bundle_id: str) -> str:
    return where.arn("workspaces", f"workspacebundle/{bundle_id}")


def to_workspace(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = where.arn("workspaces", f"workspace/{raw['WorkspaceId']}")
    properties = raw.get("WorkspaceProperties") or {}
    address = raw.get("IpAddress") or None
    return make_entity(
        key=arn,
        type=WORKSPACE.type,
        classes=WORKSPACE.classes,
        name=raw.get("ComputerName") or raw["WorkspaceId"],
        properties={
            "arn": arn,
            "id": raw["WorkspaceId"],
            "userName": raw.get("UserName"),
            "directoryId": raw.get("DirectoryId"),
            "bundleId": raw.get("BundleId"),
            "subnetId": raw.get("SubnetId") or None,
            "state": raw.get("State"),
            "hostname": raw.get("ComputerName") or None,
            "ipAddress": address,
            "ipv4Addresses": [address] if address else None,
            "privateIpAddresses": [address] if address else None,
            "category": "endpoint",
            "runningMode": properties.get("RunningMode"),
            "computeTypeName": properties.get("ComputeTypeName"),
            "rootVolumeSizeGib": properties.get("RootVolumeSizeGib"),
            "userVolumeSizeGib": properties.get("UserVolumeSizeGib"),
            "rootVolumeEncryptionEnabled": bool(raw.get("RootVolumeEncryptionEnabled")),
            "userVolumeEncryptionEnabled": bool(raw.get("UserVolumeEncryptionEnabled")),
            "volumeEncryptionKey": raw.get("VolumeEncryptionKey") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def workspace_relationships(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    key = where.arn("workspaces", f"workspace/{raw['WorkspaceId']}")
    if raw.get("SubnetId"):
        yield make_relationship(
            from_type=SUBNET.type,
            from_key=arn_of(where, "subnet", raw["SubnetId"]),
            verb="HAS",
            to_type=WORKSPACE.type,
            to_key=key,
        )
    if raw.get("BundleId"):
        yield make_relationship(
            from_type=WORKSPACE.type,
            from_key=key,
            verb="USES",
            to_type=BUNDLE.type,
            to_key=bundle_key(where, raw["BundleId"]),
        )


WORKSPACES_SPEC = ResourceSpec(
    step_id="fetch-workspaces",
    name="Fetch WorkSpaces",
    service=WORKSPACES,
    client="workspaces",
    operation="describe_workspaces",
    result_key="Workspaces",
    entity=WORKSPACE,
    convert=to_workspace,
    enrich=relate(workspace_relationships),
    relationships=(RelationshipType(SUBNET, "HAS", WORKSPACE), RelationshipType(WORKSPACE, "USES", BUNDLE)),
    permissions=("workspaces:DescribeWorkspaces",),
    only_where_offered=True,
)


def to_bundle(raw: Mapping[str, Any], where: Where) -> Entity:
    bundle_id = required_id(raw.get("BundleId") or "", "BundleId", "a WorkSpaces bundle")
    return make_entity(
        key=bundle_key(where, bundle_id),
        type=BUNDLE.type,
        classes=BUNDLE.classes,
        name=raw.get("Name") or bundle_id,
        properties={
            "id": bundle_id,
            "description": raw.get("Description") or None,
            "owner": raw.get("Owner"),
            "imageId": raw.get("ImageId"),
            "computeType": (raw.get("ComputeType") or {}).get("Name"),
            "rootStorageCapacity": (raw.get("RootStorage") or {}).get("Capacity"),
            "userStorageCapacity": (raw.get("UserStorage") or {}).get("Capacity"),
            "state": raw.get("State"),
            "bundleType": raw.get("BundleType"),
            "createdOn": epoch_millis(raw.get("CreationTime")),
            "lastUpdatedOn": epoch_millis(raw.get("LastUpdatedTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def bundles_in(context: StepContext, where: Where) -> None:
    resources: AccountResources = context.resources
    client = resources.session.client("workspaces", where.region)
    state = context.job_state
    service = WORKSPACES.key_of(where.account_id)
    own = [
        b
        for page in client.get_paginator("describe_workspace_bundles").paginate()
        for b in page.get("Bundles") or []
    ]
    seen = {b.get("BundleId") for b in own}
    in_use = sorted(
        {
            w["bundleId"]
            for w in state.iter_entities(WORKSPACE.type)
            if w.get("accountId") == where.account_id
            and w.get("region") == where.region
            and w.get("bundleId")
        }
        - seen
    )
    theirs = [
        b
        for start in range(0, len(in_use), BUNDLES_PER_CALL)
        for b in client.describe_workspace_bundles(BundleIds=in_use[start : start + BUNDLES_PER_CALL]).get(
            "Bundles"
        )
        or []
    ]
    for raw in own + theirs:
        # A bundle answered twice (or without an id) is left out with a warning, not the region.
        with one_item(context, f"{where.region}: a bundle"):
            bundle = state.add_entity(to_bundle(raw, where))
            state.add_relationship(
                make_relationship(
                    from_type=WORKSPACES.entity.type, from_key=service, verb="HAS", to_entity=bundle
                )
            )


def bundles_step() -> Step:
    """Hand-written: the account's own bundles are listed, AWS's only as its WorkSpaces name them
    (AWS offers hundreds), so the WorkSpaces come first."""

    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        offered = offered_regions("workspaces", resources.partition)
        regions = [r for r in regions_of(context) if r in offered]
        for_each_region(
            context,
            lambda region: bundles_in(context, Where(resources.account_id, resources.partition, region)),
            regions,
        )

    return Step(
        id="fetch-workspaces-bundles",
        name="Fetch WorkSpaces bundles",
        handler=handler,
        entities=(BUNDLE,),
        relationships=(WORKSPACES.has(BUNDLE),),
        depends_on=(WORKSPACES.step_id, "fetch-regions", WORKSPACES_SPEC.step_id),
        permissions=("workspaces:DescribeWorkspaceBundles",),
    )


STEPS = (WORKSPACES.step(), resource_step(WORKSPACES_SPEC), bundles_step())


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_workspace": "moto, patched (a WorkSpace placed in its directory's subnet)",
    "aws_workspaces_bundle": "moto, patched (DescribeWorkspaceBundles)",
}
