"""IAM identity providers: OpenID Connect (one GetOpenIDConnectProvider each: the list gives ARNs
only) and SAML (the list gives what is recorded: the metadata document is left out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.iam.service import IAM, OIDC_PROVIDER, SAML_PROVIDER, required, web_link
from graph_aws.aws.resources.registry import Where, one_item
from graph_aws.engine import Step, StepContext
from graph_aws.model import Entity, epoch_millis, make_entity, make_relationship

# The data model's Service requires a category and a function: an identity provider is both security
# infrastructure and IAM.
IDENTITY_PROVIDER_SERVICE = {"category": ["security"], "function": ["IAM"]}


def to_oidc_provider(arn: str, raw: Mapping[str, Any], where: Where) -> Entity:
    url = str(raw.get("Url") or arn.split("oidc-provider/", 1)[-1])
    return make_entity(
        key=arn,
        type=OIDC_PROVIDER.type,
        classes=OIDC_PROVIDER.classes,
        name=url,
        properties={
            "arn": arn,
            "url": url if url.startswith("https://") else f"https://{url}",
            "clientIds": list(raw.get("ClientIDList") or []) or None,
            "thumbprints": list(raw.get("ThumbprintList") or []) or None,
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "webLink": web_link(where.partition, "identity_providers", arn),
            **IDENTITY_PROVIDER_SERVICE,
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def to_saml_provider(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = required(raw, "Arn", "a SAML provider")
    return make_entity(
        key=arn,
        type=SAML_PROVIDER.type,
        classes=SAML_PROVIDER.classes,
        name=arn.split("saml-provider/", 1)[-1],
        properties={
            "arn": arn,
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "validUntil": epoch_millis(raw.get("ValidUntil")),
            "webLink": web_link(where.partition, "identity_providers", arn),
            **IDENTITY_PROVIDER_SERVICE,
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def fetch_identity_providers(context: StepContext) -> None:
    resources: AccountResources = context.resources
    iam = resources.session.client("iam")
    where = Where(resources.account_id, resources.partition, resources.session.region)
    found = []
    for item in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", []):
        with one_item(context, "an OpenID Connect provider"):
            arn = required(item, "Arn", "an OpenID Connect provider")  # the next call names it
            detail = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
            found.append(to_oidc_provider(arn, detail, where))
    for raw in iam.list_saml_providers().get("SAMLProviderList", []):
        with one_item(context, "a SAML provider"):
            found.append(to_saml_provider(raw, where))
    for provider in found:
        with one_item(context, provider["_key"]):
            context.job_state.add_entity(provider)
            context.job_state.add_relationship(
                make_relationship(
                    from_type=IAM.entity.type,
                    from_key=IAM.key_of(resources.account_id),
                    verb="HAS",
                    to_entity=provider,
                )
            )


IDENTITY_PROVIDERS_STEP = Step(
    id="fetch-iam-identity-providers",
    name="Fetch IAM OpenID Connect and SAML identity providers",
    handler=fetch_identity_providers,
    entities=(OIDC_PROVIDER, SAML_PROVIDER),
    relationships=(IAM.has(OIDC_PROVIDER), IAM.has(SAML_PROVIDER)),
    depends_on=(IAM.step_id,),
    permissions=(
        "iam:ListOpenIDConnectProviders",
        "iam:GetOpenIDConnectProvider",
        "iam:ListSAMLProviders",
    ),
)
