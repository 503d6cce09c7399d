"""JupiterOne's schemas (@jupiterone/data-model, from npm) as the judge of what graph-aws writes."""

from __future__ import annotations

import json

from graph_aws.model import make_entity, make_relationship
from graph_aws.model.data_model import DATA_MODEL_VERSION, REQUIRED
from j1_oracle import require_package, required_properties, validate

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
