"""The CIS checks on the fixture graph: failures found, uncollected types said, and the reports."""

from __future__ import annotations

import json

from rich.console import Console

from backends import Backend
from graph_aws.checks import FAILED, NOT_COLLECTED, PASSED, RULES, failed_at_or_above, run_check, run_checks
from graph_aws.checks.report import as_html, as_json, as_table
from graph_aws.model import make_entity, make_relationship
from graph_aws.query import parse
from graph_aws.store import Store


def by_id(store: Store) -> dict[str, object]:
    return {r.rule.id: r for r in run_checks(store)}


def test_every_rule_is_valid_j1ql_with_a_control_and_severity() -> None:
    assert len({r.id for r in RULES}) == len(RULES) == 11
    for rule in RULES:
        parse(rule.j1ql)
        assert rule.control.startswith("CIS AWS Foundations") and rule.severity
        assert rule.required_types


def test_account_rules_on_the_fixture(graph_store: Store) -> None:
    results = {r.rule.id: r for r in run_checks(graph_store)}
    failing = {rid: sorted(f["name"] for f in r.findings) for rid, r in results.items() if r.status == FAILED}
    # "legacy" is the mapper's (no ingestion of its own): the account rules leave it out, as JupiterOne's do.
    assert failing == {
        "account-contact-email": ["solo"],
        "account-security-contact": ["legacy"],
        "root-mfa": ["dev"],
        "root-access-keys": ["dev"],
        "iam-user-mfa": ["alice"],
        "cloudtrail-all-regions": ["dev", "solo"],
    }


def test_rules_whose_types_were_never_collected_say_so(graph_store: Store) -> None:
    results = {r.rule.id: r for r in run_checks(graph_store)}
    for rule_id in ("password-policy-strength", "access-key-age", "s3-bucket-public", "ebs-volume-encrypted"):
        assert results[rule_id].status == NOT_COLLECTED
        assert "never collected" in results[rule_id].reason


def test_properties_not_collected_are_not_a_pass(backend: Backend) -> None:
    store = backend.open()
    account = make_entity(
        key="arn:aws:iam::555555555555:root",
        type="aws_account",
        classes=["Account"],
        name="a",
        properties={"accountId": "555555555555"},
    )
    user = make_entity(
        key="arn:aws:iam::555555555555:user/u",
        type="aws_iam_user",
        classes=["User"],
        name="u",
        properties={"passwordEnabled": True},
    )
    store.sync_scope("account:555555555555", [account, user], [])
    results = {r.rule.id: r for r in run_checks(store)}
    # Not in organization mode, and no MFA or contact data collected: nothing can pass.
    for rule_id in ("account-contact-email", "account-security-contact", "root-mfa", "iam-user-mfa"):
        assert results[rule_id].status == NOT_COLLECTED, rule_id
    assert "--organization" in results["account-contact-email"].reason
    store.close()


def test_resource_rules_pass_and_fail(backend: Backend) -> None:
    store = backend.open()
    sg = make_entity(key="sg-0000000001", type="aws_security_group", classes=["Firewall"], name="default")
    internet = make_entity(key="internet-0001", type="internet", classes=["Internet"], name="Internet")
    key = make_entity(
        key="AKIA000000000001",
        type="aws_iam_access_key",
        classes=["AccessKey"],
        name="old",
        properties={"status": "Active", "createdOn": 1_500_000_000_000},
    )
    volume = make_entity(
        key="vol-000000000001",
        type="aws_ebs_volume",
        classes=["DataStore"],
        name="v",
        properties={"encrypted": True},
    )
    bucket = make_entity(
        key="arn:aws:s3:::open",
        type="aws_s3_bucket",
        classes=["DataStore"],
        name="open",
        properties={"public": True},
    )
    allows = make_relationship(
        from_entity=sg, to_entity=internet, verb="ALLOWS", properties={"ingress": True}
    )
    store.sync_scope("account:1", [sg, internet, key, volume, bucket], [allows])
    results = {r.rule.id: r.status for r in run_checks(store)}
    assert results["default-security-group"] == FAILED
    assert results["access-key-age"] == FAILED
    assert results["ebs-volume-encrypted"] == PASSED
    assert results["s3-bucket-public"] == FAILED
    store.close()


def test_severity_threshold(graph_store: Store) -> None:
    results = run_checks(graph_store)
    assert {r.rule.id for r in failed_at_or_above(results, "critical")} == {"root-mfa", "root-access-keys"}
    assert len(failed_at_or_above(results, "low")) == 6
    assert run_check(graph_store, RULES[0]).status == FAILED


def test_reports(graph_store: Store) -> None:
    results = run_checks(graph_store)
    document = json.loads(as_json(results))
    assert document["summary"] == "0 passed, 6 failed, 5 not collected"
    root_mfa = next(c for c in document["checks"] if c["id"] == "root-mfa")
    assert root_mfa["findings"] == [
        {
            "_key": "arn:aws:iam::222222222222:root",
            "_type": "aws_account",
            "displayName": "dev",
            "accountId": "222222222222",
        }
    ]
    page = as_html(results)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert "CIS AWS Foundations 1.5" in page and "&lt;" not in page.split("<body>")[0]
    console = Console(record=True, width=200)
    console.print(as_table(results))
    assert "not collected" in console.export_text()


def test_html_escapes_what_the_graph_holds(backend: Backend) -> None:
    store = backend.open()
    bucket = make_entity(
        key="arn:aws:s3:::evil",
        type="aws_s3_bucket",
        classes=["DataStore"],
        name="<script>alert(1)</script>",
        properties={"public": True},
    )
    store.sync_scope("account:1", [bucket], [])
    page = as_html(run_checks(store))
    assert "<script>" not in page and "&lt;script&gt;" in page
    store.close()
