"""Elastic Load Balancing, per region, in the default VPC and behind its default security group: a
classic load balancer with an HTTPS listener (the ACM seed's certificate, a predefined TLS policy)
and a plain HTTP one, sending to the EC2 seed's instance; an application load balancer with an HTTPS
listener (with a path rule) forwarding to a target group (the Auto Scaling seed's group sends to
it) and an HTTP listener that forwards too instead of redirecting (what
alb-http-to-https-redirection-check flags), invalid headers dropped and deletion protection on; an
internal application load balancer without listeners; a network load balancer with a TCP and a
TLS listener, without deletion protection (what elb-deletion-protection-enabled flags, as it flags
the classic one)."""

from __future__ import annotations

from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.autoscaling import GROUP

PREDEFINED_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        ec2 = client("ec2", region)
        default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
            "VpcId"
        ]
        subnets = [
            s["SubnetId"]
            for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc]}])["Subnets"][
                :2
            ]
        ]
        group = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [default_vpc]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]
        certificate = client("acm", region).list_certificates()["CertificateSummaryList"][0]["CertificateArn"]
        instances = [
            i["InstanceId"]
            for r in ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])[
                "Reservations"
            ]
            for i in r["Instances"]
        ]
        _classic(client("elb", region), subnets, group, certificate, instances[:1])
        _v2(client("elbv2", region), client("autoscaling", region), default_vpc, subnets, group, certificate)


def _classic(elb: Any, subnets: list[str], group: str, certificate: str, instances: list[str]) -> None:
    elb.create_load_balancer(
        LoadBalancerName="graph-aws-demo-classic",
        Listeners=[
            {
                "Protocol": "HTTPS",
                "LoadBalancerPort": 443,
                "InstanceProtocol": "HTTP",
                "InstancePort": 80,
                "SSLCertificateId": certificate,
            },
            {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80},
        ],
        Subnets=subnets,
        SecurityGroups=[group],
        Tags=[{"Key": "owner", "Value": "web"}],
    )
    elb.create_load_balancer_policy(
        LoadBalancerName="graph-aws-demo-classic",
        PolicyName="graph-aws-demo-tls",
        PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[
            {"AttributeName": "Reference-Security-Policy", "AttributeValue": PREDEFINED_POLICY}
        ],
    )
    elb.set_load_balancer_policies_of_listener(
        LoadBalancerName="graph-aws-demo-classic", LoadBalancerPort=443, PolicyNames=["graph-aws-demo-tls"]
    )
    if instances:
        elb.register_instances_with_load_balancer(
            LoadBalancerName="graph-aws-demo-classic", Instances=[{"InstanceId": i} for i in instances]
        )


def _v2(elbv2: Any, autoscaling: Any, vpc: str, subnets: list[str], group: str, certificate: str) -> None:
    application = elbv2.create_load_balancer(
        Name="graph-aws-demo-app",
        Subnets=subnets,
        SecurityGroups=[group],
        Type="application",
        Tags=[{"Key": "owner", "Value": "web"}],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=application,
        Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
            {"Key": "deletion_protection.enabled", "Value": "true"},
        ],
    )
    targets = elbv2.create_target_group(
        Name="graph-aws-demo-web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": targets}]
    # The Auto Scaling seed's group sends to it (and keeps checking health by EC2 alone).
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=GROUP, TargetGroupARNs=[targets])
    https = elbv2.create_listener(
        LoadBalancerArn=application,
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": certificate}],
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        DefaultActions=forward,
    )["Listeners"][0]["ListenerArn"]
    elbv2.create_rule(
        ListenerArn=https,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=forward,
    )
    elbv2.create_listener(LoadBalancerArn=application, Protocol="HTTP", Port=80, DefaultActions=forward)
    # An internal one with no listener yet, which the WAF seed protects with a classic web ACL.
    elbv2.create_load_balancer(
        Name="graph-aws-demo-admin",
        Subnets=subnets,
        SecurityGroups=[group],
        Scheme="internal",
        Type="application",
    )
    network = elbv2.create_load_balancer(
        Name="graph-aws-demo-net", Subnets=subnets, SecurityGroups=[group], Type="network"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tcp = elbv2.create_target_group(Name="graph-aws-demo-tcp", Protocol="TCP", Port=5432, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    to_tcp = [{"Type": "forward", "TargetGroupArn": tcp}]
    elbv2.create_listener(LoadBalancerArn=network, Protocol="TCP", Port=5432, DefaultActions=to_tcp)
    elbv2.create_listener(
        LoadBalancerArn=network,
        Protocol="TLS",
        Port=443,
        Certificates=[{"CertificateArn": certificate}],
        SslPolicy=PREDEFINED_POLICY,
        DefaultActions=to_tcp,
    )
