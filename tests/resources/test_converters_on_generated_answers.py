"""Every resource converter on answers generated from botocore's output shapes (issue 8, item 10).

moto fills fields its own way; a real account sends whatever the model allows. For each list
operation a resource step calls (found by walking the registry, so a new spec is covered with no edit
here), pages are generated from the operation's output shape and each item is converted: nothing may
raise except UnconvertibleItem (the item costs only itself, the step warns and goes on), and every
entity made passes the model's rules.
"""

from __future__ import annotations

import random
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botocore_responses import Answers
from generated_answers import entity_problems
from graph_aws.aws.resources import resource_steps
from graph_aws.aws.resources.registry import ResourceSpec, Where, convert_item
from graph_aws.errors import UnconvertibleItem
from graph_aws.model import make_entity

ACCOUNT = "123456789012"
_SESSION = botocore.session.get_session()


def _spec_of(step: Any) -> ResourceSpec | None:
    """The spec a registry step was made from (`resource_step(spec)` keeps it in its handler)."""
    for cell in getattr(step.handler, "__closure__", None) or ():
        if isinstance(cell.cell_contents, ResourceSpec):
            return cell.cell_contents
    return None


SPECS = [spec for spec in (_spec_of(step) for step in resource_steps()) if spec is not None]


def _operation(client: str, method: str) -> Any:
    model = _SESSION.get_service_model(client)
    names = {xform_name(name): name for name in model.operation_names}
    return model.operation_model(names[method])


def _item_shape(spec: ResourceSpec) -> Any:
    """The shape of one item the converter gets, or None when it reads a hand-written detail call."""
    if spec.detail is not None:
        return None
    if spec.describe is not None:
        output, path = _operation(spec.client, spec.describe.operation).output_shape, spec.describe.result_key
    else:
        output, path = _operation(spec.client, spec.operation).output_shape, spec.result_key
    if spec.whole_response and spec.describe is None:
        return output
    shape = output
    for part in path.split("."):
        shape = shape.members[part]
    assert shape.type_name == "list", f"{spec.step_id}: {path} is not a list in botocore's model"
    return shape.member


COVERED = [spec for spec in SPECS if _item_shape(spec) is not None]


def _parent(spec: ResourceSpec) -> dict[str, Any] | None:
    if spec.parent is None:
        return None
    entity_type = spec.parent.entity
    arn = f"arn:aws:{spec.client}:us-east-1:{ACCOUNT}:parent/parent-1"
    return make_entity(
        key=arn,
        type=entity_type.type,
        classes=entity_type.classes,
        name="parent-1",
        properties={"arn": arn, "id": "parent-1", "accountId": ACCOUNT, "region": "us-east-1"},
    )


def assert_valid(entity: Any, spec: ResourceSpec, item: Any) -> None:
    problems = entity_problems(entity)
    assert not problems, f"{spec.step_id}: {problems}"
    key = entity["_key"]
    # A key built from an id (not copied from the answer) must not end in an empty one: "instance/".
    if isinstance(item, dict) and "" in item.values() and key not in item.values():
        assert not (key.startswith("arn:") and key.endswith("/")), f"{spec.step_id}: {key!r} ends in no id"


def test_the_registry_is_walked_and_almost_every_list_call_is_covered():
    assert len(SPECS) > 50  # the walk found the registry's specs
    print(f"\n{len(COVERED)} of {len(SPECS)} resource list calls covered")


@pytest.mark.parametrize("spec", COVERED, ids=[spec.step_id for spec in COVERED])
def test_a_converter_survives_any_answer_botocore_can_parse(spec: ResourceSpec) -> None:
    shape = _item_shape(spec)
    where = Where(ACCOUNT, "aws", "us-east-1", parent=_parent(spec))

    # derandomize: the same examples at every run; no database, whose entries would be shared by
    # every spec (the inner function has one name) and replayed into the others.
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.integers(min_value=0, max_value=2**32))
    def converts(seed: int) -> None:
        rng = random.Random(seed)
        answers = Answers(rng)
        for item in [answers.of(shape) for _ in range(rng.randint(0, 3))]:
            try:
                entity = convert_item(spec, item, where)  # as the step converts it
            except UnconvertibleItem:  # the step warns and leaves out this item only
                continue
            if entity is not None:
                assert_valid(entity, spec, item)

    converts()
