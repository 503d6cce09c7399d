"""JupiterOne's questions about SSM, Access Analyzer, GuardDuty and Inspector, answered on the demo's
seeds (the session's fully seeded collect): the names and edges its rules read are those collected.

The first test asks them in J1QL written here. The second runs the published rule packs' queries
themselves from GRAPH_AWS_RULEPACKS (default /work/rulepacks, outside the repository: the packs are
JupiterOne's and are not copied here); it is skipped where the packs are not on the machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from graph_aws.query import run_query

PACKS = Path(os.environ.get("GRAPH_AWS_RULEPACKS", "/work/rulepacks"))


def rows(store, query):
    return [tuple(row) for row in run_query(store, query).rows]


def test_the_questions_find_what_the_seeds_hold(seeded_store):
    accounts = {
        row[0]
        for row in rows(seeded_store, "FIND aws_instance_inventory RETURN aws_instance_inventory.accountId")
    }
    assert len(accounts) == 3  # the management account and the two members collected
    # The backdoored xz-utils, on the instance that HAS the inventory, reached from the Internet.
    backdoored = rows(
        seeded_store,
        "FIND Internet THAT RELATES TO aws_security_group THAT RELATES TO aws_instance AS i "
        "THAT HAS >> aws_instance_inventory WITH applicationInventory ~= 'xz-utils_5.6.1' "
        "RETURN i.displayName",
    )
    assert set(backdoored) == {("web-1",)}
    # Patch groups and the instances in them; patch states logged by those instances.
    assert set(
        rows(seeded_store, "FIND aws_patch_group THAT HAS aws_instance AS i RETURN i.displayName")
    ) == {("web-1",)}
    assert rows(seeded_store, "FIND aws_instance THAT LOGS aws_patch_state WITH missingCount > 0") == []
    # Access Analyzer: one active analyzer per account, in the first region only.
    regions = rows(
        seeded_store,
        "FIND aws_accessanalyzer_analyzer WITH active = true RETURN aws_accessanalyzer_analyzer.region",
    )
    assert set(regions) == {("us-east-1",)} and len(regions) == 3
    # A high GuardDuty finding on an instance that also has a high Inspector finding.
    correlated = rows(
        seeded_store,
        "FIND aws_guardduty_finding WITH numericSeverity > 5 AND open = true AS g "
        "THAT RELATES TO aws_instance AS i THAT HAS aws_inspector_finding "
        "WITH numericSeverity > 5 AND open = true RETURN i.displayName, g.type",
    )
    assert correlated and {name for name, _ in correlated} == {"web-1"}
    assert {kind for _, kind in correlated} == {"Backdoor:EC2/C&CActivity.B"}
    # Findings that name a user the graph cannot attribute to a User or Person.
    unattributed = rows(
        seeded_store, "FIND Finding WITH userName != undefined THAT !HAS (Person|User) RETURN Finding._type"
    )
    assert unattributed and set(unattributed) == {("aws_guardduty_finding",)}


# rule -> whether it finds anything on the seeds (the openssh ones look for `openssh-<version>`
# names, which SSM's `<name>_<version>` inventory never has; critical assets need a Host
# classified critical, which no seed is).
ANSWERED = {
    "is-iam-access-analyzer-enabled?": None,  # two queries: active (answered) and inactive (none)
    "aws-guardduty-inspector-finding-instance-correlation": True,
    "aws-guardduty-finding-unattributed": True,
    "execution-command-and-scripting-unix-aws-ssm-malicious-binary": True,
    "execution-command-and-scripting-unix-aws-ssm-malicious-binary-critical-assets": False,
    "execution-command-and-scripting-unix-aws-ssm-malicious-binary-network-devices": True,
    "execution-command-and-scripting-unix-aws-ssm-malicious-binary-devices": True,
    "execution-command-and-scripting-unix-aws-ssm-malicious-binary-general": True,
    "execution-cloud-administration-command-aws-ssm-malicious-binary-openssh-device": False,
    "execution-cloud-administration-command-aws-ssm-malicious-binary-openssh-general": False,
    "execution-software-deployment-tools-update-software": True,
    "initial-access-exploit-public-facing-application-update-software": True,
}


def published_rules() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKS.glob("*.json")):
        for rule in json.loads(path.read_text()):
            if rule.get("name") in ANSWERED:
                found[rule["name"]] = [q["query"] for q in rule.get("queries", [])]
    return found


@pytest.mark.skipif(not PACKS.is_dir(), reason=f"JupiterOne's rule packs are not at {PACKS}")
def test_the_published_queries_answer_on_the_seeds(seeded_store):
    rules = published_rules()
    assert set(rules) == set(ANSWERED)
    for name, queries in rules.items():
        answered = [bool(run_query(seeded_store, query).rows) for query in queries]
        if ANSWERED[name] is None:
            assert answered.count(True) == 1, name
        else:
            assert all(a is ANSWERED[name] for a in answered), (name, answered)
