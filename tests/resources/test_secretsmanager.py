"""Secrets Manager: secrets with their rotation and key, never their values."""

from __future__ import annotations

import json

ACCOUNT = "123456789012"


def test_secrets_carry_rotation_and_their_key_never_their_value(run_steps, client):
    secrets = client("secretsmanager", "eu-west-1")
    key = client("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    rotated = secrets.create_secret(
        Name="db", SecretString="s3cr3t-value", KmsKeyId=key, Tags=[{"Key": "team", "Value": "data"}]
    )["ARN"]
    secrets.rotate_secret(
        SecretId=rotated,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    plain = client("secretsmanager", "us-east-1").create_secret(Name="token", SecretString="t0ken-value")[
        "ARN"
    ]

    result = run_steps("fetch-secretsmanager-secrets")
    found = {s["_key"]: s for s in result.job_state.iter_entities("aws_secretsmanager_secret")}
    assert set(found) == {rotated, plain}
    secret = found[rotated]
    assert secret["_class"] == ["Secret"] and secret["name"] == "db" and secret["region"] == "eu-west-1"
    assert secret["rotationEnabled"] is True and secret["rotationAfterDays"] == 30
    assert secret["kmsKeyId"] == key and secret["tag.team"] == "data"
    assert found[plain]["rotationEnabled"] is False and "kmsKeyId" not in found[plain]
    assert "value" not in json.dumps(list(found.values()))
    uses = {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_class"] == "USES"
    }
    assert uses == {(rotated, key)}
