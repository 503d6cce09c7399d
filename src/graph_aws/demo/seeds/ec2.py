"""EC2 and VPC: beside moto's default VPC, subnets and security group, one small network per region:
a VPC with a subnet, an internet gateway routed to from a route table, a NAT gateway, a network ACL,
two security groups (SSH open to the Internet, HTTPS from the other group, PostgreSQL from a private
range), and one instance with an encrypted root volume and an Elastic IP, launched from a launch
template and part of a stack, so it carries AWS's own tags (`aws:ec2launchtemplate:id`,
`aws:cloudformation:stack-name`) as real instances do; plus an unattached, unencrypted volume."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory

# moto accepts any image id when its default AMIs are not loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false).
IMAGE_ID = "ami-12c6146b"


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
        ec2.create_network_acl(VpcId=vpc)
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
        ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)


def _name(resource_type: str, name: str) -> dict[str, object]:
    return {"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}
