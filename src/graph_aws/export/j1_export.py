"""`export --format j1 --output DIR`: the merged graph in JupiterOne's SDK file layout.

    DIR/graph/<stepId>/entities/<uuid>.json        {"entities": [...]}
    DIR/graph/<stepId>/relationships/<uuid>.json   {"relationships": [...]}
    DIR/summary.json                               {"integrationStepResults": [...],
                                                    "metadata": {"partialDatasets": {"types": [...]}}}

as the SDK's FileSystemGraphObjectStore writes them: one `_type` per file, at most 500 objects per
file. JupiterOne's own `j1-integration visualize` and `sync` read it.

The step results come from the run record: each scope's latest job, its steps combined by id
across accounts (a step that failed in one account is a failed step here, and its types partial).
Objects go under the step that produced their type.

What graph-aws does not own is not written as an entity: JupiterOne's mapper makes those. A
relationship to one (an account outside the organization, the Internet, everyone) is written as the
SDK writes a mapped relationship, `_mapping` naming its source and describing its target; so is one
whose other end is not in the graph at all. The entities carry no `_source` or `_integration*`:
JupiterOne sets those itself when it stores them.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_aws.errors import OutputPathError
from graph_aws.model import Entity, Relationship, is_mapped
from graph_aws.model.sources import METADATA
from graph_aws.store import JobRecord, Store

FILE_SIZE = 500  # the SDK's DEFAULT_GRAPH_OBJECT_FILE_SIZE
# For types no step of the run record declares (objects kept from a run of an older graph-aws).
UNRECORDED_STEP = {"id": "graph-aws-stored", "name": "Objects no recorded step declares"}
_STATUS_ORDER = ("failure", "partial_success_due_to_dependency_failure", "success", "cached", "disabled")
_PARTIAL_STATUSES = {"failure", "partial_success_due_to_dependency_failure"}
_TARGET_PROPERTIES = {"_key", "_type", "_class"}


@dataclass
class J1Export:
    """What an export wrote."""

    entities: int = 0
    relationships: int = 0
    mapped_relationships: int = 0
    unmapped_relationships: int = 0  # neither end graph-aws's own: nothing for the mapper to start from
    files: dict[str, int] = field(default_factory=lambda: {"entities": 0, "relationships": 0})
    steps: int = 0


@dataclass
class _Step:
    id: str
    name: str
    depends_on: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    partial: set[str] = field(default_factory=set)
    encountered: set[str] = field(default_factory=set)  # in the run record
    written: dict[str, int] = field(default_factory=dict)  # in this export

    @property
    def status(self) -> str:
        present = [s for s in _STATUS_ORDER if s in self.statuses]
        if not present:
            return "success"
        if present == ["disabled"]:
            return "disabled"
        return next(s for s in present if s != "disabled")

    def result(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "dependsOn": self.depends_on,
            "status": self.status,
            "declaredTypes": sorted(self.declared | set(self.written)),
            "partialTypes": sorted(self.partial),
            "encounteredTypes": sorted(self.written),
            "encounteredTypeCounts": dict(sorted(self.written.items())),
        }


def latest_jobs(store: Store) -> list[JobRecord]:
    """Each scope's latest job that ran steps, newest run first, for the scopes the store holds."""
    wanted = set(store.scopes())
    found: dict[str, JobRecord] = {}
    for run in sorted(store.runs(), key=lambda r: r.id, reverse=True):
        for job in store.jobs(run.id):
            if job.scope not in found and job.summary.get("integrationStepResults"):
                found[job.scope] = job
        if wanted <= found.keys():
            break
    return list(found.values())


