"""An emulated AWS Organization on moto, for the demo, the tests and the benchmarks.

moto stands in for AWS with a few gaps (reference/moto-notes.md): GetContactInformation is missing,
ListAccounts pages of 100 hide pagination bugs and loop forever on equal timestamps, AssumeRole
never fails, and it is not thread-safe. `patch_moto` closes the first two and the last;
`deny_assume_role` makes AssumeRole fail for chosen accounts in-process (the fault-injecting proxy
does it for the server).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import boto3.session
import botocore.handlers
from botocore.exceptions import ClientError

from graph_aws.aws.botocore_sessions import new_botocore_session
from graph_aws.demo.seeds import seed_account

MEMBER_ROLE = "OrganizationAccountAccessRole"
SKIP_TAG = {"Key": "j1-integration", "Value": "SKIP"}


def patch_moto() -> None:
    """GetContactInformation/PutContactInformation, pagination by Id, and AWS's page size of 20."""
    from moto.account import urls
    from moto.account.exceptions import UnspecifiedContactType
    from moto.account.models import account_backends
    from moto.account.responses import AccountResponse
    from moto.organizations.utils import PAGINATION_MODEL

    def put(self: Any) -> str:
        account = self._get_param("AccountId") or self.current_account
        backend: Any = account_backends[account][self.partition]
        backend._contact_info = self._get_param("ContactInformation")
        return json.dumps({})

    def get(self: Any) -> str:
        account = self._get_param("AccountId") or self.current_account
        info = getattr(account_backends[account][self.partition], "_contact_info", None)
        if info is None:
            raise UnspecifiedContactType()
        return json.dumps({"ContactInformation": info})

    setattr(AccountResponse, "put_contact_information", put)  # noqa: B010 - moto lacks these methods
    setattr(AccountResponse, "get_contact_information", get)  # noqa: B010
    urls.url_paths["{0}/putContactInformation$"] = AccountResponse.dispatch
    urls.url_paths["{0}/getContactInformation$"] = AccountResponse.dispatch
    PAGINATION_MODEL["list_accounts"]["unique_attribute"] = "Id"
    PAGINATION_MODEL["list_accounts"]["limit_default"] = 20

    from graph_aws.demo.seeds.configservice import patch_moto_config_compliance

    patch_moto_config_compliance()  # moto has no DescribeComplianceByConfigRule

    from graph_aws.demo.seeds.iam.moto_patches import patch_moto_iam

    patch_moto_iam()  # a few AWS-managed policies; GetAccountAuthorizationDetails in pages, as AWS does

    from graph_aws.demo.seeds import patch_seeded_services

    patch_seeded_services()
    serialize_moto()


_MOTO_CALLS = threading.RLock()


def serialize_moto() -> None:
    """One moto call at a time, in-process and in moto's (threaded) server. moto is not thread-safe:
    a call that reads tags grows the dictionaries another thread's DescribeVolumes is iterating
    ("dictionary changed size during iteration"), which graph-aws's concurrent steps would hit in
    the demo and the tests though AWS never does. Idempotent."""
    from moto.core.botocore_stubber import BotocoreStubber

    targets: list[tuple[Any, str]] = [(BotocoreStubber, "process_request")]
    try:  # moto's server (moto[server], with Flask) is a test dependency; the demo runs in-process
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    except ImportError:
        pass
    else:
        targets.append((DomainDispatcherApplication, "__call__"))
    for cls, name in targets:
        original = getattr(cls, name)
        if getattr(original, "_graph_aws_serialized", False):
            continue

        def serialized(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _MOTO_CALLS:
                return _original(*args, **kwargs)

        serialized._graph_aws_serialized = True  # type: ignore[attr-defined]
        setattr(cls, name, serialized)


@contextmanager
def deny_assume_role(account_ids: Sequence[str]) -> Iterator[None]:
    """In-process only: every botocore session created inside the block gets AccessDenied from
    AssumeRole into these accounts, as a role with no trust for us would answer."""
    denied = set(account_ids)

    def hook(params: dict[str, Any], **_: Any) -> None:
        arn = str(params.get("RoleArn", ""))
        if any(f":{account}:" in arn for account in denied):
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDenied",
                        "Message": f"not authorized to perform sts:AssumeRole on {arn}",
                    }
                },
                "AssumeRole",
            )

    entry = ("before-parameter-build.sts.AssumeRole", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)


@dataclass
class EmulatedOrganization:
    management_id: str
    organization_id: str
    members: dict[str, str] = field(default_factory=dict)  # account id -> name
    ous: dict[str, str] = field(default_factory=dict)  # OU name -> id
    skipped: str = ""
    suspended: str = ""
    unreachable: str = ""
    users: dict[str, list[str]] = field(default_factory=dict)


