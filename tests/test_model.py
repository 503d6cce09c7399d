import logging

import pytest

from graph_aws.errors import GraphObjectError
from graph_aws.model import (
    SYSTEM_MAPPER,
    make_entity,
    make_relationship,
    relationship_type,
    tag_properties,
)
from graph_aws.model.graph import is_tag_key


@pytest.mark.parametrize(
    ("from_type", "verb", "to_type", "expected"),
    [
        ("aws_account", "HAS", "aws_account", "aws_account_has_account"),
        ("aws_iam", "HAS", "aws_iam_user", "aws_iam_has_user"),
        ("aws_account", "HAS", "aws_iam", "aws_account_has_iam"),
        (
            "aws_organization_root",
            "HAS",
            "aws_organizational_unit",
            "aws_organization_root_has_organizational_unit",
        ),
        ("aws_organizations_policy", "ENFORCES", "aws_account", "aws_organizations_policy_enforces_account"),
        ("aws_vpc", "CONTAINS", "aws_subnet", "aws_vpc_contains_subnet"),
        ("aws_instance", "USES", "aws_ebs_volume", "aws_instance_uses_ebs_volume"),
    ],
)
def test_relationship_type_is_generated_as_jupiterone_does(from_type, verb, to_type, expected):
    assert relationship_type(from_type, verb, to_type) == expected


def account(key="arn:aws:iam::123456789012:root", **properties):
    return make_entity(key=key, type="aws_account", classes=["Account"], name="prod", properties=properties)


def test_entity_has_required_properties_and_drops_none():
    entity = account(accountId="123456789012", email=None)
    assert entity == {
        "_key": "arn:aws:iam::123456789012:root",
        "_type": "aws_account",
        "_class": ["Account"],
        "name": "prod",
        "displayName": "prod",
        "accountId": "123456789012",
    }


def test_tags_become_tag_properties():
    entity = make_entity(
        key="k" * 10,
        type="aws_iam_user",
        classes=["User"],
        name="u",
        tags=[{"Key": "Cost-Center", "Value": "42"}],
    )
    assert entity["tag.Cost-Center"] == "42"
    assert tag_properties({"owner": "me"}) == {"tag.owner": "me"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "short"}, "at least 10 characters"),
        ({"type": "AwsAccount"}, "snake_case"),
        ({"classes": []}, "non-empty list"),
        ({"classes": ["account"]}, "TitleCase"),
        ({"name": ""}, "name is required"),
        ({"properties": {"_key": "x" * 10}}, "set by the builder"),
    ],
)
def test_bad_entities_are_rejected_with_a_message_naming_them(kwargs, message):
    arguments = {
        "key": "arn:aws:iam::123456789012:root",
        "type": "aws_account",
        "classes": ["Account"],
        "name": "n",
    }
    with pytest.raises(GraphObjectError, match=message) as error:
        make_entity(**{**arguments, **kwargs})
    assert "entity" in str(error.value)


def test_relationship_key_class_and_ends():
    management, member = account(), account("arn:aws:iam::210987654321:root")
    relationship = make_relationship(from_entity=management, verb="HAS", to_entity=member)
    assert relationship == {
        "_key": "arn:aws:iam::123456789012:root|has|arn:aws:iam::210987654321:root",
        "_type": "aws_account_has_account",
        "_class": "HAS",
        "_fromEntityKey": management["_key"],
        "_toEntityKey": member["_key"],
        "displayName": "HAS",
    }


def test_relationship_needs_both_ends_and_an_upper_case_verb():
    with pytest.raises(GraphObjectError, match="both ends"):
        make_relationship(from_entity=account(), verb="HAS", to_type="aws_account")
    with pytest.raises(GraphObjectError, match="upper-case"):
        make_relationship(from_entity=account(), verb="has", to_entity=account("arn:aws:iam::1:root"))


AWS_TAG_KEYS = [
    "aws:ec2launchtemplate:id",
    "aws:cloudformation:stack-name",
    "aws:autoscaling:groupName",
    "kubernetes.io/cluster/prod",
    "Cost Center",
    "owner@team+ops=1",
    "Équipe",
    "チーム",
    "x" * 128,
]


@pytest.mark.parametrize("key", AWS_TAG_KEYS)
def test_every_tag_key_aws_accepts_becomes_tag_key_unchanged(key):
    entity = make_entity(key="k" * 10, type="aws_instance", classes=["Host"], name="i", tags={key: "v"})
    assert entity[f"tag.{key}"] == "v"


@pytest.mark.parametrize("key", ["", "x" * 129, "bad\nline", 'quote"d', "back\\slash", "semi;colon", "a[b]"])
def test_a_tag_key_aws_refuses_is_dropped_with_a_warning_and_the_entity_kept(key, caplog):
    assert not is_tag_key(key)
    with caplog.at_level(logging.WARNING):
        entity = make_entity(
            key="k" * 10, type="aws_instance", classes=["Host"], name="i", tags={key: "v", "team": "web"}
        )
    assert entity["tag.team"] == "web"
    assert f"tag.{key}" not in entity
    assert repr(f"tag.{key}") in caplog.text and "dropped" in caplog.text


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ({"bad/name": 1}, "the name is not allowed"),
        ({"nested": {"a": 1}}, "holds a dict"),
        ({"ratio": float("nan")}, "not a number JSON can hold"),
        ({"mixed": ["a", {"b": 1}]}, "a list item holds a dict"),
        ({"tag.team": ["a"]}, "single values"),
    ],
)
def test_a_value_that_cannot_be_stored_costs_only_itself(properties, problem, caplog):
    with caplog.at_level(logging.WARNING):
        entity = account(accountId="123456789012", **properties)
    assert entity["accountId"] == "123456789012"
    assert not set(properties) & set(entity)
    assert problem in caplog.text and "arn:aws:iam::123456789012:root" in caplog.text


def test_properties_a_class_requires_are_null_when_not_given():
    host = make_entity(
        key="arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        type="aws_instance",
        classes=["Host"],
        name="i-1",
        properties={"fqdn": None, "osName": "linux"},
    )
    assert host["fqdn"] is None and host["ipv4Addresses"] is None and host["osName"] == "linux"
    assert "vendor" not in account()  # required with a value: the converter's to give, never a null


def test_a_mapped_entity_says_so():
    internet = make_entity(
        key="global:internet", type="internet", classes=["Internet", "Network"], name="Internet", mapped=True
    )
    assert internet["_source"] == SYSTEM_MAPPER
    assert "_source" not in account()


def test_relationships_hold_single_values_only(caplog):
    management, member = account(), account("arn:aws:iam::210987654321:root")
    with caplog.at_level(logging.WARNING):
        relationship = make_relationship(
            from_entity=management,
            verb="HAS",
            to_entity=member,
            properties={"permission": ["READ", "WRITE"], "note": "kept"},
        )
    assert "permission" not in relationship and relationship["note"] == "kept"
    assert "'permission' dropped" in caplog.text
