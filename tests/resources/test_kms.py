"""KMS keys on answers no emulator sends."""

from __future__ import annotations

from hand_answers import ACCOUNT, run_on_answers, step_result

from graph_aws.engine import StepStatus

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


def test_a_key_whose_describe_key_answer_has_no_metadata_keeps_its_entity_and_warns():
    result = run_on_answers(
        "fetch-kms-keys", answers={"ListKeys": {"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY_ARN}]}}
    )
    step = step_result(result, "fetch-kms-keys")
    assert step.status is StepStatus.SUCCESS, step.error
    (key,) = result.job_state.iter_entities("aws_kms_key")
    assert key["_key"] == KEY_ARN and "keyState" not in key
    assert any("no KeyMetadata" in w for w in step.warnings)
