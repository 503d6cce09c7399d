"""Users, groups, roles and customer-managed policies, with their inline and attached policies and
every document, from GetAccountAuthorizationDetails: a page per hundred or so objects instead of a
dozen calls per user, group and role.

Its pages are read to the end first: a user's groups may come on a later page than the user.
AWS-managed policies are left out of the listing (their documents are the same in every account:
policies.py reads each once per run); the account's attachments of them become entities here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.iam.groups import to_iam_group
from graph_aws.aws.resources.iam.policies import (
    AWS_MANAGED_ATTACHMENTS,
    inline_policy_key,
    to_aws_managed_policy,
    to_iam_policy,
    to_inline_policy,
)
from graph_aws.aws.resources.iam.roles import (
    TRUSTED_TYPES,
    mapped_trust_target,
    to_iam_role,
    to_instance_profile,
    trusted,
)
from graph_aws.aws.resources.iam.service import (
    IAM,
    IAM_GROUP,
    IAM_GROUP_POLICY,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_USER,
    IAM_USER_POLICY,
    INSTANCE_PROFILE,
    is_aws_managed,
    policy_key,
    required,
)
from graph_aws.aws.resources.iam.users import to_iam_user
from graph_aws.aws.resources.registry import Where, one_item
from graph_aws.engine import JobState, Step, StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_relationship

# Everything but AWS-managed policies (see the module docstring).
FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]
LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
INSTANCE_PROFILE_ROLES = "iam-instance-profile-roles"  # job data: {profile ARN: [role ARN]}

OWNERS = ((IAM_USER, IAM_USER_POLICY), (IAM_GROUP, IAM_GROUP_POLICY), (IAM_ROLE, IAM_ROLE_POLICY))


def read_details(iam: Any) -> dict[str, list[Mapping[str, Any]]]:
    details: dict[str, list[Mapping[str, Any]]] = {name: [] for name in LISTS}
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=FILTER):
        for name in LISTS:
            details[name].extend(page.get(name) or [])
    return details


class _Builder:
    """Adds one account's IAM objects to the job, each under aws_iam."""

    def __init__(self, context: StepContext, where: Where, principal_arns: set[str]) -> None:
        self.context = context
        self.state: JobState = context.job_state
        self.where = where
        self.principal_arns = principal_arns
        self.service_key = IAM.key_of(where.account_id)
        self.aws_managed: Counter[str] = Counter()
        self.aws_managed_names: dict[str, str] = {}

    def add(self, entity: Entity) -> Entity:
        self.state.add_entity(entity)
        self.link(IAM.entity.type, self.service_key, "HAS", entity)
        return entity

    def link(self, from_type: str, from_key: str, verb: str, to_entity: Entity) -> None:
        self.state.add_relationship(
            make_relationship(from_type=from_type, from_key=from_key, verb=verb, to_entity=to_entity)
        )

    def assign_policies(
        self, owner: Entity, inline: EntityType, raw: Mapping[str, Any], list_name: str
    ) -> None:
        """The owner is ASSIGNED each managed policy it attaches and each inline policy it holds."""
        for attached in raw.get("AttachedManagedPolicies") or []:
            with one_item(self.context, owner["_key"]):
                arn = required(attached, "PolicyArn", "an attached policy")
                if is_aws_managed(arn):
                    self.aws_managed[arn] += 1
                    self.aws_managed_names[arn] = attached.get("PolicyName") or arn.rsplit("/", 1)[-1]
                self.state.add_relationship(
                    make_relationship(
                        from_entity=owner,
                        verb="ASSIGNED",
                        to_type=IAM_POLICY.type,
                        to_key=policy_key(self.where.account_id, arn),
                    )
                )
        for item in raw.get(list_name) or []:
            with one_item(self.context, owner["_key"]):
                name = required(item, "PolicyName", "an inline policy")  # its name is its key
                key = inline_policy_key(owner["_key"], name, self.principal_arns)
                policy = self.add(
                    to_inline_policy(inline, owner, name, item.get("PolicyDocument"), key, self.where)
                )
                self.state.add_relationship(
                    make_relationship(from_entity=owner, verb="ASSIGNED", to_entity=policy)
                )

    def groups(self, raws: Sequence[Mapping[str, Any]]) -> dict[str, Entity]:
        by_name = {}
        for raw in raws:
            with one_item(self.context, "an IAM group"):
                group = self.add(to_iam_group(raw, self.where))
                by_name[raw["GroupName"]] = group
                self.assign_policies(group, IAM_GROUP_POLICY, raw, "GroupPolicyList")
        return by_name

    def users(self, raws: Sequence[Mapping[str, Any]], groups: Mapping[str, Entity]) -> None:
        members: Counter[str] = Counter()
        for raw in raws:
            with one_item(self.context, "an IAM user"):
                user = self.add(to_iam_user(raw, self.where))
                for group_name in dict.fromkeys(raw.get("GroupList") or []):
                    if group_name in groups:
                        self.state.add_relationship(
                            make_relationship(from_entity=groups[group_name], verb="HAS", to_entity=user)
                        )
                        members[group_name] += 1
                self.assign_policies(user, IAM_USER_POLICY, raw, "UserPolicyList")
        for name, group in groups.items():
            self.state.enrich_entity(group["_key"], {"userCount": members[name]})

    def roles(self, raws: Sequence[Mapping[str, Any]]) -> None:
        profile_roles: dict[str, list[str]] = {}
        for raw in raws:
            with one_item(self.context, "an IAM role"):
                self.role(raw, profile_roles)
        self.state.set_data(INSTANCE_PROFILE_ROLES, profile_roles)

    def role(self, raw: Mapping[str, Any], profile_roles: dict[str, list[str]]) -> None:
        role = self.add(to_iam_role(raw, self.where))
        for type, key, principal in trusted(raw.get("AssumeRolePolicyDocument"), self.where):
            with one_item(self.context, role["_key"]):
                # What the role trusts outside this account is mapped: one entity per key, however
                # many roles trust it (its own entity wins where it is ingested too).
                target = mapped_trust_target(type, key, principal, self.where)
                if target is not None:
                    self.state.add_mapped_entity(target)
                self.state.add_relationship(
                    make_relationship(from_entity=role, verb="TRUSTS", to_type=type.type, to_key=key)
                )
        self.assign_policies(role, IAM_ROLE_POLICY, raw, "RolePolicyList")
        for raw_profile in raw.get("InstanceProfileList") or []:
            with one_item(self.context, role["_key"]):
                arn = required(raw_profile, "Arn", "an instance profile")
                profile = self.state.find_entity(arn) or self.add(
                    to_instance_profile(raw_profile, self.where)
                )
                self.state.add_relationship(
                    make_relationship(from_entity=profile, verb="CONTAINS", to_entity=role)
                )
                profile_roles.setdefault(arn, []).append(role["_key"])

    def policies(self, raws: Sequence[Mapping[str, Any]]) -> None:
        for raw in raws:
            with one_item(self.context, "a managed policy"):
                if not is_aws_managed(required(raw, "Arn", "a managed policy")):
                    self.add(to_iam_policy(raw, self.where))
        for arn, count in sorted(self.aws_managed.items()):
            with one_item(self.context, arn):
                self.add(to_aws_managed_policy(arn, self.aws_managed_names[arn], count, self.where))
        self.state.set_data(AWS_MANAGED_ATTACHMENTS, dict(self.aws_managed))


