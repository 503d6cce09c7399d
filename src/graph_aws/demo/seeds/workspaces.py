"""WorkSpaces: in the first region, a Simple AD directory in two default subnets, registered with
WorkSpaces, and a WorkSpace for `alice` from one of AWS's public bundles, its volumes encrypted.

moto lacks DescribeWorkspaceBundles, and places a WorkSpace in no subnet. `patch_moto` answers the
first from a small catalogue of AWS-owned bundles (and none of the account's own), and gives each
new WorkSpace the first subnet of its directory and an address in it, as WorkSpaces does.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory

PUBLIC_BUNDLE = "wsb-gr4phaw51"
# What AWS's public bundles look like (Owner AMAZON), for the ids the demo's WorkSpaces name.
_CATALOGUE = {
    PUBLIC_BUNDLE: {
        "BundleId": PUBLIC_BUNDLE,
        "Name": "Standard with Amazon Linux 2",
        "Owner": "AMAZON",
        "Description": "Standard with Amazon Linux 2 (emulated)",
        "ImageId": "wsi-gr4phaw51",
        "RootStorage": {"Capacity": "80"},
        "UserStorage": {"Capacity": "50"},
        "ComputeType": {"Name": "STANDARD"},
        "State": "AVAILABLE",
        "BundleType": "REGULAR",
    }
}


def patch_moto() -> None:
    from moto.workspaces.models import Workspace, WorkSpacesBackend
    from moto.workspaces.responses import WorkSpacesResponse

    if hasattr(WorkSpacesResponse, "describe_workspace_bundles"):
        return

    def describe_workspace_bundles(self: Any) -> str:
        wanted = json.loads(self.body or "{}").get("BundleIds")
        bundles = [_CATALOGUE[b] for b in wanted or [] if b in _CATALOGUE]
        return json.dumps({"Bundles": bundles})

    original_create = WorkSpacesBackend.create_workspaces
    original_dict = Workspace.to_dict_pending

    def create_workspaces(self: Any, workspaces: list[dict[str, Any]]) -> Any:
        failed, pending = original_create(self, workspaces)
        for item in pending:
            workspace = self.workspaces[item["WorkspaceId"]]
            directory = self.workspace_directories.get(workspace.directory_id)
            subnets = list(directory.subnet_ids) if directory else []
            workspace._graph_aws_subnet = subnets[0] if subnets else ""
            workspace._graph_aws_address = f"10.0.{len(self.workspaces)}.10" if subnets else ""
        return failed, pending

    def to_dict_pending(self: Any) -> dict[str, Any]:
        placed = {
            "SubnetId": getattr(self, "_graph_aws_subnet", ""),
            "IpAddress": getattr(self, "_graph_aws_address", ""),
        }
        return {**original_dict(self), **{k: v for k, v in placed.items() if v}}

    setattr(WorkSpacesResponse, "describe_workspace_bundles", describe_workspace_bundles)  # noqa: B010
    setattr(WorkSpacesBackend, "create_workspaces", create_workspaces)  # noqa: B010
    setattr(Workspace, "to_dict_pending", to_dict_pending)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    region = regions[0]
    ec2 = client("ec2", region)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][:2]
    directory = client("ds", region).create_directory(
        Name="corp.example.com",
        Password="Not-a-secret-42",
        Size="Small",
        VpcSettings={"VpcId": subnets[0]["VpcId"], "SubnetIds": [s["SubnetId"] for s in subnets]},
    )["DirectoryId"]
    workspaces = client("workspaces", region)
    workspaces.register_workspace_directory(DirectoryId=directory)
    workspaces.create_workspaces(
        Workspaces=[
            {
                "DirectoryId": directory,
                "UserName": "alice",
                "BundleId": PUBLIC_BUNDLE,
                "RootVolumeEncryptionEnabled": True,
                "UserVolumeEncryptionEnabled": True,
                "VolumeEncryptionKey": "alias/aws/workspaces",
                "WorkspaceProperties": {
                    "RunningMode": "AUTO_STOP",
                    "RunningModeAutoStopTimeoutInMinutes": 60,
                },
                "Tags": [{"Key": "owner", "Value": "alice"}],
            }
        ]
    )
