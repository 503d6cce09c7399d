"""Systems Manager: per region, two SecureString parameters (one under a customer key of its own,
one under the default `alias/aws/ssm`), a custom patch baseline for the patch group `web-servers`,
the EC2 seed's instance `web-1` in that group (its `Patch Group` tag), and that instance's software
inventory, with the backdoored xz-utils 5.6.1 that JupiterOne's rules look for.

moto lacks PutInventory, GetInventory, DescribePatchGroups and
DescribeInstancePatchStatesForPatchGroup. `patch_moto` adds them: inventory kept as it is put, the
patch groups moto registers (without the default baselines it pretends every group has), and each
group's patch state answered from the account's instances tagged with it, as if each had just been
scanned with nothing missing.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory

PATCH_GROUP = "web-servers"
INSTANCE_NAME = "web-1"  # the EC2 seed's instance
PATCH_GROUP_TAGS = ("Patch Group", "PatchGroup")  # the tag keys Patch Manager reads
# What the instance has installed: the xz-utils release with the 2024 backdoor (CVE-2024-3094).
APPLICATIONS = (
    ("xz-utils", "5.6.1-1", "Debian"),
    ("openssh-server", "1:9.6p1-3", "Debian"),
    ("curl", "7.88.1-10", "Debian"),
)
_PAGE = 50  # GetInventory's largest page


def _page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    start = int(token or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _inventory(backend: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "_graph_aws_inventory"):
        backend._graph_aws_inventory = {}
    inventory: dict[str, dict[str, Any]] = backend._graph_aws_inventory
    return inventory


def _registered_groups(backend: Any) -> list[dict[str, Any]]:
    """One mapping per patch group and baseline registered through the API."""
    mappings = []
    for name, group in sorted(backend.patch_groups.items()):
        for baseline_id in dict.fromkeys(group.associations.values()):
            baseline = backend.baselines.get(baseline_id)
            if baseline is not None:
                mappings.append(
                    {
                        "PatchGroup": name,
                        "BaselineIdentity": {
                            "BaselineId": baseline.id,
                            "BaselineName": baseline.name,
                            "OperatingSystem": baseline.operating_system,
                            "BaselineDescription": baseline.description or "",
                            "DefaultBaseline": bool(baseline.default_baseline),
                        },
                    }
                )
    return mappings


def _patch_states(account_id: str, region: str, backend: Any, group: str) -> list[dict[str, Any]]:
    from moto.ec2.models import ec2_backends

    baselines = [
        m["BaselineIdentity"]["BaselineId"] for m in _registered_groups(backend) if m["PatchGroup"] == group
    ]
    states = []
    for instance in ec2_backends[account_id][region].all_instances():
        tags = {t["key"]: t["value"] for t in instance.get_tags()}
        if group not in (tags.get(key) for key in PATCH_GROUP_TAGS) or not baselines:
            continue
        scanned = instance.launch_time  # a fixed time: the same state on every read
        states.append(
            {
                "InstanceId": instance.id,
                "PatchGroup": group,
                "BaselineId": baselines[0],
                "InstalledCount": len(APPLICATIONS),
                "InstalledOtherCount": 0,
                "InstalledPendingRebootCount": 0,
                "InstalledRejectedCount": 0,
                "MissingCount": 0,
                "FailedCount": 0,
                "NotApplicableCount": 0,
                "OperationStartTime": scanned,
                "OperationEndTime": scanned,
                "Operation": "Scan",
                "RebootOption": "NoReboot",
                "CriticalNonCompliantCount": 0,
                "SecurityNonCompliantCount": 0,
                "OtherNonCompliantCount": 0,
            }
        )
    return states


def patch_moto() -> None:
    from moto.ssm.responses import SimpleSystemManagerResponse

    if getattr(SimpleSystemManagerResponse, "_graph_aws_patched", False):
        return

    def put_inventory(self: Any) -> str:
        stored = _inventory(self.ssm_backend).setdefault(self._get_param("InstanceId"), {})
        for item in self._get_param("Items") or []:
            stored[item["TypeName"]] = {
                key: item.get(key) for key in ("TypeName", "SchemaVersion", "CaptureTime", "Content")
            }
        return json.dumps({"Message": "Inventory was put"})

    def get_inventory(self: Any) -> str:
        wanted = [a["TypeName"] for a in self._get_param("ResultAttributes") or []]
        entities = [
            {"Id": node, "Data": {t: item for t, item in types.items() if not wanted or t in wanted}}
            for node, types in sorted(_inventory(self.ssm_backend).items())
            if not wanted or any(t in types for t in wanted)
        ]
        page, token = _page(entities, self._get_param("NextToken"), self._get_param("MaxResults") or _PAGE)
        return json.dumps({"Entities": page, **({"NextToken": token} if token else {})})

    def describe_patch_groups(self: Any) -> str:
        mappings = _registered_groups(self.ssm_backend)
        page, token = _page(mappings, self._get_param("NextToken"), self._get_param("MaxResults") or 100)
        return json.dumps({"Mappings": page, **({"NextToken": token} if token else {})})

    def describe_instance_patch_states_for_patch_group(self: Any) -> str:
        states = _patch_states(
            self.current_account, self.region, self.ssm_backend, self._get_param("PatchGroup")
        )
        page, token = _page(states, self._get_param("NextToken"), self._get_param("MaxResults") or 100)
        return json.dumps(
            {"InstancePatchStates": page, **({"NextToken": token} if token else {})}, default=str
        )

    for name, method in (
        ("put_inventory", put_inventory),
        ("get_inventory", get_inventory),
        ("describe_patch_groups", describe_patch_groups),
        ("describe_instance_patch_states_for_patch_group", describe_instance_patch_states_for_patch_group),
    ):
        setattr(SimpleSystemManagerResponse, name, method)
    setattr(SimpleSystemManagerResponse, "_graph_aws_patched", True)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    for region in regions:
        ssm, ec2 = client("ssm", region), client("ec2", region)
        key = client("kms", region).create_key(Description="SSM parameters")["KeyMetadata"]["Arn"]
        ssm.put_parameter(
            Name="/graph-aws-demo/db-password", Value="not-a-secret", Type="SecureString", KeyId=key
        )
        ssm.put_parameter(Name="graph-aws-demo-api-token", Value="not-a-secret-either", Type="SecureString")
        ssm.put_parameter(Name="graph-aws-demo-plain", Value="not secret at all", Type="String")
        baseline = ssm.create_patch_baseline(
            Name="graph-aws-demo-baseline",
            OperatingSystem="DEBIAN",
            Description="Security updates, approved after a week",
            ApprovalRules={
                "PatchRules": [
                    {
                        "PatchFilterGroup": {
                            "PatchFilters": [{"Key": "PRIORITY", "Values": ["Required", "Important"]}]
                        },
                        "ApproveAfterDays": 7,
                    }
                ]
            },
        )["BaselineId"]
        ssm.register_patch_baseline_for_patch_group(BaselineId=baseline, PatchGroup=PATCH_GROUP)
        instances = [
            i["InstanceId"]
            for r in ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [INSTANCE_NAME]}])[
                "Reservations"
            ]
            for i in r["Instances"]
        ]
        for instance in instances:
            ec2.create_tags(Resources=[instance], Tags=[{"Key": "Patch Group", "Value": PATCH_GROUP}])
            ssm.put_inventory(
                InstanceId=instance,
                Items=[
                    {
                        "TypeName": "AWS:Application",
                        "SchemaVersion": "1.1",
                        "CaptureTime": "2024-03-29T10:00:00Z",
                        "Content": [
                            {"Name": name, "Version": version, "Publisher": publisher}
                            for name, version, publisher in APPLICATIONS
                        ],
                    }
                ],
            )