def combined_steps(jobs: Iterable[JobRecord]) -> dict[str, _Step]:
    steps: dict[str, _Step] = {}
    for job in jobs:
        for result in job.summary.get("integrationStepResults", []):
            step = steps.setdefault(result["id"], _Step(result["id"], result.get("name") or result["id"]))
            step.depends_on = list(dict.fromkeys([*step.depends_on, *result.get("dependsOn", [])]))
            step.statuses.add(result.get("status", "success"))
            step.declared.update(result.get("declaredTypes", []))
            step.partial.update(result.get("partialTypes", []))
            step.encountered.update(result.get("encounteredTypes", []))
    return steps


def _step_of_type(steps: Mapping[str, _Step]) -> dict[str, str]:
    """Which step's folder each type goes in: the first step that produced it, else declared it."""
    placed: dict[str, str] = {}
    for attribute in ("encountered", "declared"):
        for step in steps.values():
            for type_ in sorted(getattr(step, attribute)):
                placed.setdefault(type_, step.id)
    return placed


def as_exported(entity: Entity) -> Entity:
    return {k: v for k, v in entity.items() if k not in METADATA}


def target_entity(entity: Mapping[str, Any]) -> dict[str, Any]:
    """What a mapped relationship says of its target: its type, key, classes and properties."""
    return {
        k: v
        for k, v in entity.items()
        if v is not None and (not k.startswith("_") or k in _TARGET_PROPERTIES)
    }


def _filter_keys(target: Mapping[str, Any]) -> list[list[str]]:
    # Another integration's aws_account has its own _key: JupiterOne finds accounts by their id.
    if target.get("_type") == "aws_account" and target.get("accountId"):
        return [["_type", "accountId"]]
    if "_type" in target:
        return [["_type", "_key"]]
    return [["_key"]]  # not in the graph at all: all that is known is its key


def mapped_relationship(
    relationship: Relationship, source_key: str, target: dict[str, Any], direction: str
) -> Relationship:
    """A relationship as the SDK's createMappedRelationship writes it."""
    properties = {k: v for k, v in relationship.items() if k not in ("_fromEntityKey", "_toEntityKey")}
    return {
        "_class": relationship["_class"],
        "_mapping": {
            "relationshipDirection": direction,
            "sourceEntityKey": source_key,
            "targetEntity": target,
            "targetFilterKeys": _filter_keys(target),
        },
        "displayName": relationship.get("displayName", relationship["_class"]),
        **properties,
    }


class _Writer:
    """Buffers objects by step, kind and type; writes a file of at most FILE_SIZE objects at a time."""

    def __init__(self, graph: Path, counts: J1Export) -> None:
        self.graph = graph
        self.counts = counts
        self.buffers: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)

    def add(self, step: _Step, kind: str, obj: dict[str, Any]) -> None:
        buffer = self.buffers[(step.id, kind, obj["_type"])]
        buffer.append(obj)
        step.written[obj["_type"]] = step.written.get(obj["_type"], 0) + 1
        if len(buffer) >= FILE_SIZE:
            self.flush(step.id, kind, obj["_type"])

    def flush(self, step_id: str, kind: str, type_: str) -> None:
        objects = self.buffers.pop((step_id, kind, type_), [])
        if not objects:
            return
        folder = self.graph / step_id / kind
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{uuid.uuid4()}.json", "w", encoding="utf-8") as out:
            json.dump({kind: objects}, out, separators=(",", ":"))
        self.counts.files[kind] += 1

    def close(self) -> None:
        for step_id, kind, type_ in list(self.buffers):
            self.flush(step_id, kind, type_)


def _relationships(
    store: Store, owned: set[str], mapped: dict[str, Entity], counts: J1Export
) -> Iterator[Relationship]:
    for relationship in store.relationships():
        from_key, to_key = relationship["_fromEntityKey"], relationship["_toEntityKey"]
        if from_key in owned and to_key in owned:
            yield relationship
        elif from_key in owned or to_key in owned:
            forward = from_key in owned
            other = to_key if forward else from_key
            target = target_entity(mapped[other]) if other in mapped else {"_key": other}
            counts.mapped_relationships += 1
            yield mapped_relationship(
                relationship, from_key if forward else to_key, target, "FORWARD" if forward else "REVERSE"
            )
        else:
            counts.unmapped_relationships += 1


