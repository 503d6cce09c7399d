import threading

import pytest

from graph_aws.engine import Step, StepStatus, execute_steps, validate_steps
from graph_aws.errors import StepDefinitionError
from graph_aws.model import EntityType, make_entity

USER = EntityType("User", "acme_user", ("User",))
GROUP = EntityType("Group", "acme_group", ("UserGroup",))
FINDING = EntityType("Finding", "acme_finding", ("Finding",), partial=True)


def add_user(context):
    context.job_state.add_entity(make_entity(key="acme-user-1", type="acme_user", classes=["User"], name="u"))


def fail(context):
    context.job_state.add_entity(
        make_entity(key="acme-group-1", type="acme_group", classes=["UserGroup"], name="g")
    )
    raise RuntimeError("the API said no")


def nothing(context):
    pass


def test_statuses_and_partial_types_follow_jupiterone():
    steps = [
        Step(id="fetch-users", name="Users", handler=add_user, entities=(USER,)),
        Step(id="fetch-groups", name="Groups", handler=fail, entities=(GROUP,)),
        Step(
            id="fetch-members",
            name="Members",
            handler=nothing,
            depends_on=("fetch-groups",),
            entities=(USER,),
        ),
        Step(id="fetch-findings", name="Findings", handler=nothing, entities=(FINDING,)),
    ]
    result = execute_steps(steps, resources=None)
    status = {r.id: r.status for r in result.step_results}
    assert status == {
        "fetch-users": StepStatus.SUCCESS,
        "fetch-groups": StepStatus.FAILURE,
        "fetch-members": StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE,
        "fetch-findings": StepStatus.SUCCESS,
    }
    # The failed step's types, its dependant's types, and always-partial types.
    assert result.partial_types == ["acme_finding", "acme_group", "acme_user"]
    failed = result.failed_steps[0]
    assert "the API said no" in failed.error
    # What the failed step found before failing is kept.
    assert failed.encountered_type_counts == {"acme_group": 1}
    summary = result.summary()
    assert summary["metadata"]["partialDatasets"]["types"] == result.partial_types
    assert {s["id"] for s in summary["integrationStepResults"]} == {s.id for s in steps}


def test_disabled_steps_and_their_dependants_do_not_run():
    ran = []
    steps = [
        Step(id="a-step", name="A", handler=lambda c: ran.append("a")),
        Step(id="b-step", name="B", handler=lambda c: ran.append("b"), depends_on=("a-step",)),
    ]
    result = execute_steps(steps, None, disabled=["a-step"])
    assert ran == []
    assert [r.status for r in result.step_results] == [StepStatus.DISABLED, StepStatus.DISABLED]
    assert result.partial_types == []


def test_dependencies_run_first_and_independent_steps_run_together():
    barrier = threading.Barrier(2, timeout=5)
    order = []

    def meet(name):
        def handler(context):
            barrier.wait()  # fails unless both independent steps run at the same time
            order.append(name)

        return handler

    steps = [
        Step(id="last", name="Last", handler=lambda c: order.append("last"), depends_on=("left", "right")),
        Step(id="left", name="Left", handler=meet("left")),
        Step(id="right", name="Right", handler=meet("right")),
    ]
    result = execute_steps(steps, None, concurrency=2)
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    assert order[-1] == "last"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([Step(id="a", name="A", handler=nothing, depends_on=("missing",))], "unknown steps: missing"),
        (
            [
                Step(id="a", name="A", handler=nothing, depends_on=("b",)),
                Step(id="b", name="B", handler=nothing, depends_on=("a",)),
            ],
            "cycle",
        ),
        ([Step(id="a", name="A", handler=nothing), Step(id="a", name="A", handler=nothing)], "duplicate"),
    ],
)
def test_inconsistent_step_graphs_are_refused(steps, message):
    with pytest.raises(StepDefinitionError, match=message):
        validate_steps(steps)


def test_a_duplicate_key_fails_the_step_that_added_it():
    steps = [Step(id="twice", name="Twice", handler=lambda c: (add_user(c), add_user(c)), entities=(USER,))]
    result = execute_steps(steps, None)
    assert result.step_results[0].status is StepStatus.FAILURE
    assert "added twice" in result.step_results[0].error


def test_once_stopped_no_further_step_starts_and_the_result_says_which():
    from graph_aws.engine import StopSignal

    stop = StopSignal()
    ran = []

    def first(context):
        ran.append("fetch-first")
        stop.set("interrupted by SIGINT")

    def later(context):
        ran.append(context.step.id)

    steps = [
        Step(id="fetch-first", name="First", handler=first),
        Step(id="fetch-second", name="Second", handler=later, depends_on=("fetch-first",)),
        Step(id="fetch-third", name="Third", handler=later, depends_on=("fetch-second",)),
    ]
    result = execute_steps(steps, None, stop=stop)
    assert ran == ["fetch-first"]
    assert result.not_started == ["fetch-second", "fetch-third"]
    second = next(r for r in result.step_results if r.id == "fetch-second")
    assert second.status is StepStatus.FAILURE and second.error == "not started: interrupted by SIGINT"


def test_step_warnings_are_part_of_the_stored_summary():
    def warn(context):
        context.warn("not enabled in this account, left out: xx-fake-9")

    result = execute_steps([Step(id="fetch-regions", name="Regions", handler=warn)], None)
    (step,) = result.summary()["integrationStepResults"]
    assert step["warnings"] == ["not enabled in this account, left out: xx-fake-9"]