def fetch_authorization_details(context: StepContext) -> None:
    resources: AccountResources = context.resources
    details = read_details(resources.session.client("iam"))
    where = Where(resources.account_id, resources.partition, resources.session.region)
    principal_arns = {
        raw["Arn"]
        for name in ("UserDetailList", "GroupDetailList", "RoleDetailList")
        for raw in details[name]
        if raw.get("Arn")
    }
    builder = _Builder(context, where, principal_arns)
    groups = builder.groups(details["GroupDetailList"])
    builder.users(details["UserDetailList"], groups)
    builder.roles(details["RoleDetailList"])
    builder.policies(details["Policies"])


AUTHORIZATION_DETAILS_STEP = Step(
    id="fetch-iam-authorization-details",
    name="Fetch IAM users, groups, roles and policies with their documents (GetAccountAuthorizationDetails)",
    handler=fetch_authorization_details,
    entities=(
        IAM_USER,
        IAM_GROUP,
        IAM_ROLE,
        IAM_POLICY,
        IAM_USER_POLICY,
        IAM_GROUP_POLICY,
        IAM_ROLE_POLICY,
        INSTANCE_PROFILE,
    ),  # and the mapped entities that roles trust (service principals, other accounts' principals)
    relationships=(
        *(IAM.has(type) for type in (IAM_USER, IAM_GROUP, IAM_ROLE, IAM_POLICY, INSTANCE_PROFILE)),
        *(IAM.has(inline) for _, inline in OWNERS),
        RelationshipType(IAM_GROUP, "HAS", IAM_USER),
        # owner ASSIGNED aws_iam_policy and owner ASSIGNED its inline policy generate the same _type
        # (aws_iam_user_assigned_policy), so it is declared once per owner.
        *(RelationshipType(owner, "ASSIGNED", IAM_POLICY) for owner, _ in OWNERS),
        *(RelationshipType(IAM_ROLE, "TRUSTS", target) for target in TRUSTED_TYPES),
        RelationshipType(INSTANCE_PROFILE, "CONTAINS", IAM_ROLE),
    ),
    depends_on=(IAM.step_id,),
    permissions=("iam:GetAccountAuthorizationDetails",),
)
