"""SNS: topics (with the KMS key that encrypts them) and their subscriptions.

JupiterOne's rule sns-encrypted-kms reads `FIND aws_sns_topic THAT !USES aws_kms_key`: a topic
encrypted with the AWS-managed key names it by alias (`alias/aws/sns`), resolved to the key's ARN.
ListTopics names the topics; GetTopicAttributes (one call per topic) gives the rest. Subscriptions
are listed for the whole region at once (ListSubscriptions), each linked to its topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources._kms_keys import LIST_ALIASES, key_arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.aws.resources.s3.access import policy_is_public
from graph_aws.aws.resources.sqs import TextAttributes
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

SNS = ServiceSpec("sns", "SNS", EntityType("SNS", "aws_sns", ("Service",)), function=("notification",))
SNS_TOPIC = EntityType("SNS Topic", "aws_sns_topic", ("Channel",))
SNS_SUBSCRIPTION = EntityType("SNS Subscription", "aws_sns_subscription", ("Subscription",))
TOPIC_USES_KMS_KEY = RelationshipType(SNS_TOPIC, "USES", KMS_KEY)
TOPIC_HAS_SUBSCRIPTION = RelationshipType(SNS_TOPIC, "HAS", SNS_SUBSCRIPTION)

PENDING = "PendingConfirmation"  # the SubscriptionArn of a subscription not confirmed yet


def to_sns_topic(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = raw["TopicArn"]
    return make_entity(
        key=arn,
        type=SNS_TOPIC.type,
        classes=SNS_TOPIC.classes,
        name=arn.rsplit(":", 1)[-1],
        properties={"arn": arn, "accountId": where.account_id, "region": where.region},
    )


def topic_properties(attributes: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The topic's properties, and the attributes that could not be read (left out)."""
    read = TextAttributes(attributes)
    key = attributes.get("KmsMasterKeyId") or None
    policy = read.json_object("Policy")
    properties = {
        "encrypted": bool(key),
        "kmsKeyId": key,
        "topicDisplayName": attributes.get("DisplayName") or None,
        "owner": attributes.get("Owner"),
        "public": policy_is_public(policy) if policy is not None else None,
        "fifoTopic": attributes.get("FifoTopic") == "true",
        "contentBasedDeduplication": attributes.get("ContentBasedDeduplication") == "true",
        "subscriptionsConfirmed": read.number("SubscriptionsConfirmed"),
        "subscriptionsPending": read.number("SubscriptionsPending"),
        "subscriptionsDeleted": read.number("SubscriptionsDeleted"),
    }
    return properties, read.unreadable


def enrich_topic(context: StepContext, sns: Any, where: Where, raw: Mapping[str, Any], topic: Entity) -> None:
    attributes = sns.get_topic_attributes(TopicArn=raw["TopicArn"]).get("Attributes") or {}
    properties, unreadable = topic_properties(attributes)
    if unreadable:
        context.warn(f"{topic['_key']}: attributes {', '.join(sorted(set(unreadable)))} unreadable; left out")
    context.job_state.enrich_entity(topic["_key"], properties)
    key = key_arn_of(context, where, attributes.get("KmsMasterKeyId"))
    if key:
        with one_item(context, f"{topic['_key']} USES KMS key"):
            context.job_state.add_relationship(
                make_relationship(from_entity=topic, verb="USES", to_type=KMS_KEY.type, to_key=key)
            )


def subscription_key(raw: Mapping[str, Any]) -> str:
    """The subscription's ARN; one not yet confirmed has none, so its topic, protocol and endpoint."""
    arn = raw.get("SubscriptionArn")
    if arn and arn != PENDING:
        return str(arn)
    return f"{raw['TopicArn']}:{PENDING}:{raw.get('Protocol')}:{raw.get('Endpoint')}"


def to_sns_subscription(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = raw.get("SubscriptionArn")
    confirmed = bool(arn) and arn != PENDING
    return make_entity(
        key=subscription_key(raw),
        type=SNS_SUBSCRIPTION.type,
        classes=SNS_SUBSCRIPTION.classes,
        name=f"{raw.get('Protocol')}:{raw.get('Endpoint')}",
        properties={
            "arn": arn if confirmed else None,
            "topicArn": raw["TopicArn"],
            "protocol": raw.get("Protocol"),
            "endpoint": raw.get("Endpoint"),
            "owner": raw.get("Owner"),
            "confirmed": confirmed,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_subscription(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], subscription: Entity
) -> None:
    context.job_state.add_relationship(
        make_relationship(
            from_type=SNS_TOPIC.type, from_key=raw["TopicArn"], verb="HAS", to_entity=subscription
        )
    )


SNS_TOPICS = ResourceSpec(
    step_id="fetch-sns-topics",
    name="Fetch SNS topics",
    service=SNS,
    client="sns",
    operation="list_topics",
    result_key="Topics",
    entity=SNS_TOPIC,
    convert=to_sns_topic,
    enrich=enrich_topic,
    relationships=(TOPIC_USES_KMS_KEY,),
    permissions=("sns:ListTopics", "sns:GetTopicAttributes", LIST_ALIASES),
)

SNS_SUBSCRIPTIONS = ResourceSpec(
    step_id="fetch-sns-subscriptions",
    name="Fetch SNS subscriptions",
    service=SNS,
    client="sns",
    operation="list_subscriptions",
    result_key="Subscriptions",
    entity=SNS_SUBSCRIPTION,
    convert=to_sns_subscription,
    enrich=enrich_subscription,
    relationships=(TOPIC_HAS_SUBSCRIPTION,),
    permissions=("sns:ListSubscriptions",),
)

STEPS = (SNS.step(), resource_step(SNS_TOPICS), resource_step(SNS_SUBSCRIPTIONS))
