"""Elastic Load Balancing (regional): classic, application and network load balancers, listeners,
listener rules and target groups."""

from __future__ import annotations

from graph_aws.aws.resources.elb.classic import CLASSIC_LOAD_BALANCERS
from graph_aws.aws.resources.elb.model import ELB
from graph_aws.aws.resources.elb.v2 import TARGET_GROUPS, V2_LOAD_BALANCERS
from graph_aws.aws.resources.registry import resource_step

STEPS = (ELB.step(), *(resource_step(s) for s in (CLASSIC_LOAD_BALANCERS, V2_LOAD_BALANCERS, TARGET_GROUPS)))
