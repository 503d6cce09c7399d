"""The KMS key a resource is encrypted with, as the ARN the KMS step keys it by.

Services name their key in any of four ways: a key id, a key ARN, an alias name (`alias/aws/sns`,
the AWS-managed key most SNS topics use) or an alias ARN. An alias is resolved with KMS ListAliases,
listed at most once per account and region (several steps share the answer through the job's data),
and only when some resource names its key by alias.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import StepContext

LIST_ALIASES = "kms:ListAliases"

_CREATING = threading.Lock()


class _Aliases:
    """One account and region's alias names -> key ids, listed on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: dict[str, str] | None = None

    def targets(self, kms: Any) -> Mapping[str, str]:
        with self._lock:
            if self._targets is None:
                self._targets = {
                    alias["AliasName"]: alias["TargetKeyId"]
                    for alias in paginate(kms, "list_aliases", "Aliases")
                    if alias.get("TargetKeyId")
                }
            return self._targets


def _aliases(context: StepContext, region: str) -> _Aliases:
    name = f"kms-aliases:{region}"
    with _CREATING:
        aliases = context.job_state.get_data(name)
        if aliases is None:
            aliases = _Aliases()
            context.job_state.set_data(name, aliases)
    return aliases


def key_arn_of(context: StepContext, where: Where, reference: str | None) -> str | None:
    """The key's ARN, or None when there is no key or the alias points at none."""
    if not reference:
        return None
    region, account, resource = where.region, where.account_id, reference
    if reference.startswith("arn:"):
        parts = reference.split(":", 5)
        if len(parts) < 6:
            return None
        region, account, resource = parts[3], parts[4], parts[5]
        if resource.startswith("key/"):
            return reference
    if resource.startswith("alias/"):
        if account != where.account_id:
            return None  # another account's alias: not ours to list
        kms = context.resources.session.client("kms", region)
        key_id = _aliases(context, region).targets(kms).get(resource)
        if key_id is None:
            return None
        resource = key_id
    return f"arn:{where.partition}:kms:{region}:{account}:key/{resource.removeprefix('key/')}"
