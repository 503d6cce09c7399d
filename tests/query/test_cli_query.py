"""`graph-aws query` and `graph-aws check` as a user runs them (click's CliRunner on the commands)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backends import Backend
from graph_aws.commands_query import check_command, query_command
from graph_aws.config import load_settings, load_smart_classes
from graph_aws.errors import ConfigError
from graph_aws.model import make_entity
from graph_aws.store import Store


@pytest.fixture
def db(module_backend: Backend, graph_store: Store) -> str:
    return module_backend.url


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


def test_query_table_shows_key_columns_of_whole_entities(db: str) -> None:
    result = CliRunner().invoke(query_command, ["FIND * WITH name = 'bob'", "--db", db])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[1]
    assert [c.strip() for c in header.strip("┃").split("┃")] == ["displayName", "_type", "_class", "_key"]
    # 8 properties and the 5 a User requires and may have null (firstName, lastName, email, ...).
    assert "mfaEnabled" not in result.output and "1 row; 4 of 13 columns shown" in result.output


def test_query_columns_choose_and_csv_has_everything(db: str) -> None:
    chosen = CliRunner().invoke(
        query_command, ["FIND aws_iam_user", "--db", db, "--columns", "name,mfaEnabled", "--format", "csv"]
    )
    assert chosen.output.splitlines() == ["name,mfaEnabled", "alice,false", "bob,true"]
    every = CliRunner().invoke(query_command, ["FIND aws_iam_user", "--db", db, "--format", "csv"])
    assert {"mfaEnabled", "loginCount", "tag.AccountName", "_key"} <= set(
        every.output.splitlines()[0].split(",")
    )
    aliased = CliRunner().invoke(
        query_command,
        [
            "FIND aws_iam_user AS u RETURN u.*",
            "--db",
            db,
            "--columns",
            "u.name,u.loginCount",
            "--format",
            "json",
        ],
    )
    assert json.loads(aliased.output) == [
        {"u.name": "alice", "u.loginCount": 12},
        {"u.name": "bob", "u.loginCount": 3},
    ]
    unknown = CliRunner().invoke(query_command, ["FIND aws_iam_user", "--db", db, "--columns", "nope"])
    assert unknown.exit_code == 2 and "nope: no such column" in unknown.output


def test_query_params_and_smart_classes_from_the_config(db: str, tmp_path: Path) -> None:
    text = "FIND aws_iam_user WITH name = {{who}} OR loginCount = {{n}}"
    result = CliRunner().invoke(
        query_command,
        [text, "--db", db, "--param", "who=alice", "--param", "n:=3", "--format", "csv", "--columns", "name"],
    )
    assert result.output.splitlines() == ["name", "alice", "bob"]
    config = tmp_path / "graph-aws.toml"
    config.write_text(
        '[graph-aws]\norganization = false\n\n[smart-classes]\nNoMfa = "FIND User WITH mfaEnabled = false"\n'
    )
    smart = CliRunner().invoke(
        query_command,
        ["FIND #NoMfa", "--db", db, "--config", str(config), "--format", "csv", "--columns", "name"],
    )
    assert smart.output.splitlines() == ["name", "alice"]
    bad = CliRunner().invoke(query_command, [text, "--db", db, "--param", "n:=five"])
    assert bad.exit_code == 2 and "after := comes JSON" in bad.output
    missing = CliRunner().invoke(query_command, [text, "--db", db])
    assert missing.exit_code == 1 and "--param who=VALUE" in missing.output


def test_query_pages_of_250_and_all(backend: Backend) -> None:
    store = backend.open()
    things = [
        make_entity(key=f"thing-{i:05}", type="aws_thing", classes=["Resource"], name=f"t{i}")
        for i in range(260)
    ]
    store.sync_scope("account:1", things, [])
    store.close()
    paged = CliRunner().invoke(query_command, ["FIND aws_thing", "--db", backend.url, "--format", "json"])
    assert len(json.loads(paged.stdout)) == 250
    assert "add SKIP 250 for the next, or --all for every row" in paged.stderr
    every = CliRunner().invoke(
        query_command, ["FIND aws_thing", "--db", backend.url, "--format", "json", "--all"]
    )
    assert len(json.loads(every.stdout)) == 260 and every.stderr == ""
    table = CliRunner().invoke(query_command, ["FIND aws_thing SKIP 250", "--db", backend.url])
    assert "10 rows" in table.output and "more rows" not in table.output


def test_query_tree_as_tables(db: str) -> None:
    result = CliRunner().invoke(
        query_command, ["FIND aws_iam_user THAT ASSIGNED aws_iam_role RETURN TREE", "--db", db]
    )
    assert "vertices" in result.output and "edges" in result.output and "_fromEntityKey" in result.output


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
    assert result.exit_code == 2 and "does not exist" in result.output  # a path error


def test_check_exit_status_follows_fail_on(db: str) -> None:
    failing = CliRunner().invoke(check_command, ["--db", db])
    assert failing.exit_code == 1 and "root-mfa" in failing.output.splitlines()[-1]
    assert "not collected" in failing.output
    # Only critical checks count: root MFA and root access keys fail on dev.
    assert CliRunner().invoke(check_command, ["--db", db, "--fail-on", "critical"]).exit_code == 1


def test_check_passes_on_an_empty_store_because_nothing_was_collected(backend: Backend) -> None:
    backend.open().close()  # a store that exists (a missing one is an error)
    result = CliRunner().invoke(check_command, ["--db", backend.url, "--format", "json"])
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


def test_a_smart_classes_table_beside_top_level_settings(tmp_path: Path) -> None:
    config = tmp_path / "graph-aws.toml"
    config.write_text("concurrency = 4\n\n[smart-classes]\nProd = \"FIND * WITH tag.Env = 'prod'\"\n")
    assert load_settings({}, config, environ={}).concurrency == 4
    assert load_smart_classes(config, environ={}) == {"Prod": "FIND * WITH tag.Env = 'prod'"}
    config.write_text('[smart-classes]\n"bad name" = "FIND *"\n')
    with pytest.raises(ConfigError, match="bad name"):
        load_smart_classes(config, environ={})
