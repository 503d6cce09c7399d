"""Run a job's steps as a graph, as JupiterOne's SDK does.

A step whose dependency failed still runs (it may find most of its data), but is marked
`partial_success_due_to_dependency_failure`; the declared types of failed and partial steps become
the job's partial datasets, which the store never deletes.
"""

from __future__ import annotations

import graphlib
import logging
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from graph_aws.engine.job_state import JobState
from graph_aws.engine.step import Step, StepContext, StepResult, StepStatus, validate_steps
from graph_aws.engine.stop import StopSignal

log = logging.getLogger(__name__)

ErrorDescriber = Callable[[Step, BaseException], str]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _describe(step: Step, error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass
class JobResult:
    job_state: JobState
    step_results: list[StepResult]
    not_started: list[str] = field(default_factory=list)  # steps the stop signal kept from starting

    @property
    def failed_steps(self) -> list[StepResult]:
        return [r for r in self.step_results if r.status is StepStatus.FAILURE]

    @property
    def partial_types(self) -> list[str]:
        """JupiterOne's determinePartialDatasetsFromStepExecutionResults."""
        types: set[str] = set()
        for result in self.step_results:
            if result.status is StepStatus.DISABLED:
                continue
            types.update(result.partial_types)
            if result.status in (StepStatus.FAILURE, StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE):
                types.update(result.declared_types)
        return sorted(types)

    def summary(self) -> dict[str, object]:
        """JupiterOne's summary.json for this job."""
        return {
            "integrationStepResults": [r.summary() for r in self.step_results],
            "metadata": {"partialDatasets": {"types": self.partial_types}},
        }


def execute_steps(
    steps: Sequence[Step],
    resources: object,
    *,
    disabled: Iterable[str] = (),
    concurrency: int = 1,
    describe_error: ErrorDescriber = _describe,
    stop: StopSignal | None = None,
) -> JobResult:
    """Run `steps` in dependency order, up to `concurrency` at once, and return every step's result.
    Once `stop` is set, steps not yet started fail at once without running (`not_started`)."""
    validate_steps(steps)
    by_id = {s.id: s for s in steps}
    disabled_ids = set(disabled)
    job_state = JobState()
    results: dict[str, StepResult] = {}
    not_started: list[str] = []
    sorter = graphlib.TopologicalSorter({s.id: set(s.depends_on) for s in steps})
    sorter.prepare()

    def run(step: Step) -> StepResult:
        start = _now_ms()
        view = job_state.for_step()
        context = StepContext(step=step, job_state=view, resources=resources)
        upstream = [results[d] for d in step.depends_on]
        error: str | None = None
        if step.id in disabled_ids or any(r.status is StepStatus.DISABLED for r in upstream):
            status = StepStatus.DISABLED
        elif stop:
            status, error = StepStatus.FAILURE, f"not started: {stop.reason}"
            not_started.append(step.id)
        else:
            try:
                step.handler(context)
            except Exception as exc:  # a step's failure is recorded, never allowed to stop the job
                error = describe_error(step, exc)
                log.debug("step %s failed", step.id, exc_info=True)
            if error is not None:
                status = StepStatus.FAILURE
            elif any(r.status in _FAILED for r in upstream):
                status = StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE
            else:
                status = StepStatus.SUCCESS
        return StepResult(
            id=step.id,
            name=step.name,
            status=status,
            declared_types=step.declared_types,
            partial_types=step.partial_types,
            encountered_types=sorted(view.type_counts),
            encountered_type_counts=dict(sorted(view.type_counts.items())),
            depends_on=list(step.depends_on),
            start_time=start,
            end_time=_now_ms(),
            error=error,
            warnings=context.warnings,
        )

    # Each finished step is put on a queue by its future: waiting costs the same with 100 steps
    # running as with one (concurrent.futures.wait visits every running future at each call).
    finished: queue.SimpleQueue[Future[StepResult]] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="step") as pool:
        running: dict[Future[StepResult], str] = {}
        while sorter.is_active():
            for step_id in sorted(sorter.get_ready()):
                future = pool.submit(run, by_id[step_id])
                running[future] = step_id
                future.add_done_callback(finished.put)
            done = [finished.get()]
            while not finished.empty():
                done.append(finished.get())
            for future in done:
                step_id = running.pop(future)
                results[step_id] = future.result()
                sorter.done(step_id)
    ordered = [results[s.id] for s in steps]
    return JobResult(job_state=job_state, step_results=ordered, not_started=not_started)


_FAILED = (StepStatus.FAILURE, StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE)
