"""ACM: certificates of every key type, with expiry, issuer and use."""

from __future__ import annotations

import botocore.handlers
import pytest

from graph_aws.demo.seeds.acm import demo_certificate
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_certificates_carry_expiry_issuer_and_use(run_steps, client):
    certificate, key = demo_certificate()  # an EC certificate: left out unless every key type is asked for
    imported = client("acm", "us-east-1").import_certificate(
        Certificate=certificate, PrivateKey=key, Tags=[{"Key": "owner", "Value": "web"}]
    )["CertificateArn"]
    requested = client("acm", "eu-west-1").request_certificate(DomainName="shop.example.com")[
        "CertificateArn"
    ]
    client("acm", "ap-south-1").request_certificate(DomainName="not-asked-for.example.com")
    result = run_steps("fetch-acm-certificates")
    assert (
        next(r for r in result.step_results if r.id == "fetch-acm-certificates").status is StepStatus.SUCCESS
    )
    found = {c["_key"]: c for c in result.job_state.iter_entities("aws_acm_certificate")}
    assert set(found) == {imported, requested}
    cert = found[imported]
    assert cert["arn"] == imported and cert["_class"] == ["Certificate"]
    assert cert["accountId"] == ACCOUNT and cert["region"] == "us-east-1"
    assert (
        cert["domainName"] == "demo.graph-aws.example.com" and cert["issuer"] == "demo.graph-aws.example.com"
    )
    assert cert["status"] == "ISSUED" and cert["active"] is True and cert["type"] == "IMPORTED"
    assert cert["inUse"] is False and cert["renewalEligibility"] == "INELIGIBLE"
    assert isinstance(cert["expiresOn"], int) and cert["expiresOn"] > cert["notBefore"]
    assert cert["keyAlgorithm"] == "EC_prime256v1" and cert["tag.owner"] == "web"
    pending = found[requested]
    assert (
        pending["status"] == "PENDING_VALIDATION"
        and pending["active"] is False
        and pending["issuer"] == "Amazon"
    )
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_acm_has_certificate"]
    assert {r["_toEntityKey"] for r in has} == {imported, requested}


@pytest.fixture
def describe_without_certificate():
    entry = ("after-call.acm.DescribeCertificate", lambda parsed, **_: parsed.pop("Certificate", None))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_certificate_whose_description_has_no_certificate_keeps_what_the_list_said(
    run_steps, client, describe_without_certificate
):
    arn = client("acm", "us-east-1").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    result = run_steps("fetch-acm-certificates", regions=("us-east-1",))
    step = next(r for r in result.step_results if r.id == "fetch-acm-certificates")
    assert step.status is StepStatus.SUCCESS
    (certificate,) = result.job_state.iter_entities("aws_acm_certificate")
    assert certificate["_key"] == arn and certificate["domainName"] == "shop.example.com"
    assert "issuer" not in certificate  # only DescribeCertificate says
    assert step.warnings == [f"us-east-1: {arn}: DescribeCertificate gave no Certificate"]
