"""Constants the tests share (conftest.py holds the fixtures)."""

EXTERNAL_ID = "ext-id-5f1c9e0b7a"
ROLE = "OrganizationAccountAccessRole"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def run_cli(*args, env=None, cwd=None, unprivileged=False, timeout=120, **kwargs):
    """The real command line in a process of its own. `unprivileged`: without the capabilities
    that let root ignore file permissions (the tests run as root), so read-only files are read-only."""
    import os
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-m", "graph_aws.cli", *args]
    if unprivileged and os.geteuid() == 0:
        assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root's file capabilities"
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    environment = {**os.environ, **FAKE_CREDENTIALS, **(env or {})}
    return subprocess.run(
        command, env=environment, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kwargs
    )


def matrix_row(fault: str, outcome: str, kept: str, status: int, seconds: float) -> None:
    """One row of the fault matrix, as measured (shown with `pytest -s`; never asserted)."""
    print(f"\nFAULT MATRIX | {fault} | {outcome} | {kept} | exit {status} | {seconds:.1f} s")
