"""The JupiterOne types of the organization and account jobs (reference/jupiterone-aws-types.md);
each resource module under aws/resources declares its own.

Users' saved queries and rules depend on these names: change them only on purpose.
"""

from __future__ import annotations

from graph_aws.model import EntityType, RelationshipType

ACCOUNT = EntityType("Account", "aws_account", ("Account",))
# The data model's Account requires `vendor`, "the canonical full name of the vendor".
AWS_VENDOR = "Amazon Web Services"
ORGANIZATION = EntityType("Organization", "aws_organization", ("Organization",))
ORGANIZATION_ROOT = EntityType("Organization Root", "aws_organization_root", ("Organization",))
ORGANIZATIONAL_UNIT = EntityType("Organizational Unit", "aws_organizational_unit", ("Organization", "Group"))
ORGANIZATIONS_POLICY = EntityType("Service Control Policy", "aws_organizations_policy", ("ControlPolicy",))

ACCOUNT_HAS_ACCOUNT = RelationshipType(ACCOUNT, "HAS", ACCOUNT)  # management HAS member
ORGANIZATION_HAS_ROOT = RelationshipType(ORGANIZATION, "HAS", ORGANIZATION_ROOT)
ROOT_HAS_UNIT = RelationshipType(ORGANIZATION_ROOT, "HAS", ORGANIZATIONAL_UNIT)
UNIT_HAS_UNIT = RelationshipType(ORGANIZATIONAL_UNIT, "HAS", ORGANIZATIONAL_UNIT)
ROOT_HAS_ACCOUNT = RelationshipType(ORGANIZATION_ROOT, "HAS", ACCOUNT)
UNIT_HAS_ACCOUNT = RelationshipType(ORGANIZATIONAL_UNIT, "HAS", ACCOUNT)
ORGANIZATION_HAS_POLICY = RelationshipType(ORGANIZATION, "HAS", ORGANIZATIONS_POLICY)
POLICY_ENFORCES_ROOT = RelationshipType(ORGANIZATIONS_POLICY, "ENFORCES", ORGANIZATION_ROOT)
POLICY_ENFORCES_UNIT = RelationshipType(ORGANIZATIONS_POLICY, "ENFORCES", ORGANIZATIONAL_UNIT)
POLICY_ENFORCES_ACCOUNT = RelationshipType(ORGANIZATIONS_POLICY, "ENFORCES", ACCOUNT)


def account_key(partition: str, account_id: str) -> str:
    """`aws_account._key`: the account's root ARN, the same in the organization's and the account's jobs."""
    return f"arn:{partition}:iam::{account_id}:root"


def service_key(service: str, account_id: str) -> str:
    """Service entities have no ARN; one per service and account."""
    return f"aws_{service}:{account_id}"
