"""Account-level API objects -> entities and properties. Pure functions: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.model import Entity, make_entity


def to_account(*, account_id: str, partition: str, alias: str | None, summary: Mapping[str, int]) -> Entity:
    """The account as seen from inside it. Without `--organization` this is all there is; with it,
    the organization's view of the same `_key` is merged over it (its name wins)."""
    key = t.account_key(partition, account_id)
    return make_entity(
        key=key,
        type=t.ACCOUNT.type,
        classes=t.ACCOUNT.classes,
        name=alias or account_id,
        properties={
            "accountId": account_id,
            "id": account_id,
            "vendor": t.AWS_VENDOR,
            "arn": key,
            "alias": alias,
            # CIS 1.5 / 1.4: root MFA and root access keys, from GetAccountSummary.
            "mfaEnabled": _flag(summary, "AccountMFAEnabled"),
            "accountMfaEnabled": _flag(
                summary, "AccountMFAEnabled"
            ),  # the name JupiterOne's CIS rules return
            # Counts, as AWS gives them and JupiterOne's CIS rules compare them (`> 0`, `= 0`).
            "accountAccessKeysPresent": summary.get("AccountAccessKeysPresent"),
            "accountSigningCertificatesPresent": summary.get("AccountSigningCertificatesPresent"),
        },
    )


def to_mapped_account(*, account_id: str, partition: str) -> Entity:
    """An account that graph-aws knows only by its id (a role trusts it, a rule names it): JupiterOne's
    mapper makes these, with little more than `accountId` and `displayName`. When the account is
    ingested too, its own entity (the same _key) wins."""
    return make_entity(
        key=t.account_key(partition, account_id),
        type=t.ACCOUNT.type,
        classes=t.ACCOUNT.classes,
        name=account_id,
        properties={"accountId": account_id, "id": account_id, "vendor": t.AWS_VENDOR},
        mapped=True,
    )


def _flag(summary: Mapping[str, int], name: str) -> bool | None:
    return None if name not in summary else summary[name] > 0


def alternate_contact_properties(contact_type: str, contact: Mapping[str, Any] | None) -> dict[str, Any]:
    """`securityContactRegistered`, `securityContactEmail`, ... (CIS 1.2 reads the security contact)."""
    prefix = f"{contact_type.lower()}Contact"
    contact = contact or {}
    return {
        f"{prefix}Registered": bool(contact),
        f"{prefix}Name": contact.get("Name"),
        f"{prefix}Email": contact.get("EmailAddress"),
        f"{prefix}Phone": contact.get("PhoneNumber"),
        f"{prefix}Title": contact.get("Title"),
    }


def primary_contact_properties(contact: Mapping[str, Any] | None) -> dict[str, Any]:
    """The primary contact (CIS 1.1). `phone` is the name JupiterOne's CIS questions read."""
    contact = contact or {}
    return {
        "primaryContactRegistered": bool(contact),
        "contactFullName": contact.get("FullName"),
        "contactCompanyName": contact.get("CompanyName"),
        "phone": contact.get("PhoneNumber"),
        "contactCountryCode": contact.get("CountryCode"),
        "contactCity": contact.get("City"),
        "contactWebsiteUrl": contact.get("WebsiteUrl"),
    }
