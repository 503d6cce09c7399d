"""EC2 and VPC: beside moto's default VPC, subnets and security group, one small network per region:
a VPC with a subnet, an internet gateway routed to from a route table, a NAT gateway, a network ACL
(PostgreSQL from one private range, SSH denied from another),
two security groups (SSH open to the Internet, HTTPS from the other group, PostgreSQL from a private
range), and one instance with an encrypted root volume and an Elastic IP, launched from a launch
template and part of a stack, so it carries AWS's own tags (`aws:ec2launchtemplate:id`,
`aws:cloudformation:stack-name`) as real instances do; plus an unattached, unencrypted volume.
Then: the unattached volume's snapshot, public (what the rules flag), and the root volume's,
private, restored into a second volume of the instance and copied under the key; an image of the
instance with a launch template and a second instance that run it; a key pair; the VPC peered
with the default VPC, with flow logs (to a log group; the default VPC's to the trail's bucket, in
the first region only); a VPN gateway; and EBS encryption by default in the first region only."""

from __future__ import annotations

from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.cloudtrail import trail_bucket

# moto accepts any image id when its default AMIs are not loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false).
IMAGE_ID = "ami-12c6146b"
FLOW_LOG_GROUP = "graph-aws-demo/vpc-flow-logs"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        ec2, kms = client("ec2", region), client("kms", region)
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[_name("vpc", "demo")])["Vpc"][
            "VpcId"
        ]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        nat_address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=nat_address)
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        # Ranges of their own: no security group names them, so this step adds their entities.
        for number, action, cidr, ports in (
            (100, "allow", "10.2.0.0/16", 5432),
            (110, "deny", "172.16.0.0/12", 22),
        ):
            ec2.create_network_acl_entry(
                NetworkAclId=acl,
                RuleNumber=number,
                Protocol="6",
                RuleAction=action,
                Egress=False,
                CidrBlock=cidr,
                PortRange={"From": ports, "To": ports},
            )
        app = ec2.create_security_group(GroupName="app", Description="application servers", VpcId=vpc)
        web = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)
        ec2.authorize_security_group_ingress(
            GroupId=web["GroupId"],
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "UserIdGroupPairs": [{"GroupId": app["GroupId"]}],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                },
            ],
        )
        key = kms.create_key(Description="EBS volumes")["KeyMetadata"]["Arn"]
        template = ec2.create_launch_template(
            LaunchTemplateName="web", LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "t3.micro"}
        )["LaunchTemplate"]["LaunchTemplateId"]
        instance = ec2.run_instances(
            LaunchTemplate={"LaunchTemplateId": template},
            ImageId=IMAGE_ID,
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet,
            SecurityGroupIds=[web["GroupId"]],
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": key}}
            ],
            TagSpecifications=[_name("instance", "web-1")],
        )["Instances"][0]["InstanceId"]
        stack = [{"Key": "aws:cloudformation:stack-name", "Value": "demo-web"}]
        ec2.create_tags(Resources=[instance], Tags=stack)  # AWS sets these itself; moto lets us
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.associate_address(AllocationId=address, InstanceId=instance)
        spare = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
        _images_and_snapshots(ec2, region, key, instance, spare, subnet)
        _connections(ec2, client("logs", region), vpc, account_id, first=region == regions[0])


def _name(resource_type: str, name: str) -> dict[str, object]:
    return {"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}


def _images_and_snapshots(ec2: Any, region: str, key: str, instance: str, spare: str, subnet: str) -> None:
    public = ec2.create_snapshot(VolumeId=spare, Description="spare volume")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=public, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    (described,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"]
    root = described["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    private = ec2.create_snapshot(VolumeId=root, Description="root volume")["SnapshotId"]
    # A copy names its key (moto's CreateSnapshot does not carry the volume's).
    ec2.copy_snapshot(
        SourceSnapshotId=private,
        SourceRegion=region,
        Encrypted=True,
        KmsKeyId=key,
        Description="root, copied",
    )
    restored = ec2.create_volume(
        AvailabilityZone=described["Placement"]["AvailabilityZone"], SnapshotId=private
    )
    ec2.attach_volume(VolumeId=restored["VolumeId"], InstanceId=instance, Device="/dev/sdf")
    image = ec2.create_image(InstanceId=instance, Name="graph-aws-demo-web")["ImageId"]
    ec2.create_key_pair(KeyName="graph-aws-demo-deploy")
    ec2.create_launch_template(
        LaunchTemplateName="graph-aws-demo-web",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro", "KeyName": "graph-aws-demo-deploy"},
    )
    ec2.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        TagSpecifications=[_name("instance", "web-2")],
    )


def _connections(ec2: Any, logs: Any, vpc: str, account_id: str, *, first: bool) -> None:
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=default_vpc)["VpcPeeringConnection"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering["VpcPeeringConnectionId"])
    logs.create_log_group(logGroupName=FLOW_LOG_GROUP)
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=FLOW_LOG_GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{account_id}:role/FlowLogsToCloudWatch",
    )
    if first:  # elsewhere the default VPC logs nothing, what the rule vpc-flow-logs-enabled flags
        ec2.create_flow_logs(
            ResourceIds=[default_vpc],
            ResourceType="VPC",
            TrafficType="REJECT",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{trail_bucket(account_id)}",
        )
    gateway = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=gateway, VpcId=vpc)
    if first:
        ec2.enable_ebs_encryption_by_default()
