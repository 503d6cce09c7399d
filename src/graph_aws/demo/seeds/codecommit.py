"""CodeCommit: a repository in the first region.

moto lacks ListRepositories; `patch_moto` answers it from the repositories moto keeps.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory


def patch_moto() -> None:
    from moto.codecommit.responses import CodeCommitResponse

    if hasattr(CodeCommitResponse, "list_repositories"):
        return

    def list_repositories(self: Any) -> str:
        repositories = [
            {"repositoryName": name, "repositoryId": repo.repository_metadata["repositoryId"]}
            for name, repo in sorted(self.codecommit_backend.repositories.items())
        ]
        return json.dumps({"repositories": repositories})

    setattr(CodeCommitResponse, "list_repositories", list_repositories)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    client("codecommit", regions[0]).create_repository(
        repositoryName="graph-aws-demo-infrastructure", repositoryDescription="Terraform for the demo"
    )
