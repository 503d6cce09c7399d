"""The step lists of the two kinds of job."""

from __future__ import annotations

from functools import cache

from graph_aws.aws.account.steps import ACCOUNT_STEPS
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS
from graph_aws.aws.resources import resource_steps
from graph_aws.aws.resources.regions import FETCH_REGIONS
from graph_aws.engine import Step, validate_steps


@cache
def account_job_steps() -> tuple[Step, ...]:
    """Everything an account job runs: the account itself, its regions, then every resource step."""
    steps = (*ACCOUNT_STEPS, FETCH_REGIONS, *resource_steps())
    validate_steps(steps)
    return steps


def organization_job_steps() -> tuple[Step, ...]:
    return ORGANIZATION_STEPS
