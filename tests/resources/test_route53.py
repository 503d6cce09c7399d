"""Route 53: zones, record sets (per zone) and registered domains, read once per account."""

from __future__ import annotations

import boto3
import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.route53 import STEPS
from graph_aws.demo.seeds.route53 import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
DOMAIN = f"graph-aws-demo-{ACCOUNT}.com"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def calls():
    made = []
    entries = [
        (f"before-call.{s}", lambda model, **_: made.append(model.name))
        for s in ("route53", "route53domains")
    ]
    botocore.handlers.BUILTIN_HANDLERS.extend(entries)
    yield made
    for entry in entries:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_zones_records_and_domains_once_per_account(run_steps, client, calls):
    seed(client, ACCOUNT, ["us-east-1"])
    calls.clear()
    result = run_steps(*(s.id for s in STEPS))  # two regions asked for; a global service is read once
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    assert sorted(calls) == [
        "ListDomains",
        "ListHostedZones",
        "ListResourceRecordSets",
        "ListResourceRecordSets",
    ]

    zones = {z["name"]: z for z in result.job_state.iter_entities("aws_route53_zone")}
    public, private = zones[DOMAIN], zones[f"internal.{DOMAIN}"]
    assert public["_key"] == public["arn"] == f"arn:aws:route53:::hostedzone/{public['zoneId']}"
    assert public["_class"] == ["DomainZone"] and public["domainName"] == DOMAIN and public["public"] is True
    assert private["privateZone"] is True and private["comment"] == "service discovery"
    assert "region" not in public and public["accountId"] == ACCOUNT

    records = {(r["name"], r["type"]): r for r in result.job_state.iter_entities("aws_route53_record")}
    www, wildcard, cdn = (
        records[f"www.{DOMAIN}", "A"],
        records[f"*.{DOMAIN}", "CNAME"],
        records[f"cdn.{DOMAIN}", "A"],
    )
    assert www["_key"] == f"{public['_key']}/recordset/www.{DOMAIN}/A" and www["_class"] == ["DomainRecord"]
    assert www["TTL"] == 300 and www["value"] == ["192.0.2.10"] and www["alias"] is False
    assert wildcard["value"] == [f"www.{DOMAIN}"]
    assert cdn["alias"] is True and cdn["value"] == cdn["aliasTarget"] == "d111111abcdef8.cloudfront.net"
    assert cdn["TTL"] == 0
    assert {(DOMAIN, "NS"), (DOMAIN, "SOA")} <= set(records)
    zone_has = ends(result, "aws_route53_zone_has_record")
    assert (public["_key"], www["_key"]) in zone_has and len(zone_has) == len(records)

    (domain,) = result.job_state.iter_entities("aws_route53_domain")
    assert domain["_class"] == ["Domain"] and domain["domainName"] == DOMAIN and domain["autoRenew"] is True
    assert isinstance(domain["expiresOn"], int) and domain["_key"] == f"aws_route53_domain:{ACCOUNT}:{DOMAIN}"
    assert len(ends(result, "aws_route53_has_domain")) == 1 and len(ends(result, "aws_route53_has_zone")) == 2


@pytest.fixture
def deny_domains():
    def hook(model, **_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.route53domains.ListDomains", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_denied_domains_cost_only_the_domains(run_steps, client, deny_domains):
    seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps(*(s.id for s in STEPS))
    failed = {r.id: r.error for r in result.step_results if r.status is StepStatus.FAILURE}
    assert failed == {
        "fetch-route53-domains": "fetch-route53-domains: us-east-1: access denied (AccessDeniedException); "
        "the role needs route53domains:ListDomains"
    }
    assert "aws_route53_domain" in result.partial_types and "aws_route53_record" not in result.partial_types
    assert len(list(result.job_state.iter_entities("aws_route53_zone"))) == 2


def test_no_domains_are_read_in_govcloud(run_steps, calls):
    """Route 53 Domains exists in the aws partition only: a GovCloud account reads its zones, and no
    domains, without failing."""
    boto3.client("route53", region_name="us-gov-west-1").create_hosted_zone(
        Name="gov.example.com", CallerReference="1"
    )
    result = run_steps(
        *(s.id for s in STEPS), regions=("us-gov-west-1",), partition="aws-us-gov", home="us-gov-west-1"
    )
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    (zone,) = result.job_state.iter_entities("aws_route53_zone")
    assert zone["_key"].startswith("arn:aws-us-gov:route53:::hostedzone/")
    assert "ListDomains" not in calls and list(result.job_state.iter_entities("aws_route53_domain")) == []


def test_names_are_unescaped_only_where_route53_escapes():
    from graph_aws.aws.resources.route53 import dns_name

    assert dns_name("\\052.example.com.") == "*.example.com"  # Route 53's octal escape of '*'
    # A backslash before digits that are not octal is no escape: the name is kept as AWS sent it.
    assert dns_name("a\\479.example.com.") == "a\\479.example.com"
