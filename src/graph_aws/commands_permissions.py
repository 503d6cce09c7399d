"""`graph-aws permissions`: the read-only IAM actions the role in each account needs, as a policy,
a table of which step needs which, or the role itself as CloudFormation or Terraform."""

from __future__ import annotations

import json
import sys

import click

from graph_aws.output import render_rows

FORMATS = ("policy", "table", "cloudformation", "terraform")


def account_actions() -> list[str]:
    """Every IAM action an account job's steps declare, sorted, each once."""
    from graph_aws.aws.jobs import account_job_steps

    return sorted({p for step in account_job_steps() for p in step.permissions})


@click.command("permissions")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="policy",
    show_default=True,
    help="policy: the IAM policy document for the role in each account; table: actions per step; "
    "cloudformation: a template for that role (a stack, or a service-managed StackSet for the whole "
    "organization); terraform: a module for it.",
)
def permissions_command(fmt: str) -> None:
    """Print the read-only IAM actions every step needs (for the role assumed in each account)."""
    from graph_aws.member_role import policy_document, terraform_module
    from graph_aws.member_role.cloudformation import render_cloudformation

    if fmt == "table":
        from graph_aws.aws.jobs import account_job_steps, organization_job_steps

        rows = [
            {"job": job, "step": step.id, "actions": ", ".join(step.permissions)}
            for job, steps in (("organization", organization_job_steps()), ("account", account_job_steps()))
            for step in steps
            if step.permissions
        ]
        render_rows(rows, ["job", "step", "actions"], "table", sys.stdout)
    elif fmt == "cloudformation":
        click.echo(render_cloudformation(account_actions()), nl=False)
    elif fmt == "terraform":
        click.echo(terraform_module(account_actions()), nl=False)
    else:
        click.echo(json.dumps(policy_document(account_actions()), indent=2))
