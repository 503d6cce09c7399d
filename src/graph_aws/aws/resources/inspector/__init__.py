"""Amazon Inspector: Classic's assessment runs and their findings, and Inspector's (v2) active
findings, each HAS by the instance (or function) it is about."""

from graph_aws.aws.resources.inspector.classic import INSPECTOR, classic_step
from graph_aws.aws.resources.inspector.v2 import INSPECTOR_V2, V2_FINDINGS
from graph_aws.aws.resources.registry import resource_step

STEPS = (INSPECTOR.step(), classic_step(), INSPECTOR_V2.step(), resource_step(V2_FINDINGS))


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_inspector_assessment": "moto, patched (moto has no Inspector Classic: targets, templates, runs)",
    "aws_inspector_finding": "moto, patched (ListFindings, DescribeFindings of Inspector Classic)",
}
