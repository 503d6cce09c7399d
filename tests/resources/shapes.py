"""Responses shaped exactly as botocore's service models say, for converters whose calls moto lacks
or answers in part: every field given must be a member of the shape (nested structures and lists
of structures checked too), so a test cannot invent a field AWS never sends."""

from __future__ import annotations

from typing import Any

import botocore.session

_SESSION = botocore.session.get_session()


def _check(shape: Any, value: Any, path: str) -> None:
    if shape.type_name == "structure":
        assert isinstance(value, dict), f"{path}: {shape.name} is a structure"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{path}: {shape.name} has no member {sorted(unknown)}"
        for name, member in value.items():
            _check(shape.members[name], member, f"{path}.{name}")
    elif shape.type_name == "list":
        assert isinstance(value, list), f"{path}: {shape.name} is a list"
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map":
        assert isinstance(value, dict), f"{path}: {shape.name} is a map"
        for key, item in value.items():
            _check(shape.value, item, f"{path}[{key}]")


def shaped(service: str, shape_name: str, **fields: Any) -> dict[str, Any]:
    """`shaped("ec2", "Snapshot", SnapshotId="snap-1", KmsKeyId="arn:...")`, checked against the model."""
    shape = _SESSION.get_service_model(service).shape_for(shape_name)
    _check(shape, fields, shape_name)
    return dict(fields)


def output_of(service: str, operation: str, **fields: Any) -> dict[str, Any]:
    """An operation's whole answer, checked against its output shape."""
    shape = _SESSION.get_service_model(service).operation_model(operation).output_shape
    _check(shape, fields, f"{operation} output")
    return dict(fields)
