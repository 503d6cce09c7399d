"""`graph-aws query` and `graph-aws check` as a user runs them (click's CliRunner on the commands)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph_aws.commands_query import check_command, query_command
from graph_aws.store import SqliteStore


@pytest.fixture
def db(graph_store: SqliteStore) -> str:
    return graph_store.path


def test_query_json_gives_entities_without_return(db: str) -> None:
    result = CliRunner().invoke(
        query_command, ["FIND aws_account WITH master = true", "--db", db, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [e["name"] for e in json.loads(result.output)] == ["mgmt"]


def test_query_csv_gives_the_returned_columns(db: str) -> None:
    result = CliRunner().invoke(
        query_command,
        ["FIND aws_account AS a RETURN a.name, a.email ORDER BY a.name", "--db", db, "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["a.name", "a.email"]
    assert rows[1:] == [
        ["dev", "dev@example.com"],
        ["legacy", ""],
        ["mgmt", "root@example.com"],
        ["solo", ""],
    ]


def test_query_table_spreads_entities_over_columns(db: str) -> None:
    result = CliRunner().invoke(query_command, ["FIND aws_iam_user WITH name = 'bob'", "--db", db])
    assert result.exit_code == 0, result.output
    assert "mfaEnabled" in result.output and "bob" in result.output and "1 row" in result.output


def test_query_tree_as_json(db: str) -> None:
    result = CliRunner().invoke(
        query_command,
        ["FIND aws_iam_user THAT ASSIGNED aws_iam_role RETURN TREE", "--db", db, "--format", "json"],
    )
    tree = json.loads(result.output)
    assert sorted(v["name"] for v in tree["vertices"]) == ["admin", "alice"]
    assert [e["_class"] for e in tree["edges"]] == ["ASSIGNED"]


def test_syntax_error_shows_the_caret_and_exits_non_zero(db: str) -> None:
    result = CliRunner().invoke(query_command, ["FIND aws_account WTH x = 1", "--db", db])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "expected" in lines[0] and "WITH" in lines[0]
    assert lines[1].strip() == "FIND aws_account WTH x = 1"
    assert lines[2].index("^") == lines[1].index("WTH")


def test_missing_db_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(query_command, ["FIND *", "--db", str(tmp_path / "no" / "g.db")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_check_exit_status_follows_fail_on(db: str) -> None:
    failing = CliRunner().invoke(check_command, ["--db", db])
    assert failing.exit_code == 1 and "root-mfa" in failing.output.splitlines()[-1]
    assert "not collected" in failing.output
    # Only critical checks count: root MFA and root access keys fail on dev.
    assert CliRunner().invoke(check_command, ["--db", db, "--fail-on", "critical"]).exit_code == 1


def test_check_passes_on_an_empty_store_because_nothing_was_collected(tmp_path: Path) -> None:
    result = CliRunner().invoke(check_command, ["--db", str(tmp_path / "empty.db"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {c["status"] for c in json.loads(result.output)["checks"]} == {"not collected"}


def test_check_html_report_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        check_command, ["--db", db, "--format", "html", "--output", str(out), "--fail-on", "critical"]
    )
    assert result.exit_code == 1
    assert f"wrote {out}" in result.output
    page = out.read_text()
    assert "<style>" in page and "The root user has MFA enabled" in page and "<link" not in page
