"""What moto does differently from IAM, patched where the demo and the tests need AWS's behaviour.

- AWS-managed policies: moto loads none by default, or all 1,500 (4.7 MB of JSON parsed again for
  every account, and kept per account). The emulator loads the few the seeds attach, from moto's own
  copy of AWS's documents, parsed once per process.
- GetAccountAuthorizationDetails: moto answers in one page; AWS pages it (MaxItems, default 100,
  and Marker), so a user's groups can come on a later page than the user. The patch pages it as
  AWS does, over users, groups, roles and policies in that order. moto also leaves out each
  policy's PolicyName and PolicyId, which AWS gives.

Idempotent. Both patch the moto running in this process: emulator.patch_moto applies them (the
moto server applies them in its own process).
"""

from __future__ import annotations

import json
from typing import Any

AWS_MANAGED_POLICIES = (
    "AdministratorAccess",
    "AWSCloudShellFullAccess",
    "AWSSupportAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "PowerUserAccess",
)
PAGE_SIZE = 100  # AWS's default MaxItems

_documents: dict[str, Any] = {}


def _aws_managed_data() -> dict[str, Any]:
    if not _documents:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        every = json.loads(aws_managed_policies_data)
        _documents.update({name: every[name] for name in AWS_MANAGED_POLICIES})
    return _documents


def patch_aws_managed_policies() -> None:
    from moto.iam import models

    def init_aws_policies(self: Any) -> list[Any]:
        return [
            models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in _aws_managed_data().items()
        ]

    setattr(models.IAMBackend, "_init_aws_policies", init_aws_policies)  # noqa: B010


def patch_authorization_details_pages() -> None:
    from moto.core.responses import ActionResult
    from moto.iam.models import ManagedPolicy
    from moto.iam.responses import IamResponse

    # moto serializes ManagedPolicyDetail's PolicyName and PolicyId from these attribute names.
    setattr(ManagedPolicy, "policy_name", property(lambda policy: policy.name))  # noqa: B010
    setattr(ManagedPolicy, "policy_id", property(lambda policy: policy.id))  # noqa: B010

    lists = (("UserDetailList", "users"), ("GroupDetailList", "groups"), ("RoleDetailList", "roles"))

    def get_account_authorization_details(self: Any) -> Any:
        details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
        items = [(name, item) for name, key in lists for item in details[key]]
        items += [("Policies", item) for item in details["managed_policies"]]
        start = int(self._get_param("Marker") or 0)
        size = int(self._get_param("MaxItems") or PAGE_SIZE)
        result: dict[str, Any] = {name: [] for name, _ in lists} | {"Policies": []}
        for name, item in items[start : start + size]:
            result[name].append(item)
        truncated = start + size < len(items)
        result["IsTruncated"] = truncated
        if truncated:
            result["Marker"] = str(start + size)
        return ActionResult(result)

    setattr(IamResponse, "get_account_authorization_details", get_account_authorization_details)  # noqa: B010


def patch_moto_iam() -> None:
    patch_aws_managed_policies()
    patch_authorization_details_pages()
