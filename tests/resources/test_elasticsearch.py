"""OpenSearch and Elasticsearch domains: encryption, exposure, security groups, keys."""

from __future__ import annotations

import botocore.handlers
import pytest
from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.elasticsearch import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def describe_calls():
    calls = []
    entry = (
        "before-parameter-build.opensearch.DescribeDomains",
        lambda params, **_: calls.append(params["DomainNames"]),
    )
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield calls
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_domains_of_both_engines(run_steps, client, describe_calls):
    seed(client, ACCOUNT, ["us-east-1"])
    for n in range(4):
        client("opensearch", "us-east-1").create_domain(
            DomainName=f"extra-{n}", EngineVersion="OpenSearch_2.11"
        )
    key = client("kms", "us-east-1").list_keys()["Keys"][0]["KeyArn"]
    group = client("ec2", "us-east-1").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    result = run_steps("fetch-es-domains", regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    domains = {d["name"]: d for d in result.job_state.iter_entities("aws_elasticsearch_domain")}
    assert len(domains) == 6 and sorted(len(batch) for batch in describe_calls) == [1, 5]  # five at a time
    search, logs = domains["graph-aws-demo-search"], domains["graph-aws-demo-logs"]
    assert search["_key"] == search["arn"] == f"arn:aws:es:us-east-1:{ACCOUNT}:domain/graph-aws-demo-search"
    assert search["_class"] == ["Database", "DataStore", "Cluster"] and search["accountId"] == ACCOUNT
    assert search["engineType"] == "OpenSearch" and search["engineVersion"] == "2.11"
    assert (
        search["encrypted"] is True
        and search["kmsKeyId"] == key
        and search["nodeToNodeEncryptionEnabled"] is True
    )
    assert search["public"] is False and search["enforceHTTPS"] is True
    assert search["tlsSecurityPolicy"] == "Policy-Min-TLS-1-2-2019-07"
    assert logs["engineType"] == "Elasticsearch" and logs["engineVersion"] == "7.10"
    assert logs["public"] is True and logs["encrypted"] is False
    group_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group['GroupId']}"
    assert ends(result, "aws_elasticsearch_domain_has_security_group") == {(search["_key"], group_key)}
    assert ends(result, "aws_elasticsearch_domain_uses_kms_key") == {(search["_key"], key)}
    assert len(ends(result, "aws_es_has_elasticsearch_domain")) == 6


def test_an_access_policy_that_is_json_but_not_an_object_leaves_public_unknown():
    domain = {
        "ARN": "arn:aws:es:us-east-1:123456789012:domain/logs",
        "DomainName": "logs",
        "AccessPolicies": "[1]",
    }
    answers = {
        "ListDomainNames": {"DomainNames": [{"DomainName": "logs"}]},
        "DescribeDomains": {"DomainStatusList": [domain]},
    }
    result = run_on_answers("fetch-es-domains", answers=answers)
    step = step_result(result, "fetch-es-domains")
    assert step.status is StepStatus.SUCCESS, step.error
    (entity,) = result.job_state.iter_entities("aws_elasticsearch_domain")
    assert entity["name"] == "logs" and "accessPolicyPublic" not in entity