def member_session(account_id: str) -> boto3.session.Session:
    """A session acting inside a member account (moto maps the assumed role's key to the account)."""
    sts = boto3.client("sts", region_name="us-east-1")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE}", RoleSessionName="graph-aws-emulator"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        botocore_session=new_botocore_session(),  # service models loaded once, not per account
    )


def member_client(service: str, account_id: str, region: str = "us-east-1") -> Any:
    return member_session(account_id).client(service, region_name=region)  # type: ignore[call-overload]


def build_organization(
    member_count: int = 25,
    *,
    users_per_account: int = 2,
    with_contacts: bool = True,
    resource_regions: Sequence[str] = (),
    seeded_members: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> EmulatedOrganization:
    """An organization with nested OUs (Engineering/Platform, Engineering/Data, Security, Sandbox),
    an SCP on Sandbox, IAM users and contacts in members, and three special members: one tagged
    j1-integration=SKIP, one suspended, and one meant to be unreachable (see deny_assume_role).
    With `resource_regions`, the management account and the first `seeded_members` members (all by
    default) also get resources of every collected type there."""
    org = boto3.client("organizations", region_name="us-east-1")
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    emulated = EmulatedOrganization(organization["MasterAccountId"], organization["Id"])

    def unit(name: str, parent: str) -> str:
        ou_id = str(org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"])
        emulated.ous[name] = ou_id
        return ou_id

    engineering = unit("Engineering", root_id)
    parents = [unit("Platform", engineering), unit("Data", engineering), unit("Security", root_id), root_id]
    sandbox = unit("Sandbox", root_id)
    policy = org.create_policy(
        Name="DenyLeavingOrganization",
        Description="Members may not leave",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["PolicySummary"]
    org.attach_policy(PolicyId=policy["Id"], TargetId=sandbox)

    for i in range(member_count):
        name = f"member-{i:03d}"
        tags = [{"Key": "team", "Value": f"team-{i % 4}"}]
        if i == 1:
            tags.append(SKIP_TAG)
        status = org.create_account(AccountName=name, Email=f"{name}@example.com", Tags=tags)[
            "CreateAccountStatus"
        ]
        account_id = status["AccountId"]
        emulated.members[account_id] = name
        target = sandbox if i in (1, 2) else parents[i % len(parents)]
        if target != root_id:
            org.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=target)
        if progress:
            progress(i + 1)

    ids = list(emulated.members)
    emulated.skipped, emulated.suspended, emulated.unreachable = ids[1], ids[2], ids[3]
    seeded = {emulated.management_id, *ids[:seeded_members]}
    for account_id in [emulated.management_id, *ids]:
        populate_account(emulated, account_id, users_per_account, with_contacts)
        if resource_regions and account_id in seeded:
            seed_account(_client_factory(emulated, account_id), account_id, list(resource_regions))
    org.close_account(AccountId=emulated.suspended)
    return emulated


def _client_factory(emulated: EmulatedOrganization, account_id: str) -> Callable[[str, str], Any]:
    """Clients inside one account, built once per service and region (seeds ask for them often)."""
    if account_id == emulated.management_id:
        session = boto3.session.Session(botocore_session=new_botocore_session())
    else:
        session = member_session(account_id)
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if (service, region) not in clients:
            clients[service, region] = session.client(service, region_name=region)  # type: ignore[call-overload]
        return clients[service, region]

    return client


def populate_account(
    emulated: EmulatedOrganization, account_id: str, users: int, with_contacts: bool
) -> None:
    """IAM users, an alias, and (for every other account) a security contact and a primary contact."""
    is_management = account_id == emulated.management_id
    iam = boto3.client("iam", region_name="us-east-1") if is_management else member_client("iam", account_id)
    names = [f"user-{n}" for n in range(users)]
    for user in names:
        iam.create_user(UserName=user, Tags=[{"Key": "owner", "Value": f"{user}@example.com"}])
    emulated.users[account_id] = names
    if not with_contacts or int(account_id) % 2:
        return
    account = (
        boto3.client("account", region_name="us-east-1")
        if is_management
        else member_client("account", account_id)
    )
    account.put_alternate_contact(
        AlternateContactType="SECURITY",
        Name="Security Team",
        Title="SecOps",
        EmailAddress="security@example.com",
        PhoneNumber="+1-555-0100",
    )
    account.put_contact_information(
        ContactInformation={
            "FullName": "Example Corp",
            "AddressLine1": "1 Main St",
            "City": "Springfield",
            "CountryCode": "US",
            "PostalCode": "12345",
            "PhoneNumber": "+1-555-0199",
        }
    )
