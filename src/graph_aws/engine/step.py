"""A step is data: id, name, the types it emits, what it depends on, the IAM actions it needs, and
the function that does the work. The executor and the lint tests read the declaration."""

from __future__ import annotations

import enum
import graphlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph_aws.errors import StepDefinitionError
from graph_aws.model import EntityType, RelationshipType

if TYPE_CHECKING:
    from graph_aws.engine.job_state import JobState


@dataclass(frozen=True)
class Step:
    id: str  # kebab-case verb: fetch-iam-users
    name: str
    handler: Callable[[StepContext], None]
    entities: tuple[EntityType, ...] = ()
    relationships: tuple[RelationshipType, ...] = ()
    depends_on: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()  # IAM actions, e.g. iam:ListUsers

    @property
    def declared_types(self) -> list[str]:
        return [e.type for e in self.entities] + [r.type for r in self.relationships]

    @property
    def partial_types(self) -> list[str]:
        """Types that are partial by nature, whatever the step's outcome."""
        return [e.type for e in self.entities if e.partial] + [
            r.type for r in self.relationships if r.partial
        ]


@dataclass
class StepContext:
    """What a handler gets: the job's state and the job's resources (sessions, settings)."""

    step: Step
    job_state: JobState
    resources: Any
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


class StepStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE = "partial_success_due_to_dependency_failure"
    DISABLED = "disabled"


@dataclass
class StepResult:
    id: str
    name: str
    status: StepStatus
    declared_types: list[str]
    partial_types: list[str]
    encountered_types: list[str]
    encountered_type_counts: dict[str, int]
    depends_on: list[str]
    start_time: int
    end_time: int
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> int:
        return self.end_time - self.start_time

    def summary(self) -> dict[str, Any]:
        """The step's entry in JupiterOne's summary.json."""
        return {
            "id": self.id,
            "name": self.name,
            "declaredTypes": self.declared_types,
            "partialTypes": self.partial_types,
            "encounteredTypes": self.encountered_types,
            "encounteredTypeCounts": self.encountered_type_counts,
            "status": str(self.status),
            "dependsOn": self.depends_on,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "duration": self.duration,
            **({"error": self.error} if self.error else {}),
            **({"warnings": self.warnings} if self.warnings else {}),  # stored with the run
        }


def validate_steps(steps: Sequence[Step]) -> list[str]:
    """Check a step list and return its ids in an order that runs dependencies first.

    Raises StepDefinitionError for duplicate ids, unknown dependencies and cycles.
    """
    ids = [s.id for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise StepDefinitionError(f"duplicate step ids: {', '.join(duplicates)}")
    known = set(ids)
    for step in steps:
        unknown = [d for d in step.depends_on if d not in known]
        if unknown:
            raise StepDefinitionError(f"step {step.id} depends on unknown steps: {', '.join(unknown)}")
    sorter = graphlib.TopologicalSorter({s.id: set(s.depends_on) for s in steps})
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as error:
        raise StepDefinitionError(f"step dependencies form a cycle: {' -> '.join(error.args[1])}") from None


def steps_by_id(steps: Iterable[Step]) -> dict[str, Step]:
    return {s.id: s for s in steps}
