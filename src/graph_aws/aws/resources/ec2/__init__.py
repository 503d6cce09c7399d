"""EC2 and VPC (regional): networks, gateways, route tables, firewalls, instances, volumes, addresses."""

from __future__ import annotations

from graph_aws.aws.resources.ec2.instances import INSTANCES_STEP
from graph_aws.aws.resources.ec2.interfaces import ELASTIC_IPS, NETWORK_INTERFACES
from graph_aws.aws.resources.ec2.model import EC2
from graph_aws.aws.resources.ec2.network import NETWORK_SPECS
from graph_aws.aws.resources.ec2.security_groups import SECURITY_GROUPS
from graph_aws.aws.resources.ec2.volumes import EBS_VOLUMES
from graph_aws.aws.resources.registry import resource_step

STEPS = (
    EC2.step(),
    *(
        resource_step(spec)
        for spec in (*NETWORK_SPECS, SECURITY_GROUPS, EBS_VOLUMES, NETWORK_INTERFACES, ELASTIC_IPS)
    ),
    INSTANCES_STEP,
)
