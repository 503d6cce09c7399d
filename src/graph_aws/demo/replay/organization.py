"""A synthetic organization of N member accounts, answered as AWS Organizations answers (JSON 1.1),
paginated as AWS does (at most 20 a page, an opaque NextToken), and AssumeRole and
GetCallerIdentity as STS answers them (XML), with credentials that name their account.

The management account is 100000000000, the members 200000000000 + i; members sit in OUs of at
most 50 accounts under the root (half of those OUs nested one level down), and two service control
policies apply: AWS's FullAWSAccess on the root, a custom one on the first OU.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from graph_aws.demo.replay.wire import access_key_for

MANAGEMENT_ID = "100000000000"
FIRST_MEMBER = 200000000000
ORGANIZATION_ID = "o-replay0001"
ROOT_ID = "r-rply"
PAGE = 20  # AWS's largest page for these listings
ACCOUNTS_PER_OU = 50
JOINED = 1_600_000_000.0  # JSON-protocol timestamps are epoch seconds
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SCP_CONTENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
    }
)


class OrganizationsError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class SyntheticOrganization:
    members: int
    management_id: str = MANAGEMENT_ID
    denied: set[str] = field(default_factory=set)  # accounts whose role cannot be assumed

    def __post_init__(self) -> None:
        self.account_ids = [self.management_id] + [str(FIRST_MEMBER + i) for i in range(self.members)]
        units = max(1, -(-self.members // ACCOUNTS_PER_OU))
        self.units = [f"ou-rply-{i:08x}" for i in range(units)]
        # The second half of the OUs sit inside the first half; accounts are dealt out to all of them.
        self.parent_of_unit = {
            unit: (self.units[i - units // 2] if i >= max(1, units // 2) and units > 1 else ROOT_ID)
            for i, unit in enumerate(self.units)
        }
        self.parent_of_account = {self.management_id: ROOT_ID}
        for i, account in enumerate(self.account_ids[1:]):
            self.parent_of_account[account] = self.units[i % units]
        # Built once: a listing's pages are slices of these (10,000 accounts: 500 pages).
        self._accounts = [self.account(a) for a in self.account_ids]
        self._children: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        for parent in [ROOT_ID, *self.units]:
            units_here = [self.unit(u) for u in self.units if self.parent_of_unit[u] == parent]
            self._children[parent] = (units_here, [])
        for listed in self._accounts:
            self._children[self.parent_of_account[listed["Id"]]][1].append(listed)

    # ------------------------------------------------------------------ ARNs and shapes

    def _arn(self, kind: str, rest: str) -> str:
        return f"arn:aws:organizations::{self.management_id}:{kind}/{ORGANIZATION_ID}/{rest}"

    def account(self, account_id: str) -> dict[str, Any]:
        name = (
            "management"
            if account_id == self.management_id
            else f"member-{int(account_id) - FIRST_MEMBER:05d}"
        )
        return {
            "Id": account_id,
            "Arn": self._arn("account", account_id),
            "Email": f"{name}@example.com",
            "Name": name,
            "Status": "ACTIVE",
            "State": "ACTIVE",
            "JoinedMethod": "INVITED" if account_id == self.management_id else "CREATED",
            "JoinedTimestamp": JOINED,
        }

    def unit(self, unit_id: str) -> dict[str, Any]:
        return {"Id": unit_id, "Arn": self._arn("ou", unit_id), "Name": f"Unit {unit_id[-4:]}"}

    def _policies(self) -> list[dict[str, Any]]:
        return [
            {
                "Id": "p-FullAWSAccess",
                "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                "Name": "FullAWSAccess",
                "Description": "Allows access to every operation",
                "Type": "SERVICE_CONTROL_POLICY",
                "AwsManaged": True,
            },
            {
                "Id": "p-rplydeny1",
                "Arn": self._arn("policy", "service_control_policy/p-rplydeny1"),
                "Name": "DenyLeavingOrganization",
                "Description": "Members may not leave",
                "Type": "SERVICE_CONTROL_POLICY",
                "AwsManaged": False,
            },
        ]

    def _targets(self, policy_id: str) -> list[dict[str, Any]]:
        if policy_id == "p-FullAWSAccess":
            return [{"TargetId": ROOT_ID, "Arn": self._arn("root", ROOT_ID), "Name": "Root", "Type": "ROOT"}]
        first = self.units[0]
        return [
            {
                "TargetId": first,
                "Arn": self._arn("ou", first),
                "Name": self.unit(first)["Name"],
                "Type": "ORGANIZATIONAL_UNIT",
            }
        ]

    # ------------------------------------------------------------------ Organizations

    def organizations(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The answer to one Organizations call, or OrganizationsError."""
        if operation == "DescribeOrganization":
            return {
                "Organization": {
                    "Id": ORGANIZATION_ID,
                    "Arn": f"arn:aws:organizations::{self.management_id}:organization/{ORGANIZATION_ID}",
                    "FeatureSet": "ALL",
                    "MasterAccountArn": self._arn("account", self.management_id),
                    "MasterAccountId": self.management_id,
                    "MasterAccountEmail": "management@example.com",
                    "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
                }
            }
        if operation == "ListRoots":
            root = {"Id": ROOT_ID, "Arn": self._arn("root", ROOT_ID), "Name": "Root",
                    "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}  # fmt: skip
            return self._page("Roots", [root], params)
        if operation in ("ListOrganizationalUnitsForParent", "ListAccountsForParent"):
            children = self._children.get(str(params.get("ParentId")))
            if children is None:
                raise OrganizationsError("ParentNotFoundException", "no such parent")
            units, accounts = children
            if operation == "ListAccountsForParent":
                return self._page("Accounts", accounts, params)
            return self._page("OrganizationalUnits", units, params)
        if operation == "ListAccounts":
            return self._page("Accounts", self._accounts, params)
        if operation == "ListTagsForResource":
            if str(params.get("ResourceId")) not in self.parent_of_account:
                raise OrganizationsError("TargetNotFoundException", "no such account")
            return {"Tags": []}
        if operation == "ListPolicies":
            return self._page("Policies", self._policies(), params)
        if operation == "DescribePolicy":
            policy = next((p for p in self._policies() if p["Id"] == params.get("PolicyId")), None)
            if policy is None:
                raise OrganizationsError("PolicyNotFoundException", "no such policy")
            return {"Policy": {"PolicySummary": policy, "Content": SCP_CONTENT}}
        if operation == "ListTargetsForPolicy":
            return self._page("Targets", self._targets(str(params.get("PolicyId"))), params)
        raise OrganizationsError("UnsupportedAPIEndpointException", f"the replay does not answer {operation}")

    @staticmethod
    def _page(name: str, items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        size = min(int(params.get("MaxResults") or PAGE), PAGE)
        token = str(params.get("NextToken") or "")
        start = int(token.removeprefix("page-")) if token.startswith("page-") else 0
        page: dict[str, Any] = {name: items[start : start + size]}
        if start + size < len(items):
            page["NextToken"] = f"page-{start + size}"
        return page

    # ------------------------------------------------------------------ STS

    def caller_identity(self, account_id: str, assumed: bool) -> str:
        arn = (
            f"arn:aws:sts::{account_id}:assumed-role/replay/replay"
            if assumed
            else f"arn:aws:iam::{account_id}:user/replay"
        )
        return _sts(
            "GetCallerIdentity", f"<Arn>{arn}</Arn><UserId>AIDAREPLAY</UserId><Account>{account_id}</Account>"
        )

    def assume_role(self, form: dict[str, str]) -> tuple[int, str]:
        role_arn = form.get("RoleArn", "")
        parts = role_arn.split(":")
        account_id = parts[4] if len(parts) > 5 else ""
        if account_id not in self.parent_of_account or account_id in self.denied:
            message = escape(f"not authorized to perform sts:AssumeRole on {role_arn}")
            body = (
                f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                f"<Message>{message}</Message></Error><RequestId>replay</RequestId></ErrorResponse>"
            )
            return 403, body
        session = escape(form.get("RoleSessionName", "replay"))
        role = escape(parts[5].removeprefix("role/")) if len(parts) > 5 else "role"
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        result = (
            f"<Credentials><AccessKeyId>{access_key_for(account_id)}</AccessKeyId>"
            f"<SecretAccessKey>replay-secret</SecretAccessKey><SessionToken>replay-token</SessionToken>"
            f"<Expiration>{expires}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>AROAREPLAY:{session}</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{account_id}:assumed-role/{role}/{session}</Arn></AssumedRoleUser>"
        )
        return 200, _sts("AssumeRole", result)


def _sts(operation: str, result: str) -> str:
    return (
        f'<{operation}Response xmlns="{STS_NS}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>replay</RequestId></ResponseMetadata></{operation}Response>"
    )


def form_of(body: bytes) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
