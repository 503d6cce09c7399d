"""Text from AWS or the store is printed literally, in every output, and cannot drive the terminal."""

from __future__ import annotations

import csv
import io
import json

import boto3
import pytest

from graph_aws.checks import FAILED, CheckResult
from graph_aws.checks.report import as_table
from graph_aws.checks.rules import RULES
from graph_aws.demo.emulator import build_organization
from graph_aws.output import console_for, printable, render_rows
from helpers import EXTERNAL_ID, ROLE

HOSTILE = {
    "brackets": "ops [/oops]",
    "markup": "[bold red]x[/bold red]",
    "region": "prod [eu]",
    "escape": "red\x1b[31mALERT\x1b[0m",
    "title": "x\x1b]0;pwned\x07y",
    "bidi": "invoice\u202efdp.exe",
    "newline": "one\nfailed two",
    "carriage": "ok\rFAKE",
}


def table_of(rows, columns=("name",)):
    out = io.StringIO()
    render_rows(rows, list(columns), "table", out, title="[red]t[/red]", caption="c [/x]")
    return out.getvalue()


def test_printable_writes_every_control_character_as_an_escape():
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"
    assert printable("a\u202eb\u200bc\x9bd") == "a\\u202eb\\u200bc\\x9bd"
    assert printable("a\nb\tc") == "a\\x0ab\\x09c"
    assert printable("a\nb", keep_newlines=True) == "a\nb"
    assert printable("prod [eu] café 東京") == "prod [eu] café 東京"  # printable text is untouched


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_table_prints_each_value_as_it_is(name):
    value = HOSTILE[name]
    text = table_of([{"name": value}])
    assert printable(value) in text
    assert "[red]t[/red]" in text and "c [/x]" in text  # titles and captions are literal too
    assert not any(ch in text for ch in "\x1b\x07\r\u202e")


def test_json_and_csv_keep_the_exact_values_for_programs():
    rows = [{"name": v} for v in HOSTILE.values()]
    out = io.StringIO()
    render_rows(rows, ["name"], "json", out)
    assert "\x1b" not in out.getvalue()  # escaped as \u001b ...
    assert [r["name"] for r in json.loads(out.getvalue())] == list(HOSTILE.values())  # ... but exact
    out = io.StringIO()
    render_rows(rows, ["name"], "csv", out)
    assert [r[0] for r in csv.reader(io.StringIO(out.getvalue()))][1:] == list(HOSTILE.values())


def test_check_findings_print_literally():
    rule = RULES[0]
    findings = [
        {"displayName": v, "_key": f"k{i}", "accountId": "111111111111"}
        for i, v in enumerate(HOSTILE.values())
    ]
    out = io.StringIO()
    console_for(out).print(as_table([CheckResult(rule, FAILED, findings)]))
    text = out.getvalue()
    assert "ops [/oops]" in text and "[bold red]x[/bold red]" in text
    assert "\x1b" not in text


COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", "us-east-1")


def test_every_command_prints_hostile_account_names_literally(emulated, tmp_path):
    """Account names as AWS allows them (brackets) and as a store may hold them (escapes)."""
    build_organization(4, users_per_account=1)
    organizations = boto3.client("organizations", region_name="us-east-1")
    names = [HOSTILE["brackets"], HOSTILE["markup"], HOSTILE["region"], HOSTILE["title"]]
    for i, name in enumerate(names):
        organizations.create_account(AccountName=name, Email=f"hostile{i}@example.com")
    db = tmp_path / "graph.db"
    env = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}
    collect = emulated.cli(*COLLECT, db=db, env=env)
    assert collect.returncode == 0, collect.stderr
    outputs = {"collect": collect.stderr}
    outputs["accounts"] = emulated.cli("accounts", db=db).stdout
    outputs["query"] = emulated.cli("query", "FIND aws_account RETURN aws_account.name", db=db).stdout
    check = emulated.cli("check", db=db)
    outputs["check"] = check.stdout
    for command, text in outputs.items():
        assert "Traceback" not in text and "MarkupError" not in text, command
        assert "\x1b" not in text and "\x07" not in text, command
        for name in names:
            if command != "check":
                assert printable(name) in text, (command, name)
    assert any(printable(name) in outputs["check"] for name in names)


def test_one_line_errors_are_literal_and_hold_no_secret():
    from graph_aws import redaction
    from graph_aws.errors import CredentialsError
    from graph_aws.output import one_line_error

    redaction.register("ext-id-in-an-error-9c1")
    error = one_line_error(
        CredentialsError(
            "AssumeRole arn:aws:iam::1:role/[red]x[/red]: denied\x1b]0;pwned\x07"
            "\nfailed fake ext-id-in-an-error-9c1"
        )
    )
    out = io.StringIO()
    error.show(out)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.startswith("Error: AssumeRole")
    assert "[red]x[/red]" in text and "\\x1b]0;pwned\\x07\\x0afailed fake" in text
    assert "ext-id-in-an-error-9c1" not in text and "***" in text
    assert error.exit_code == 1


def test_the_run_summary_prints_reasons_from_aws_literally(capsys):
    from graph_aws.commands_collect import print_summary
    from graph_aws.runner import RunReport
    from graph_aws.store import AccountOutcome

    report = RunReport(run_id=7, organization_id="o-1")
    report.outcomes = [AccountOutcome("111111111111", HOSTILE["brackets"], "failed", HOSTILE["escape"], 0)]
    report.failures = [f"account 111111111111: {HOSTILE['newline']} [/oops]"]
    print_summary(report)
    text = capsys.readouterr().err
    assert "ops [/oops]" in text and printable(HOSTILE["escape"]) in text
    assert "failed account 111111111111: one\\x0afailed two [/oops]" in text
    assert "\x1b" not in text