def write_j1(store: Store, graph_dir: Path, summary_path: Path) -> J1Export:
    """Write the graph under `graph_dir` and the step results to `summary_path`."""
    counts = J1Export()
    steps = combined_steps(latest_jobs(store))
    placed = _step_of_type(steps)
    unrecorded = _Step(UNRECORDED_STEP["id"], UNRECORDED_STEP["name"])

    def step_for(type_: str) -> _Step:
        return steps[placed[type_]] if type_ in placed else unrecorded

    writer = _Writer(graph_dir, counts)
    owned: set[str] = set()
    mapped: dict[str, Entity] = {}
    for entity in store.entities():
        if is_mapped(entity):
            mapped[entity["_key"]] = entity
            continue
        owned.add(entity["_key"])
        writer.add(step_for(entity["_type"]), "entities", as_exported(entity))
        counts.entities += 1
    for relationship in _relationships(store, owned, mapped, counts):
        writer.add(step_for(relationship["_type"]), "relationships", relationship)
        counts.relationships += 1
    writer.close()

    results = [step for step in steps.values()] + ([unrecorded] if unrecorded.written else [])
    partial: set[str] = set()
    for step in results:
        if step.status == "disabled":
            continue
        partial |= step.partial
        if step.status in _PARTIAL_STATUSES:
            partial |= step.declared
    counts.steps = len(results)
    summary = {
        "integrationStepResults": [step.result() for step in results],
        "metadata": {"partialDatasets": {"types": sorted(partial)}},
    }
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return counts


# What a folder may already hold for an export to replace it: an earlier export, and the page
# `j1-integration visualize` writes beside it.
_EARLIER_EXPORT = {"graph", "summary.json", "index.html"}


def output_folder(path: str) -> Path:
    """The folder to export to, created when only it is missing; OutputPathError, naming the path and
    what is wrong, when it cannot be used."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise OutputPathError(f"--output {path}: is a file, not a folder")
    if not folder.exists():
        parent = folder.parent
        for ancestor in (parent, *parent.parents):
            if ancestor.exists() and not ancestor.is_dir():
                raise OutputPathError(f"--output {path}: {ancestor} is a file, not a folder")
        if not parent.is_dir():
            raise OutputPathError(f"--output {path}: the folder {parent} does not exist")
        try:
            folder.mkdir()
        except OSError as error:
            raise OutputPathError(f"--output {path}: cannot create the folder ({error.strerror})") from None
        return folder
    unexpected = sorted(p.name for p in folder.iterdir() if p.name not in _EARLIER_EXPORT)
    if unexpected:
        raise OutputPathError(
            f"--output {path}: the folder holds other files ({', '.join(unexpected[:3])}"
            f"{', ...' if len(unexpected) > 3 else ''}); give a new or empty folder, or an earlier export"
        )
    if (folder / "graph").exists() and not (folder / "graph").is_dir():
        raise OutputPathError(f"--output {path}: {folder / 'graph'} is a file, not a folder")
    return folder


def export_j1(store: Store, path: str) -> J1Export:
    """Export to the folder `path` names, replacing an earlier export there only once the new one is
    complete: a failure halfway leaves the folder as it was."""
    folder = output_folder(path)
    staging = folder / f".graph-aws-export-{uuid.uuid4().hex}"
    try:
        staging.mkdir()
        counts = write_j1(store, staging / "graph", staging / "summary.json")
        if (folder / "graph").exists():
            shutil.rmtree(folder / "graph")
        (staging / "graph").rename(folder / "graph")
        (staging / "summary.json").replace(folder / "summary.json")
    except PermissionError:
        raise OutputPathError(f"--output {path}: cannot write there (permission denied)") from None
    except OSError as error:
        raise OutputPathError(f"--output {path}: cannot write there ({error.strerror or error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts
