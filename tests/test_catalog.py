"""The README's collected-types tables are the registry's: regenerated, they are unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graph_aws.aws import catalog
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS

README = Path(__file__).parent.parent / "README.md"


def block(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def test_the_readme_tables_are_what_the_registry_says():
    readme = README.read_text()
    assert block(readme, catalog.TYPES_START, catalog.TYPES_END) == catalog.types_table(), (
        "the README's collected-types table is stale: run `make catalog`"
    )
    assert (
        block(readme, catalog.RELATIONSHIPS_START, catalog.RELATIONSHIPS_END) == catalog.relationships_table()
    ), "the README's relationships table is stale: run `make catalog`"


def test_every_declared_type_has_a_row_with_its_class_calls_and_scope():
    rows = {r.type: r for r in catalog.type_rows()}
    steps = (*ORGANIZATION_STEPS, *account_job_steps())
    assert set(rows) == {e.type for s in steps for e in s.entities}
    load_balancers = rows["aws_alb"]
    assert load_balancers.classes == ("Gateway",) and load_balancers.scopes == ["each region"]
    assert "elasticloadbalancing:DescribeListeners" in load_balancers.permissions
    assert rows["aws_cloudfront_distribution"].scopes == ["once per account"]
    assert rows["aws_waf_v2_web_acl"].steps == ["fetch-wafv2-web-acls", "fetch-wafv2-cloudfront-web-acls"]
    assert rows["aws_waf_web_acl"].tested_with.startswith("moto, patched")
    assert rows["aws_account"].scopes == ["organization", "once per account"]
    # IAM actions named otherwise than their call come out as the call.
    assert catalog.api_calls(["s3:ListAllMyBuckets", "s3:GetEncryptionConfiguration"]) == (
        "s3: ListBuckets, GetBucketEncryption"
    )
    assert catalog.api_calls(["elasticloadbalancing:DescribeRules"]) == "elasticloadbalancing: DescribeRules"


def test_notes_name_only_declared_types():
    declared = {e.type for s in (*ORGANIZATION_STEPS, *account_job_steps()) for e in s.entities}
    assert set(catalog.tested_with()) <= declared


def test_the_command_rewrites_a_readme_in_place(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(
        f"# x\n\n{catalog.TYPES_START}\nold\n{catalog.TYPES_END}\n\n"
        f"{catalog.RELATIONSHIPS_START}\n{catalog.RELATIONSHIPS_END}\ntail\n"
    )
    subprocess.run([sys.executable, "-m", "graph_aws.aws.catalog", str(stale)], check=True)
    text = stale.read_text()
    assert "old" not in text and text.endswith("tail\n") and "| `aws_vpc` | Network |" in text
