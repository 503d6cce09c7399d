"""ACM: certificates, with expiry, issuer and whether anything uses them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity, tag_properties

ACM = ServiceSpec(
    "acm", "ACM", EntityType("ACM", "aws_acm", ("Service",)), function=("certificate-management",)
)
ACM_CERTIFICATE = EntityType("ACM Certificate", "aws_acm_certificate", ("Certificate",))

# Without a filter ListCertificates returns RSA-2048 certificates only.
ALL_KEY_TYPES = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)


def certificate_properties(raw: Mapping[str, Any]) -> dict[str, Any]:
    """From a ListCertificates summary or a DescribeCertificate answer: both use these names."""
    in_use = raw.get("InUse")
    if in_use is None and "InUseBy" in raw:  # DescribeCertificate lists the users instead
        in_use = bool(raw["InUseBy"])
    return {
        "domainName": raw.get("DomainName"),
        "status": raw.get("Status"),
        "active": raw["Status"] == "ISSUED" if raw.get("Status") else None,
        "type": raw.get("Type"),
        "keyAlgorithm": raw.get("KeyAlgorithm"),
        "inUse": in_use,
        "renewalEligibility": raw.get("RenewalEligibility"),
        "createdOn": epoch_millis(raw.get("CreatedAt")),
        "issuedOn": epoch_millis(raw.get("IssuedAt")),
        "importedOn": epoch_millis(raw.get("ImportedAt")),
        "notBefore": epoch_millis(raw.get("NotBefore")),
        "expiresOn": epoch_millis(raw.get("NotAfter")),
    }


def to_acm_certificate(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["CertificateArn"],
        type=ACM_CERTIFICATE.type,
        classes=ACM_CERTIFICATE.classes,
        name=raw.get("DomainName") or raw["CertificateArn"],
        properties={
            "arn": raw["CertificateArn"],
            **certificate_properties(raw),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_certificate(
    context: StepContext, acm: Any, where: Where, raw: Mapping[str, Any], certificate: Entity
) -> None:
    detail = acm.describe_certificate(CertificateArn=raw["CertificateArn"]).get("Certificate")
    if detail is None:  # nothing more is known of it than the list said
        context.warn(f"{where.region}: {certificate['_key']}: DescribeCertificate gave no Certificate")
        detail = {}
    tags = acm.list_tags_for_certificate(CertificateArn=raw["CertificateArn"]).get("Tags")
    context.job_state.enrich_entity(
        certificate["_key"],
        {
            **certificate_properties(detail),
            "issuer": detail.get("Issuer"),
            "subject": detail.get("Subject"),
            "serial": detail.get("Serial"),
            "signatureAlgorithm": detail.get("SignatureAlgorithm"),
            "subjectAlternativeNames": detail.get("SubjectAlternativeNames") or None,
            "inUseBy": detail.get("InUseBy") or None,
            "renewalStatus": (detail.get("RenewalSummary") or {}).get("RenewalStatus"),
            **tag_properties(tags),
        },
    )


ACM_CERTIFICATES = ResourceSpec(
    step_id="fetch-acm-certificates",
    name="Fetch ACM certificates",
    service=ACM,
    client="acm",
    operation="list_certificates",
    result_key="CertificateSummaryList",
    parameters={"Includes": {"keyTypes": list(ALL_KEY_TYPES)}},
    entity=ACM_CERTIFICATE,
    convert=to_acm_certificate,
    enrich=enrich_certificate,
    permissions=("acm:ListCertificates", "acm:DescribeCertificate", "acm:ListTagsForCertificate"),
)

STEPS = (ACM.step(), resource_step(ACM_CERTIFICATES))
