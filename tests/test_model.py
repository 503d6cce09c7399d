import pytest

from graph_aws.errors import GraphObjectError
from graph_aws.model import make_entity, make_relationship, relationship_type, tag_properties


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
        ({"properties": {"bad/name": 1}}, "'bad/name' is not allowed"),
        ({"properties": {"nested": {"a": 1}}}, "holds a dict"),
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
