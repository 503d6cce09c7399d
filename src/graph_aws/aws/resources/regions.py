"""Which regions an account's regional steps read: those the account has enabled, narrowed by
`--regions`. A region the account has not opted into is left out, not failed."""

from __future__ import annotations

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.registry import REGIONS
from graph_aws.engine import Step, StepContext


def fetch_regions(context: StepContext) -> None:
    resources: AccountResources = context.resources
    response = resources.session.client("ec2").describe_regions(AllRegions=False)
    enabled = {
        r["RegionName"]
        for r in response.get("Regions", [])
        if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    }
    wanted = resources.requested_regions
    regions = sorted(enabled & set(wanted)) if wanted else sorted(enabled)
    left_out = sorted(set(wanted) - enabled)
    if left_out:
        context.warn(f"not enabled in this account, left out: {', '.join(left_out)}")
    context.job_state.set_data(REGIONS, regions)


FETCH_REGIONS = Step(
    id="fetch-regions",
    name="Find the regions the account has enabled",
    handler=fetch_regions,
    permissions=("ec2:DescribeRegions",),
)
