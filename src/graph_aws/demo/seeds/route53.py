"""Route 53 (global: once per account): a registered domain, its public zone with an address record, a
wildcard record and an alias, and a private zone attached to the first region's default VPC."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory

CONTACT = {
    "FirstName": "Demo",
    "LastName": "Owner",
    "ContactType": "COMPANY",
    "OrganizationName": "Example Corp",
    "Email": "hostmaster@example.com",
    "AddressLine1": "1 Main St",
    "City": "Springfield",
    "CountryCode": "US",
    "ZipCode": "12345",
    "PhoneNumber": "+1.5555550100",
}


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    domain = f"graph-aws-demo-{account_id}.com"
    client("route53domains", "us-east-1").register_domain(
        DomainName=domain,
        DurationInYears=2,
        AdminContact=CONTACT,
        RegistrantContact=CONTACT,
        TechContact=CONTACT,
        AutoRenew=True,
    )
    route53 = client("route53", regions[0])
    # Registering a domain creates its public hosted zone, in AWS as in moto.
    zones = [z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == domain]
    zone = (
        zones[0]["Id"]
        if zones
        else route53.create_hosted_zone(Name=domain, CallerReference=domain)["HostedZone"]["Id"]
    )
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {"Action": "CREATE", "ResourceRecordSet": record}
                for record in (
                    {
                        "Name": f"www.{domain}",
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "192.0.2.10"}],
                    },
                    {
                        "Name": f"*.{domain}",
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": f"www.{domain}"}],
                    },
                    {
                        "Name": f"cdn.{domain}",
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": "Z2FDTNDATAQYW2",
                            "DNSName": "d111111abcdef8.cloudfront.net",
                            "EvaluateTargetHealth": False,
                        },
                    },
                )
            ]
        },
    )
    vpc = client("ec2", regions[0]).describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
        "Vpcs"
    ][0]
    route53.create_hosted_zone(
        Name=f"internal.{domain}",
        CallerReference=f"{domain}-private",
        VPC={"VPCRegion": regions[0], "VPCId": vpc["VpcId"]},
        HostedZoneConfig={"PrivateZone": True, "Comment": "service discovery"},
    )
