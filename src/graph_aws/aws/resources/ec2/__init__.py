"""EC2 and VPC (regional): networks, gateways, route tables, firewalls, instances, volumes, addresses,
snapshots, images, key pairs, launch templates, peering, flow logs and EBS encryption by default."""

from __future__ import annotations

from graph_aws.aws.resources.ec2.connections import (
    EBS_ENCRYPTION_BY_DEFAULT,
    FLOW_LOGS,
    PEERING_CONNECTIONS,
    VPN_GATEWAYS,
)
from graph_aws.aws.resources.ec2.images import AMIS, EBS_SNAPSHOTS, KEY_PAIRS, LAUNCH_TEMPLATES
from graph_aws.aws.resources.ec2.instances import INSTANCES_STEP
from graph_aws.aws.resources.ec2.interfaces import ELASTIC_IPS, NETWORK_INTERFACES
from graph_aws.aws.resources.ec2.model import EC2
from graph_aws.aws.resources.ec2.network import NETWORK_SPECS
from graph_aws.aws.resources.ec2.network_acls import NETWORK_ACLS
from graph_aws.aws.resources.ec2.security_groups import SECURITY_GROUPS
from graph_aws.aws.resources.ec2.volumes import EBS_VOLUMES
from graph_aws.aws.resources.registry import relationship_step, resource_step

STEPS = (
    EC2.step(),
    *(
        resource_step(spec)
        for spec in (
            *NETWORK_SPECS,
            NETWORK_ACLS,
            SECURITY_GROUPS,
            EBS_VOLUMES,
            NETWORK_INTERFACES,
            ELASTIC_IPS,
            VPN_GATEWAYS,
            EBS_ENCRYPTION_BY_DEFAULT,
            EBS_SNAPSHOTS,
            AMIS,
            KEY_PAIRS,
            LAUNCH_TEMPLATES,
        )
    ),
    INSTANCES_STEP,
    relationship_step(PEERING_CONNECTIONS),
    relationship_step(FLOW_LOGS),
)

TESTED_WITH = {
    "aws_ebs_snapshot": "moto; its KMS key on a botocore-shaped Snapshot (moto names none)",
    "aws_ami": "moto; another account's image on a botocore-shaped Image",
}
