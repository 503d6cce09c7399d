"""CloudFront distributions and origins with what they serve and what protects them; WAF web ACLs
(v2 and classic, on moto patched for what it lacks) and the load balancers they protect."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.cloudfront import origin_targets
from graph_aws.aws.resources.registry import Where
from graph_aws.demo.seeds import acm, autoscaling, cloudfront, ec2, elb, waf
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def of_type(result, type_):
    return [r for r in result.job_state.relationships() if r["_type"] == type_]


@pytest.fixture
def distributions(client):
    for module in (acm, cloudfront):
        module.seed(client, ACCOUNT, ["us-east-1"])


def test_distributions_their_origins_and_what_they_connect(run_steps, distributions):
    result = run_steps("fetch-cloudfront-distributions")
    assert status(result, "fetch-cloudfront-distributions").status is StepStatus.SUCCESS
    found = {d["description"]: d for d in result.job_state.iter_entities("aws_cloudfront_distribution")}
    site, legacy = found[f"graph-aws-demo-site-{ACCOUNT}"], found[f"graph-aws-demo-legacy-{ACCOUNT}"]
    assert site["_key"] == site["arn"] == f"arn:aws:cloudfront::{ACCOUNT}:distribution/{site['id']}"
    assert site["_class"] == ["Gateway"] and site["public"] is True and site["accountId"] == ACCOUNT
    assert site["active"] is True and site["defaultRootObject"] == "index.html" and "region" not in site
    assert site["viewerProtocolPolicy"] == "redirect-to-https" and site["originCount"] == 2
    # No default root object: what cloudfront-default-root-object-configured looks for, as ''.
    assert legacy["defaultRootObject"] == "" and legacy["active"] is False
    origins = {o["originId"]: o for o in result.job_state.iter_entities("aws_cloudfront_distribution_origin")}
    assert origins["site"]["_key"] == f"{site['_key']}/origin/site"
    assert origins["site"]["_class"] == ["Configuration"] and origins["site"]["originType"] == "s3"
    assert origins["api"]["originProtocolPolicy"] == "https-only" and origins["api"]["originPath"] == "/prod"
    has = {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in of_type(result, "aws_cloudfront_distribution_has_origin")
    }
    assert (site["_key"], origins["site"]["_key"]) in has and len(has) == 3
    (bucket,) = of_type(result, "aws_cloudfront_distribution_connects_s3_bucket")
    assert bucket["_toEntityKey"] == f"arn:aws:s3:::graph-aws-site-{ACCOUNT}-us-east-1"
    assert not of_type(result, "aws_cloudfront_distribution_connects_api_gateway_rest_api")  # not yet
    (certificate,) = of_type(result, "aws_cloudfront_distribution_uses_acm_certificate")
    assert certificate["_toEntityKey"].startswith(f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/")
    (edge,) = of_type(result, "aws_cloudfront_distribution_triggers_lambda_function")
    assert (
        edge["_toEntityKey"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:graph-aws-demo"
    )  # unversioned
    (v2,) = of_type(result, "aws_waf_v2_web_acl_protects_cloudfront_distribution")
    assert v2["_toEntityKey"] == site["_key"] and ":wafv2:us-east-1:" in v2["_fromEntityKey"]
    (classic,) = of_type(result, "aws_waf_web_acl_protects_cloudfront_distribution")
    assert classic["_toEntityKey"] == legacy["_key"]
    assert classic["_fromEntityKey"].startswith(f"arn:aws:waf::{ACCOUNT}:webacl/")
    # The Internet reaches the enabled distribution only.
    assert [r["_toEntityKey"] for r in of_type(result, "internet_connects_aws_cloudfront_distribution")] == [
        site["_key"]
    ]


@pytest.mark.parametrize(
    ("domain", "bucket"),
    [
        ("assets.s3.amazonaws.com", "assets"),
        ("my.dotted.bucket.s3.eu-west-1.amazonaws.com", "my.dotted.bucket"),
        ("site.s3-website-us-west-2.amazonaws.com", "site"),
        ("site.s3-website.eu-central-1.amazonaws.com", "site"),
        ("www.example.com", None),
    ],
)
def test_s3_origins_are_known_by_their_domain(domain, bucket):
    targets = list(origin_targets({"Id": "o", "DomainName": domain}, Where(ACCOUNT, "aws", "us-east-1")))
    assert targets == ([] if bucket is None else [(targets[0][0], f"arn:aws:s3:::{bucket}")])


@pytest.fixture
def protected(client):
    for module in (acm, autoscaling, ec2, elb, cloudfront, waf):
        module.seed(client, ACCOUNT, ["us-east-1"])


def test_web_acls_and_the_load_balancers_they_protect(run_steps, protected):
    steps = (
        "fetch-wafv2-web-acls",
        "fetch-wafv2-cloudfront-web-acls",
        "fetch-waf-web-acls",
        "fetch-waf-regional-web-acls",
    )
    result = run_steps(*steps, "fetch-elb-load-balancers", regions=("us-east-1",))
    for step_id in steps:
        assert status(result, step_id).status is StepStatus.SUCCESS, step_id
    v2 = {a["name"]: a for a in result.job_state.iter_entities("aws_waf_v2_web_acl")}
    regional, edge = v2["graph-aws-demo-regional"], v2[waf.CLOUDFRONT_V2_ACL]
    assert (
        regional["_class"] == ["Firewall"]
        and regional["scope"] == "REGIONAL"
        and regional["region"] == "us-east-1"
    )
    assert regional["_key"].startswith(f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/")
    assert edge["scope"] == "CLOUDFRONT" and ":global/webacl/" in edge["_key"] and "region" not in edge
    classic = {a["name"]: a for a in result.job_state.iter_entities("aws_waf_web_acl")}
    assert classic[waf.CLASSIC_GLOBAL_ACL]["_key"].startswith(f"arn:aws:waf::{ACCOUNT}:webacl/")
    assert classic["graph-aws-demo-classic-regional"]["_key"].startswith(
        f"arn:aws:waf-regional:us-east-1:{ACCOUNT}:webacl/"
    )
    albs = {b["name"]: b["_key"] for b in result.job_state.iter_entities("aws_alb")}
    (v2_protects,) = of_type(result, "aws_waf_v2_web_acl_protects_alb")
    assert (v2_protects["_fromEntityKey"], v2_protects["_toEntityKey"]) == (
        regional["_key"],
        albs["graph-aws-demo-app"],
    )
    (classic_protects,) = of_type(result, "aws_waf_web_acl_protects_alb")
    assert classic_protects["_toEntityKey"] == albs[waf.ADMIN_LOAD_BALANCER]
    assert (
        len(of_type(result, "aws_waf_v2_has_web_acl")) == 2
        and len(of_type(result, "aws_waf_has_web_acl")) == 2
    )


@pytest.fixture
def deny_wafv2_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.wafv2.ListWebACLs", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, protected, deny_wafv2_in_eu):
    result = run_steps("fetch-wafv2-web-acls", "fetch-wafv2-cloudfront-web-acls")
    step = status(result, "fetch-wafv2-web-acls")
    assert step.error == (
        "fetch-wafv2-web-acls: eu-west-1: access denied (AccessDeniedException); "
        "the role needs wafv2:ListWebACLs, wafv2:ListResourcesForWebACL"
    )
    assert {a["name"] for a in result.job_state.iter_entities("aws_waf_v2_web_acl")} == {
        "graph-aws-demo-regional",
        waf.CLOUDFRONT_V2_ACL,
    }
    assert status(result, "fetch-wafv2-cloudfront-web-acls").status is StepStatus.SUCCESS


def test_an_origin_without_its_id_costs_only_itself(run_steps, distributions):
    def hook(parsed, **_):
        for distribution in parsed["DistributionList"].get("Items") or []:
            for origin in distribution["Origins"]["Items"]:
                if origin["Id"] == "api":
                    del origin["Id"]

    entry = ("after-call.cloudfront.ListDistributions", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-cloudfront-distributions")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = status(result, "fetch-cloudfront-distributions")
    assert step.status is StepStatus.SUCCESS
    origins = {o["originId"] for o in result.job_state.iter_entities("aws_cloudfront_distribution_origin")}
    assert "api" not in origins and "site" in origins
    assert len(of_type(result, "aws_cloudfront_distribution_connects_s3_bucket")) == 1  # the rest is kept
    assert len(step.warnings) == 1
    assert "a CloudFront origin with an empty Id left out: it has no id" in step.warnings[0]
