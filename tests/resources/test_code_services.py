"""CodeCommit repositories (moto patched for ListRepositories) and CodePipeline pipelines."""

from __future__ import annotations

from graph_aws.demo.seeds import codecommit, codepipeline

ACCOUNT = "123456789012"


def test_repositories_and_pipelines(run_steps, client):
    codecommit.seed(client, ACCOUNT, ["eu-west-1"])
    codepipeline.seed(client, ACCOUNT, ["eu-west-1"])
    result = run_steps("fetch-codecommit-repositories", "fetch-codepipeline-pipelines")
    assert all(r.status.value == "success" for r in result.step_results), [
        r.error for r in result.step_results
    ]

    (repository,) = result.job_state.iter_entities("aws_codecommit_repository")
    assert repository["_key"] == f"arn:aws:codecommit:eu-west-1:{ACCOUNT}:graph-aws-demo-infrastructure"
    assert repository["_class"] == ["CodeRepo"] and repository["public"] is False and repository["id"]
    (pipeline,) = result.job_state.iter_entities("aws_codepipeline_pipeline")
    assert pipeline["_key"] == f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:graph-aws-demo-deploy"
    assert (
        pipeline["_class"] == ["Workflow"]
        and pipeline["version"] == 1
        and isinstance(pipeline["createdOn"], int)
    )
    has = {(r["_type"], r["_toEntityKey"]) for r in result.job_state.relationships()}
    assert ("aws_codecommit_has_repository", repository["_key"]) in has
    assert ("aws_codepipeline_has_pipeline", pipeline["_key"]) in has
