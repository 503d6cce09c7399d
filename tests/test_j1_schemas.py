"""JupiterOne's schemas (@jupiterone/data-model, from npm) as the judge of what graph-aws writes."""

from __future__ import annotations

import json

from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS
from graph_aws.model import is_mapped, make_entity, make_relationship
from graph_aws.model.data_model import DATA_MODEL_VERSION, REQUIRED
from graph_aws.model.graph import is_tag_key
from j1_oracle import require_package, required_properties, validate, without_category_conflicts

SET_BY_THE_BUILDERS = {"_key", "_type", "_class", "name", "displayName"}


def test_the_required_properties_table_is_the_installed_data_models():
    package = json.loads((require_package("@jupiterone/data-model") / "package.json").read_text())
    assert package["version"] == DATA_MODEL_VERSION
    installed = {
        class_name: {name: nullable for name, nullable in props.items() if name not in SET_BY_THE_BUILDERS}
        for class_name, props in required_properties().items()
    }
    assert {c: p for c, p in installed.items() if p} == REQUIRED


def host(instance_id, **properties):
    return make_entity(
        key=f"arn:aws:ec2:us-east-1:123456789012:instance/{instance_id}",
        type="aws_instance",
        classes=["Host"],
        name=instance_id,
        properties=properties,
    )


def test_the_oracle_rejects_what_the_sdk_rejects_and_accepts_sdk_tag_names():
    good = host("i-good", **{"tag.aws:ec2launchtemplate:id": "lt-1"})
    bad_value = host("i-bad", ipv4Addresses="10.0.0.1")  # Host wants a list of addresses, or null
    missing = {k: v for k, v in host("i-missing").items() if k != "fqdn"}  # required, even when null
    no_schema = make_entity(key="global:everyone", type="everyone", classes=["Everyone"], name="Everyone")
    listed = make_relationship(from_entity=good, verb="USES", to_entity=bad_value)
    result = validate([good, bad_value, missing, no_schema], [{**listed, "ports": [22, 80]}])

    failed = {f["_key"]: f for f in result["entities"]}
    assert result["checked"] == {"entities": 4, "relationships": 1}
    assert failed[good["_key"]] == {
        "_key": good["_key"],
        "_type": "aws_instance",
        "errors": [],
        "tagNames": ["tag.aws:ec2launchtemplate:id"],  # the pattern's verdict, left to the caller
    }
    assert any("/ipv4Addresses" in e for e in failed[bad_value["_key"]]["errors"])
    assert any("'fqdn'" in e for e in failed[missing["_key"]]["errors"])
    assert failed["global:everyone"]["errors"] == ['Schema not found for class "Everyone"']
    (relationship,) = result["relationships"]
    assert any("/ports" in e for e in relationship["errors"])


# JupiterOne's own global entities, which integrations reach through mapped relationships and which
# the data model itself cannot validate: its EVERYONE has no class schema, its INTERNET's `CIDRv6`
# ('::/0') fails its own ipv6 format. graph-aws's are the same, and mapped, as JupiterOne's are.
GLOBAL_ENTITY_FAILURES = {
    "global:everyone": ['Schema not found for class "Everyone"'],
    "global:internet": ['#/allOf/1/properties/CIDRv6/format at /CIDRv6: must match format "ipv6"'],
}


def test_a_fully_seeded_collect_passes_jupiterones_schemas(seeded_store):
    entities, relationships = list(seeded_store.entities()), list(seeded_store.relationships())
    types = {e["_type"] for e in entities}
    declared = {
        e.type for step in (*ORGANIZATION_STEPS, *account_job_steps()) for e in step.entities if not e.partial
    }
    assert declared <= types, f"seed these types so their schemas are checked: {sorted(declared - types)}"

    result = validate(entities, relationships)
    assert result["checked"] == {"entities": len(entities), "relationships": len(relationships)}
    assert result["relationships"] == []
    failures = {f["_key"]: f["errors"] for f in result["entities"] if f["errors"]}
    assert without_category_conflicts(failures, entities) == GLOBAL_ENTITY_FAILURES
    assert all(is_mapped(e) for e in entities if e["_key"] in GLOBAL_ENTITY_FAILURES)

    # Tag names the data model's pattern refuses are the ones the SDK writes: AWS tag keys.
    tag_names = {name for f in result["entities"] for name in f["tagNames"]}
    assert "tag.aws:ec2launchtemplate:id" in tag_names and "tag.aws:cloudformation:stack-name" in tag_names
    assert all(is_tag_key(name.removeprefix("tag.")) for name in tag_names)
