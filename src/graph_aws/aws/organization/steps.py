"""The organization job: the organization, its tree, its accounts (with tags) and its SCPs.

Only list calls are used: ListAccounts for the membership, ListAccountsForParent while walking the
OUs for each account's place, so discovery costs ceil(N/20) + N ListTagsForResource calls plus a few
per OU and policy, never a DescribeAccount or ListParents per account.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.api import ORGANIZATIONS_PAGE_SIZE, error_code, paginate
from graph_aws.aws.organization import converters
from graph_aws.aws.selection import Decision, Selection
from graph_aws.aws.sessions import AccountSession
from graph_aws.engine import Step, StepContext
from graph_aws.model import make_relationship

# Job data keys shared between steps (constants, so a typo fails loudly instead of reading None).
ORGANIZATION = "organization"
PLACEMENT = "placement"
ACCOUNTS = "accounts"
LISTING_COMPLETE = "listing_complete"
UNITS = "units"  # the ids of the roots and OUs
SELECTION_MISMATCHES = "selection_mismatches"  # --skip-account/--skip-ou/--include-ou ids not found


@dataclass
class OrganizationResources:
    session: AccountSession
    partition: str
    caller_account_id: str  # the management (or delegated administrator) account we run as
    selection: Selection
    concurrency: int = 8


@dataclass(frozen=True)
class Placement:
    parent_id: str
    ancestors: tuple[str, ...]  # root first
    path: str  # Root/Engineering/Platform


@dataclass
class OrganizationAccount:
    """What the runner needs of each account the organization lists."""

    account_id: str
    name: str
    status: str
    decision: Decision
    is_management: bool
    tags: dict[str, str] = field(default_factory=dict)


def _organizations(context: StepContext) -> Any:
    resources: OrganizationResources = context.resources
    return resources.session.client("organizations")


def fetch_organization(context: StepContext) -> None:
    raw = _organizations(context).describe_organization()["Organization"]
    context.job_state.set_data(ORGANIZATION, raw)
    context.job_state.add_entity(converters.to_organization(raw))


def fetch_organization_tree(context: StepContext) -> None:
    """Walk the roots and OUs breadth first; record where each account sits."""
    resources: OrganizationResources = context.resources
    organizations = _organizations(context)
    state = context.job_state
    organization = state.get_data(ORGANIZATION)
    placement: dict[str, Placement] = {}
    units: set[str] = set()
    queue: deque[tuple[dict[str, Any], str, tuple[str, ...], str]] = deque()
    for root in paginate(organizations, "list_roots", "Roots"):
        root_entity = state.add_entity(converters.to_root(root))
        if organization:
            state.add_relationship(
                make_relationship(
                    from_type=t.ORGANIZATION.type,
                    from_key=organization["Arn"],
                    verb="HAS",
                    to_entity=root_entity,
                )
            )
        queue.append((root_entity, root["Id"], (root["Id"],), root_entity["name"]))
    while queue:
        parent, parent_id, ancestors, path = queue.popleft()
        units.add(parent_id)
        for unit in paginate(
            organizations,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=parent_id,
            PaginationConfig={"PageSize": ORGANIZATIONS_PAGE_SIZE},
        ):
            unit_path = f"{path}/{unit.get('Name') or unit['Id']}"
            unit_entity = state.add_entity(converters.to_organizational_unit(unit, parent_id, unit_path))
            state.add_relationship(make_relationship(from_entity=parent, verb="HAS", to_entity=unit_entity))
            queue.append((unit_entity, unit["Id"], (*ancestors, unit["Id"]), unit_path))
        for account in paginate(
            organizations,
            "list_accounts_for_parent",
            "Accounts",
            ParentId=parent_id,
            PaginationConfig={"PageSize": ORGANIZATIONS_PAGE_SIZE},
        ):
            placement[account["Id"]] = Placement(parent_id, ancestors, path)
            state.add_relationship(
                make_relationship(
                    from_entity=parent,
                    verb="HAS",
                    to_type=t.ACCOUNT.type,
                    to_key=t.account_key(resources.partition, account["Id"]),
                )
            )
    state.set_data(PLACEMENT, placement)
    state.set_data(UNITS, units)


def fetch_organization_accounts(context: StepContext) -> None:
    """Every account (ListAccounts to the last page), its tags, and whether it is to be ingested."""
    resources: OrganizationResources = context.resources
    organizations = _organizations(context)
    state = context.job_state
    organization = state.get_data(ORGANIZATION) or {}
    placement: dict[str, Placement] | None = state.get_data(PLACEMENT)
    listed = list(
        paginate(
            organizations, "list_accounts", "Accounts", PaginationConfig={"PageSize": ORGANIZATIONS_PAGE_SIZE}
        )
    )

    def tags_of(account_id: str) -> dict[str, str]:
        items = paginate(organizations, "list_tags_for_resource", "Tags", ResourceId=account_id)
        return {tag["Key"]: tag.get("Value", "") for tag in items}

    # One ListTagsForResource per account is the bulk of discovery; run them side by side.
    with ThreadPoolExecutor(max_workers=max(1, resources.concurrency), thread_name_prefix="tags") as pool:
        all_tags = list(pool.map(tags_of, [a["Id"] for a in listed]))

    management_id = organization.get("MasterAccountId") or resources.caller_account_id
    management_key = t.account_key(resources.partition, management_id)
    accounts: list[OrganizationAccount] = []
    for raw, tags in zip(listed, all_tags, strict=True):
        account_id = raw["Id"]
        is_management = account_id == management_id
        where = placement.get(account_id) if placement is not None else None
        decision = resources.selection.decide(
            account_id=account_id,
            status=converters.account_status(raw),
            tags=tags,
            ancestors=where.ancestors if where else (None if placement is None else ()),
            is_management=is_management,
        )
        entity = state.add_entity(
            converters.to_account(
                raw,
                partition=resources.partition,
                organization_id=organization.get("Id", ""),
                is_management=is_management,
                tags=tags,
                decision=decision,
                parent_id=where.parent_id if where else None,
                path=where.path if where else None,
            )
        )
        if not is_management:
            state.add_relationship(
                make_relationship(
                    from_type=t.ACCOUNT.type, from_key=management_key, verb="HAS", to_entity=entity
                )
            )
        accounts.append(
            OrganizationAccount(
                account_id=account_id,
                name=entity["name"],
                status=entity["status"],
                decision=decision,
                is_management=is_management,
                tags=tags,
            )
        )
    state.set_data(ACCOUNTS, accounts)
    state.set_data(LISTING_COMPLETE, True)
    mismatches = resources.selection.mismatches(
        account_ids={a.account_id for a in accounts},
        unit_ids=state.get_data(UNITS) if placement is not None else None,
        management_id=management_id,
    )
    for mismatch in mismatches:
        context.warn(mismatch)
    state.set_data(SELECTION_MISMATCHES, mismatches)


def fetch_organization_policies(context: StepContext) -> None:
    """Service control policies, their content, and what each is attached to."""
    resources: OrganizationResources = context.resources
    organizations = _organizations(context)
    state = context.job_state
    organization = state.get_data(ORGANIZATION) or {}
    target_types = {
        "ROOT": t.ORGANIZATION_ROOT.type,
        "ORGANIZATIONAL_UNIT": t.ORGANIZATIONAL_UNIT.type,
        "ACCOUNT": t.ACCOUNT.type,
    }
    try:
        policies = list(paginate(organizations, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY"))
    except Exception as error:
        if error_code(error) == "PolicyTypeNotEnabledException":
            return  # SCPs are off in this organization: there are none to record
        raise
    for summary in policies:
        content = organizations.describe_policy(PolicyId=summary["Id"])["Policy"].get("Content")
        policy = state.add_entity(converters.to_policy(summary, content))
        if organization:
            state.add_relationship(
                make_relationship(
                    from_type=t.ORGANIZATION.type, from_key=organization["Arn"], verb="HAS", to_entity=policy
                )
            )
        for target in paginate(organizations, "list_targets_for_policy", "Targets", PolicyId=summary["Id"]):
            target_type = target_types.get(target["Type"])
            if target_type is None:
                continue
            target_key = (
                t.account_key(resources.partition, target["TargetId"])
                if target["Type"] == "ACCOUNT"
                else target["Arn"]
            )
            state.add_relationship(
                make_relationship(from_entity=policy, verb="ENFORCES", to_type=target_type, to_key=target_key)
            )


ORGANIZATION_STEPS: tuple[Step, ...] = (
    Step(
        id="fetch-organization",
        name="Fetch the organization",
        handler=fetch_organization,
        entities=(t.ORGANIZATION,),
        permissions=("organizations:DescribeOrganization",),
    ),
    Step(
        id="fetch-organization-tree",
        name="Fetch roots and organizational units",
        handler=fetch_organization_tree,
        entities=(t.ORGANIZATION_ROOT, t.ORGANIZATIONAL_UNIT),
        relationships=(
            t.ORGANIZATION_HAS_ROOT,
            t.ROOT_HAS_UNIT,
            t.UNIT_HAS_UNIT,
            t.ROOT_HAS_ACCOUNT,
            t.UNIT_HAS_ACCOUNT,
        ),
        depends_on=("fetch-organization",),
        permissions=(
            "organizations:ListRoots",
            "organizations:ListOrganizationalUnitsForParent",
            "organizations:ListAccountsForParent",
        ),
    ),
    Step(
        id="fetch-organization-accounts",
        name="Fetch the organization's accounts and their tags",
        handler=fetch_organization_accounts,
        entities=(t.ACCOUNT,),
        relationships=(t.ACCOUNT_HAS_ACCOUNT,),
        depends_on=("fetch-organization", "fetch-organization-tree"),
        permissions=("organizations:ListAccounts", "organizations:ListTagsForResource"),
    ),
    Step(
        id="fetch-organization-policies",
        name="Fetch service control policies and their targets",
        handler=fetch_organization_policies,
        entities=(t.ORGANIZATIONS_POLICY,),
        relationships=(
            t.ORGANIZATION_HAS_POLICY,
            t.POLICY_ENFORCES_ROOT,
            t.POLICY_ENFORCES_UNIT,
            t.POLICY_ENFORCES_ACCOUNT,
        ),
        depends_on=("fetch-organization",),
        permissions=(
            "organizations:ListPolicies",
            "organizations:DescribePolicy",
            "organizations:ListTargetsForPolicy",
        ),
    ),
)
