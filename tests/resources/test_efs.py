"""EFS on answers no emulator sends (the moto tests are in test_data_stores.py)."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.engine import StepStatus


def test_a_mount_target_without_an_id_is_left_out_and_the_others_kept():
    file_system = {
        "FileSystemId": "fs-0123456789abcdef0",
        "FileSystemArn": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0",
    }
    targets = [{"SubnetId": "subnet-0123456789abcdef0"}, {"MountTargetId": "fsmt-0123456789abcdef0"}]
    answers = {
        "DescribeFileSystems": {"FileSystems": [file_system]},
        "DescribeMountTargets": {"MountTargets": targets},
    }
    result = run_on_answers("fetch-efs-file-systems", answers=answers)
    step = step_result(result, "fetch-efs-file-systems")
    assert step.status is StepStatus.SUCCESS, step.error
    assert [t["name"] for t in result.job_state.iter_entities("aws_efs_mount_target")] == [
        "fsmt-0123456789abcdef0"
    ]
    assert any("mount target" in w for w in step.warnings)
