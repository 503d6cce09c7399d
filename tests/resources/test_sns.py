"""SNS: topics with the key that encrypts them (by ARN or alias), and subscriptions linked to topics."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.sns import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_topics_their_keys_and_subscriptions(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    kms = client("kms", "us-east-1")
    key = kms.list_keys()["Keys"][0]["KeyArn"]
    aliased_key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/billing", TargetKeyId=aliased_key)
    billing = client("sns", "us-east-1").create_topic(
        Name="billing", Attributes={"KmsMasterKeyId": "alias/billing"}
    )["TopicArn"]
    client("sns", "eu-west-1").create_topic(Name="eu-topic")
    result = run_steps("fetch-sns-topics", "fetch-sns-subscriptions")
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)

    topics = {t["name"]: t for t in result.job_state.iter_entities("aws_sns_topic")}
    assert set(topics) == {"graph-aws-demo-alerts", "graph-aws-demo-events", "billing", "eu-topic"}
    alerts, events = topics["graph-aws-demo-alerts"], topics["graph-aws-demo-events"]
    assert alerts["_key"] == alerts["arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:graph-aws-demo-alerts"
    assert (
        alerts["_class"] == ["Channel"] and alerts["accountId"] == ACCOUNT and alerts["region"] == "us-east-1"
    )
    assert alerts["encrypted"] is True and alerts["kmsKeyId"] == key and alerts["owner"] == ACCOUNT
    assert events["encrypted"] is False and "kmsKeyId" not in events and events["public"] is False
    assert topics["eu-topic"]["region"] == "eu-west-1"
    assert ends(result, "aws_sns_topic_uses_kms_key") == {(alerts["_key"], key), (billing, aliased_key)}

    subscriptions = {s["protocol"]: s for s in result.job_state.iter_entities("aws_sns_subscription")}
    assert set(subscriptions) == {"sqs", "email"}
    queue = subscriptions["sqs"]
    assert queue["_key"] == queue["arn"] and queue["arn"].startswith(alerts["arn"] + ":")
    assert queue["_class"] == ["Subscription"] and queue["topicArn"] == alerts["arn"]
    assert queue["endpoint"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:graph-aws-demo-alerts"
    assert subscriptions["email"]["endpoint"] == "oncall@example.com"
    assert ends(result, "aws_sns_topic_has_subscription") == {
        (alerts["_key"], s["_key"]) for s in subscriptions.values()
    }
    assert len(ends(result, "aws_sns_has_topic")) == 4 and len(ends(result, "aws_sns_has_subscription")) == 2


def test_a_policy_that_is_not_json_or_a_count_that_is_not_a_number_is_left_out_with_a_warning():
    arn = "arn:aws:sns:us-east-1:123456789012:alerts"
    attributes = {"Policy": "not json", "SubscriptionsConfirmed": "two", "SubscriptionsPending": "1"}
    answers = {
        "ListTopics": {"Topics": [{"TopicArn": arn}]},
        "GetTopicAttributes": {"Attributes": attributes},
    }
    result = run_on_answers("fetch-sns-topics", answers=answers)
    step = step_result(result, "fetch-sns-topics")
    assert step.status is StepStatus.SUCCESS, step.error
    (topic,) = result.job_state.iter_entities("aws_sns_topic")
    assert (
        topic["subscriptionsPending"] == 1 and "subscriptionsConfirmed" not in topic and "public" not in topic
    )
    (warning,) = step.warnings
    assert arn in warning and "Policy" in warning and "SubscriptionsConfirmed" in warning
