"""WAF: per region, a v2 web ACL protecting the ELB seed's application load balancer and a classic
regional one protecting its admin load balancer; once per account (made for the CloudFront seed,
whose distributions name them), a CloudFront-scope v2 ACL and a classic global one.

moto has no classic WAF (`waf`, `waf-regional`) and lacks wafv2's ListResourcesForWebACL;
`patch_moto` adds a small classic WAF (GetChangeToken, CreateWebACL, ListWebACLs, AssociateWebACL,
ListResourcesForWebACL, the calls graph-aws and this seed make) and answers ListResourcesForWebACL
from moto's own associations.
"""

from __future__ import annotations

import json
import re
import sys
import types
import uuid
from typing import Any

from graph_aws.demo.seeds import ClientFactory

ADMIN_LOAD_BALANCER = "graph-aws-demo-admin"
CLOUDFRONT_V2_ACL = "graph-aws-demo-cloudfront"
CLASSIC_GLOBAL_ACL = "graph-aws-demo-classic"
_SERVICES = {"waf": "waf", "waf-regional": "wafregional"}  # service -> moto's module name for it


def _classic_backend_classes() -> tuple[Any, Any]:
    from moto.core.base_backend import BaseBackend
    from moto.core.responses import BaseResponse

    class ClassicWafBackend(BaseBackend):
        """Web ACLs of one account and region; regional ones may be associated with resources."""

        def __init__(self, region_name: str, account_id: str) -> None:
            super().__init__(region_name, account_id)
            self.web_acls: dict[str, dict[str, Any]] = {}
            self.associations: dict[str, str] = {}  # resource ARN -> web ACL id

    class ClassicWafResponse(BaseResponse):
        SERVICE = "waf"

        def __init__(self) -> None:
            super().__init__(service_name=self.SERVICE)

        def _backend(self) -> Any:
            service = self.service_name or "waf"
            backends = sys.modules[f"moto.{_SERVICES[service]}"].__dict__[f"{_SERVICES[service]}_backends"]
            region = "us-east-1" if service == "waf" else self.region
            return backends[self.current_account][region]

        def _body(self) -> dict[str, Any]:
            return json.loads(self.body or "{}")

        def get_change_token(self) -> str:
            return json.dumps({"ChangeToken": str(uuid.uuid4())})

        def create_web_acl(self) -> str:
            body = self._body()
            acl_id = str(uuid.uuid4())
            acl = {
                "WebACLId": acl_id,
                "Name": body["Name"],
                "MetricName": body["MetricName"],
                "DefaultAction": body["DefaultAction"],
                "Rules": [],
            }
            self._backend().web_acls[acl_id] = acl
            return json.dumps({"WebACL": acl, "ChangeToken": body["ChangeToken"]})

        def list_web_ac_ls(self) -> str:  # moto's name for ListWebACLs
            acls = [{"WebACLId": a["WebACLId"], "Name": a["Name"]} for a in self._backend().web_acls.values()]
            return json.dumps({"WebACLs": acls})

        def associate_web_acl(self) -> str:
            body = self._body()
            self._backend().associations[body["ResourceArn"]] = body["WebACLId"]
            return json.dumps({})

        def list_resources_for_web_acl(self) -> str:
            body = self._body()
            arns = [arn for arn, acl in self._backend().associations.items() if acl == body["WebACLId"]]
            return json.dumps({"ResourceArns": arns})

    return ClassicWafBackend, ClassicWafResponse


def _add_classic_waf() -> None:
    import moto.backend_index
    from moto.core.base_backend import BackendDict

    if "moto.waf" in sys.modules:
        return
    backend_class, response_class = _classic_backend_classes()
    for service, module_name in _SERVICES.items():
        response: Any = type(f"{module_name}Response", (response_class,), {"SERVICE": service})
        host = re.escape(service)
        bases = [rf"https?://{host}(?:\.[a-z0-9-]+)?\.amazonaws\.com"]
        urls = types.SimpleNamespace(url_bases=bases, url_paths={"{0}/$": response.dispatch})
        backend = type(f"{module_name}Backend", (backend_class,), {"_url_module": urls})
        module = types.ModuleType(f"moto.{module_name}")
        regional = service == "waf-regional"
        setattr(
            module,
            f"{module_name}_backends",
            BackendDict(backend, service, use_boto3_regions=regional, additional_regions=["us-east-1"]),
        )
        sys.modules[module.__name__] = module
        moto.backend_index.backend_url_patterns.append((service, re.compile(bases[0])))


def _add_wafv2_list_resources() -> None:
    from moto.wafv2.responses import WAFV2Response

    def list_resources_for_web_acl(self: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(self.body)
        acl = self.wafv2_backend.wacls.get(body["WebACLArn"])
        arns = list(acl.associated_resources) if acl else []
        wanted = {"APPLICATION_LOAD_BALANCER": ":elasticloadbalancing:", "API_GATEWAY": ":apigateway:"}
        marker = wanted.get(body.get("ResourceType", "APPLICATION_LOAD_BALANCER"), "")
        answer = {"ResourceArns": [a for a in arns if marker in a]}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    setattr(WAFV2Response, "list_resources_for_web_acl", list_resources_for_web_acl)  # noqa: B010


def patch_moto() -> None:
    _add_classic_waf()
    _add_wafv2_list_resources()


def _classic_acl(waf: Any, name: str) -> str:
    token = waf.get_change_token()["ChangeToken"]
    metric = re.sub(r"[^A-Za-z0-9]", "", name)
    acl = waf.create_web_acl(Name=name, MetricName=metric, DefaultAction={"Type": "ALLOW"}, ChangeToken=token)
    return str(acl["WebACL"]["WebACLId"])


def cloudfront_acls(client: ClientFactory) -> tuple[str, str]:
    """A CloudFront-scope v2 ACL (its ARN) and a classic global one (its id), for the CloudFront
    seed's distributions to name (that seed runs first)."""
    patch_moto()
    v2 = client("wafv2", "us-east-1").create_web_acl(
        Name=CLOUDFRONT_V2_ACL,
        Scope="CLOUDFRONT",
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": "graphawsdemocloudfront",
        },
    )["Summary"]["ARN"]
    return str(v2), _classic_acl(client("waf", "us-east-1"), CLASSIC_GLOBAL_ACL)


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    for region in regions:
        elbv2 = client("elbv2", region)
        balancers = {b["LoadBalancerName"]: b for b in elbv2.describe_load_balancers()["LoadBalancers"]}
        wafv2 = client("wafv2", region)
        acl = wafv2.create_web_acl(
            Name="graph-aws-demo-regional",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            VisibilityConfig={
                "SampledRequestsEnabled": True,
                "CloudWatchMetricsEnabled": True,
                "MetricName": "graphawsdemoregional",
            },
        )["Summary"]
        wafv2.associate_web_acl(
            WebACLArn=acl["ARN"], ResourceArn=balancers["graph-aws-demo-app"]["LoadBalancerArn"]
        )
        regional = client("waf-regional", region)
        classic = _classic_acl(regional, "graph-aws-demo-classic-regional")
        regional.associate_web_acl(
            WebACLId=classic, ResourceArn=balancers[ADMIN_LOAD_BALANCER]["LoadBalancerArn"]
        )
