"""An account job's first steps: the account's own properties and its contacts.

Each account job runs with that account's own credentials (the assumed role), so nothing here
needs the organization: it works the same for a single account without `--organization`.
"""

from __future__ import annotations

from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.account import converters
from graph_aws.aws.api import error_code, http_status
from graph_aws.aws.context import AccountResources
from graph_aws.engine import Step, StepContext

CONTACT_TYPES = ("SECURITY", "BILLING", "OPERATIONS")
NOT_REGISTERED_CODES = frozenset({"ResourceNotFoundException"})


def _not_registered(error: Exception) -> bool:
    """The Account API answers 404 ResourceNotFoundException when no contact is registered."""
    return error_code(error) in NOT_REGISTERED_CODES or http_status(error) == 404


def fetch_account(context: StepContext) -> None:
    resources: AccountResources = context.resources
    iam = resources.session.client("iam")
    aliases = iam.list_account_aliases().get("AccountAliases", [])
    summary = iam.get_account_summary().get("SummaryMap", {})
    context.job_state.add_entity(
        converters.to_account(
            account_id=resources.account_id,
            partition=resources.partition,
            alias=aliases[0] if aliases else None,
            summary=summary,
        )
    )


def fetch_account_contacts(context: StepContext) -> None:
    """Alternate contacts (CIS 1.2: security) and the primary contact (CIS 1.1) on the account."""
    resources: AccountResources = context.resources
    if context.job_state.find_entity(resources.account_key) is None:
        context.warn("no account entity to add contacts to (fetch-account failed)")
        return
    account = resources.session.client("account")
    properties: dict[str, Any] = {}
    for contact_type in CONTACT_TYPES:
        try:
            # An answer without its AlternateContact names no contact: as good as none registered.
            contact = account.get_alternate_contact(AlternateContactType=contact_type).get("AlternateContact")
        except Exception as error:
            if not _not_registered(error):
                raise
            contact = None
        properties.update(converters.alternate_contact_properties(contact_type, contact))
    try:
        primary = account.get_contact_information().get("ContactInformation")
    except Exception as error:
        if not _not_registered(error):
            raise
        primary = None
    properties.update(converters.primary_contact_properties(primary))
    context.job_state.enrich_entity(resources.account_key, properties)


ACCOUNT_STEPS: tuple[Step, ...] = (
    Step(
        id="fetch-account",
        name="Fetch the account's alias and root credentials summary",
        handler=fetch_account,
        entities=(t.ACCOUNT,),
        permissions=("iam:ListAccountAliases", "iam:GetAccountSummary"),
    ),
    Step(
        id="fetch-account-contacts",
        name="Fetch the account's primary and alternate contacts",
        handler=fetch_account_contacts,
        depends_on=("fetch-account",),
        permissions=("account:GetAlternateContact", "account:GetContactInformation"),
    ),
)

TESTED_WITH = {"aws_account": "moto, patched (account GetContactInformation)"}
