"""`graph-aws check --pack`: the rule packs' rules, tagged with their pack and the JupiterOne rule
they follow, chosen by name; an unknown name is one line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from backends import Backend
from graph_aws.checks import NOT_COLLECTED, run_checks
from graph_aws.checks.packs import PACKS, rules_of
from graph_aws.cli import cli
from graph_aws.model import make_entity, make_relationship
from graph_aws.query import parse
from graph_aws.store import SqliteStore, Store, open_store

NPM_PACKS = (
    Path(__file__).parents[2] / "node_modules" / "@jupiterone" / "jupiterone-alert-rules" / "rule-packs"
)


def test_every_pack_rule_is_j1ql_tagged_with_its_pack_and_the_rule_it_follows() -> None:
    every = [rule for rules in PACKS.values() for rule in rules]
    assert len({r.id for r in every}) == len(every)  # an id names one rule, whatever the pack
    assert len(PACKS["aws-cis-foundations-2-0"]) >= 35 and len(PACKS["aws-config"]) >= 60
    for name, rules in PACKS.items():
        for rule in rules:
            assert rule.pack == name
            parse(rule.j1ql)
            if rule.collected_when:
                parse(rule.collected_when)
            assert rule.required_types and rule.severity and rule.title
            if name != "graph-aws":
                assert rule.follows.startswith(f"{name}.json: "), rule.id


def test_aws_config_rules_follow_rules_the_published_pack_holds() -> None:
    published = {r["name"] for r in json.loads((NPM_PACKS / "aws-config.json").read_text())}
    ours = {r.id: r.follows for r in PACKS["aws-config"]}
    # The npm package (0.3.0) holds an older, shorter aws-config pack; every rule of it we answer is there.
    shared = published & set(ours)
    assert len(shared) >= 15
    for name in shared:
        assert ours[name] == f"aws-config.json: {name} (query0)"


def test_rules_of_picks_packs_in_order_and_defaults_to_graph_aws() -> None:
    assert rules_of([]) == PACKS["graph-aws"]
    both = rules_of(["aws-config", "graph-aws", "aws-config"])
    assert both == PACKS["aws-config"] + PACKS["graph-aws"]


def test_check_runs_the_chosen_pack(module_backend: Backend, graph_store: Store) -> None:
    result = CliRunner().invoke(
        cli, ["check", "--pack", "aws-cis-foundations-2-0", "--db", module_backend.url, "--format", "json"]
    )
    document = json.loads(result.output[: result.output.rindex("}") + 1])
    checks = {c["id"]: c for c in document["checks"]}
    assert set(checks) == {r.id for r in PACKS["aws-cis-foundations-2-0"]}
    assert all(c["pack"] == "aws-cis-foundations-2-0" and c["follows"] for c in checks.values())
    # The fixture: dev's root user has no MFA, alice has a console password and no MFA.
    assert [f["displayName"] for f in checks["cis-root-mfa"]["findings"]] == ["dev"]
    assert [f["displayName"] for f in checks["cis-console-user-mfa"]["findings"]] == ["alice"]
    assert checks["cis-ebs-encrypted"]["status"] == NOT_COLLECTED
    assert result.exit_code == 1  # findings at or above --fail-on low


def test_rules_over_types_never_collected_are_not_a_pass(graph_store: SqliteStore) -> None:
    results = {r.rule.id: r for r in run_checks(graph_store, PACKS["aws-config"])}
    for rule_id in ("dynamodb-pitr-enabled", "alb-waf-enabled", "rds-storage-encrypted"):
        assert results[rule_id].status == NOT_COLLECTED
        assert "never collected" in results[rule_id].reason


def test_an_unknown_pack_is_one_line_naming_the_known_ones(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph_aws.cli",
            "check",
            "--pack",
            "cis-[bold]9[/bold]",
            "--db",
            str(tmp_path / "x.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cis-[bold]9[/bold]" in lines[0]
    assert all(name in lines[0] for name in PACKS)
    assert not (tmp_path / "x.db").exists()  # refused before the store is opened


def test_list_packs_names_every_pack_with_its_rule_count() -> None:
    result = CliRunner().invoke(cli, ["check", "--list-packs"])
    assert result.exit_code == 0
    for name, rules in PACKS.items():
        assert f"{name}  {len(rules)} rules" in result.output
    assert "--list-packs" in CliRunner().invoke(cli, ["check", "--help"]).output


def test_object_level_logging_reads_the_data_events_cloudtrail_sends(tmp_path: Path) -> None:
    # The demo's trails log data events of every bucket: this rule's violator is made here.
    store = open_store(str(tmp_path / "g.db"))
    logged, unlogged = (
        make_entity(key=f"arn:aws:s3:::{name}", type="aws_s3_bucket", classes=["DataStore"], name=name)
        for name in ("logged", "unlogged")
    )
    trail = make_entity(key="aws_cloudtrail:1", type="aws_cloudtrail", classes=["Service"], name="CloudTrail")
    sends = make_relationship(from_entity=logged, to_entity=trail, verb="SENDS")
    store.sync_scope("account:1", [logged, unlogged, trail], [sends])
    rule = next(r for r in PACKS["aws-cis-foundations-2-0"] if r.id == "cis-s3-object-level-logging")
    assert [f["name"] for f in run_checks(store, (rule,))[0].findings] == ["unlogged"]
    store.close()
