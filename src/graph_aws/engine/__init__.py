"""Steps, job state and the executor that runs a job's steps as a graph."""

from graph_aws.engine.executor import JobResult, execute_steps
from graph_aws.engine.job_state import JobState
from graph_aws.engine.step import Step, StepContext, StepResult, StepStatus, validate_steps
from graph_aws.engine.stop import StopSignal

__all__ = [
    "JobResult",
    "JobState",
    "Step",
    "StepContext",
    "StepResult",
    "StepStatus",
    "StopSignal",
    "execute_steps",
    "validate_steps",
]
