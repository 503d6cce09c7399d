"""CloudFront: once per account, a distribution serving the S3 seed's public site bucket and an API's
domain, with an ACM certificate, a Lambda@Edge function and a CloudFront-scope WAF v2 ACL; and a
second, disabled one with no default root object, protected by a classic WAF ACL.

moto keeps no Lambda@Edge associations (it answers `{"Quantity": 0}`); `patch_moto` keeps them.
"""

from __future__ import annotations

from typing import Any

from graph_aws.demo.seeds import ClientFactory, waf


def patch_moto() -> None:
    from moto.cloudfront import models

    behavior = models.DefaultCacheBehaviour
    if getattr(behavior, "_graph_aws_keeps_lambda", False):
        return
    original = behavior.__init__

    def init(self: Any, config: dict[str, Any]) -> None:
        original(self, config)
        associations = config.get("LambdaFunctionAssociations") or {}
        items = associations.get("Items") or []
        if items:
            self.lambda_function_associations = {"Quantity": len(items), "Items": items}

    setattr(behavior, "__init__", init)  # noqa: B010
    setattr(behavior, "_graph_aws_keeps_lambda", True)  # noqa: B010


def _config(reference: str, origins: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": {
            "TargetOriginId": origins[0]["Id"],
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
        **extra,
    }


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    home = regions[-1]  # where the S3 seed's public site bucket is
    v2_acl, classic_acl = waf.cloudfront_acls(client)
    certificates = client("acm", "us-east-1").list_certificates()["CertificateSummaryList"]
    # The Lambda seed's function, as version 1: Lambda@Edge names a version, in us-east-1.
    edge = f"arn:aws:lambda:us-east-1:{account_id}:function:graph-aws-demo:1"
    site = _config(
        f"graph-aws-demo-site-{account_id}",
        [
            {
                "Id": "site",
                "DomainName": f"graph-aws-site-{account_id}-{home}.s3.{home}.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            },
            {
                "Id": "api",
                "DomainName": f"a1b2c3d4e5.execute-api.{home}.amazonaws.com",
                "OriginPath": "/prod",
                "CustomOriginConfig": {
                    "HTTPPort": 80,
                    "HTTPSPort": 443,
                    "OriginProtocolPolicy": "https-only",
                },
            },
        ],
        DefaultRootObject="index.html",
        WebACLId=v2_acl,
    )
    if certificates:  # CloudFront takes certificates from us-east-1 only
        site["ViewerCertificate"] = {
            "ACMCertificateArn": certificates[0]["CertificateArn"],
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    site["DefaultCacheBehavior"]["LambdaFunctionAssociations"] = {
        "Quantity": 1,
        "Items": [{"LambdaFunctionARN": edge, "EventType": "viewer-request"}],
    }
    cloudfront = client("cloudfront", "us-east-1")
    cloudfront.create_distribution(DistributionConfig=site)
    legacy = _config(
        f"graph-aws-demo-legacy-{account_id}",
        [
            {
                "Id": "legacy",
                "DomainName": "legacy.example.com",
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"},
            }
        ],
        WebACLId=classic_acl,
    )
    legacy["Enabled"] = False
    cloudfront.create_distribution(DistributionConfig=legacy)
