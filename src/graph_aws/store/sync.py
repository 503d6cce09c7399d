"""What every backend's sync shares: the diff of a scope, the merge order, and the steps of a sync.

A backend supplies a `ScopeTransaction` (its SQL for a handful of primitive operations, inside one
transaction it has opened and locked); `synchronize` does the rest the same way on every backend:

    1. read what the scope holds (key, type, digest) and diff it against what the job found;
    2. if nothing changed and the scope is already registered as it should be, write nothing;
    3. lock the merged keys it touches (so concurrent writers of one key merge in turn), write the
       scope's rows, then recompute the merged object of every touched key from all its scopes
       (reading the data of each distinct view once: see views_to_read).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph_aws.store.base import ORGANIZATION_SCOPE_PREFIX, SyncCounts, merge_views


@dataclass(frozen=True)
class Kind:
    """Entities or relationships: the table of per-scope views and the table of merged objects."""

    name: str
    scope_table: str
    merged_table: str


ENTITIES = Kind("entity", "scope_entity", "entity")
RELATIONSHIPS = Kind("relationship", "scope_relationship", "relationship")
KINDS = (ENTITIES, RELATIONSHIPS)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # json.dumps makes one per call


def dump(obj: Mapping[str, Any]) -> str:
    """The canonical text of an object: sorted keys, so equal objects are equal strings."""
    return _CANONICAL.encode(obj)


def digest(data: str) -> str:
    """What a sync compares to decide "unchanged" (stored beside each scope row)."""
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def scope_rank(scope: str) -> tuple[int, str]:
    """The part of the merge order (base.merge_views) that the scope alone decides: account scopes
    first, organization scopes last."""
    return (1 if scope.startswith(ORGANIZATION_SCOPE_PREFIX) else 0, scope)


def views_to_read(digests: Iterable[tuple[str, str]]) -> list[str]:
    """Of the (scope, digest) views of one key, the scopes whose data the merge needs: the last,
    in merge order, of each distinct view. An earlier copy of a view changes nothing that its later
    copy does not set again (nor who owns it), so a key that thousands of accounts describe alike
    (the Internet) is merged from one row, not thousands. Copies of one view are all mapped or all
    owned, so the scope alone orders them (scope_rank); base.merge_views orders what is read."""
    views = list(digests)
    if len(views) == 1:
        return [views[0][0]]  # most keys: one scope describes them
    last: dict[str, str] = {}
    for scope, view_digest in sorted(views, key=lambda view: scope_rank(view[0])):
        last.pop(view_digest, None)
        last[view_digest] = scope
    return list(last.values())


@dataclass(frozen=True)
class ScopeRow:
    key: str
    type: str
    digest: str
    data: str  # canonical JSON (see dump)


@dataclass
class ScopePlan:
    """What a sync does to one kind of object in one scope."""

    created: list[ScopeRow] = field(default_factory=list)
    updated: list[ScopeRow] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def counts(self) -> SyncCounts:
        return SyncCounts(len(self.created), len(self.updated), len(self.deleted))

    @property
    def touched(self) -> list[str]:
        return sorted([r.key for r in self.created] + [r.key for r in self.updated] + self.deleted)


def plan_scope(
    existing: Mapping[str, tuple[str, str]], objects: Sequence[Mapping[str, Any]], partial: set[str]
) -> ScopePlan:
    """Diff a scope's rows (key -> (type, digest)) against the objects a job produced: new ones are
    created, changed ones updated, and vanished ones deleted unless their type is partial."""
    plan = ScopePlan()
    wanted: dict[str, Mapping[str, Any]] = {o["_key"]: o for o in objects}
    for key, obj in wanted.items():
        data = dump(obj)
        row = ScopeRow(key, obj["_type"], digest(data), data)
        old = existing.get(key)
        if old is None:
            plan.created.append(row)
        elif old[1] != row.digest:
            plan.updated.append(row)
    plan.deleted = [key for key, (type_, _) in existing.items() if key not in wanted and type_ not in partial]
    return plan


def merged_entity_columns(obj: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(type, classes) of a merged entity, for the entity and entity_class tables."""
    classes = obj["_class"]
    return obj["_type"], [classes] if isinstance(classes, str) else list(classes)


def merged_relationship_columns(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(type, class, from key, to key) of a merged relationship."""
    return obj["_type"], obj["_class"], obj["_fromEntityKey"], obj["_toEntityKey"]


class ScopeTransaction(Protocol):
    """A backend's primitives, all inside the one transaction (and lock) of a sync."""

    def existing(self, kind: Kind, scope: str) -> dict[str, tuple[str, str]]:
        """key -> (type, digest) of what the scope holds."""
        ...

    def registration(self, scope: str) -> tuple[bool, str | None]:
        """(whether the scope is registered, its organization id)."""
        ...

    def lock_keys(self, keyed: Sequence[tuple[Kind, str]]) -> None:
        """Hold every merged key about to be rewritten until the transaction ends."""
        ...

    def mapped(self, kind: Kind, scope: str, keys: Sequence[str]) -> set[str]:
        """Which of these keys the scope holds as mapped entities (`_source: system-mapper`)."""
        ...

    def endpoints(self, scope: str, keys: Sequence[str]) -> set[str]:
        """The entity keys that these relationships of the scope point from and to."""
        ...

    def write_scope(self, kind: Kind, scope: str, plan: ScopePlan) -> None: ...

    def view_digests(self, kind: Kind, keys: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """key -> [(scope, digest)] of every scope's view of these keys."""
        ...

    def views(self, kind: Kind, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """(scope, key) -> data of these views."""
        ...

    def write_merged(
        self, kind: Kind, merged: Mapping[str, dict[str, Any] | None], texts: Mapping[str, str]
    ) -> None:
        """Replace the merged rows of these keys (None: no scope holds the key any more). `texts`:
        the canonical text (dump) of those merged objects that is already known, to reuse."""
        ...

    def register(self, scope: str, organization_id: str | None) -> None: ...

    def unregister(self, scope: str) -> None: ...


def _keep_mapped_in_use(
    tx: ScopeTransaction,
    scope: str,
    plans: Mapping[Kind, ScopePlan],
    held: Mapping[str, tuple[str, str]],
    relationships: Sequence[Mapping[str, Any]],
) -> None:
    """A mapped entity (the Internet, another account) lives in a scope as long as a relationship
    the scope holds after this sync points to it, even when the job no longer emits it."""
    mapped = tx.mapped(ENTITIES, scope, plans[ENTITIES].deleted)
    if not mapped:
        return
    wanted, deleted = {r["_key"] for r in relationships}, set(plans[RELATIONSHIPS].deleted)
    kept = [key for key in held if key not in wanted and key not in deleted]
    pointed = {end for r in relationships for end in (r["_fromEntityKey"], r["_toEntityKey"])}
    pointed |= tx.endpoints(scope, kept) if kept else set()
    plans[ENTITIES].deleted = [
        key for key in plans[ENTITIES].deleted if not (key in mapped and key in pointed)
    ]


def synchronize(
    tx: ScopeTransaction,
    scope: str,
    objects: Mapping[Kind, Sequence[Mapping[str, Any]]],
    partial: set[str],
    *,
    organization_id: str | None,
    remove: bool = False,
) -> SyncCounts:
    """Make `scope` hold exactly `objects` (partial types kept, and mapped entities that a
    relationship the scope keeps still points to), or nothing at all with `remove`."""
    existing = {kind: tx.existing(kind, scope) for kind in KINDS}
    plans = {kind: plan_scope(existing[kind], objects.get(kind, ()), partial) for kind in KINDS}
    if plans[ENTITIES].deleted and not remove:
        _keep_mapped_in_use(tx, scope, plans, existing[RELATIONSHIPS], objects.get(RELATIONSHIPS, ()))
    counts = SyncCounts()
    for plan in plans.values():
        counts += plan.counts
    registered, registered_organization = tx.registration(scope)
    registration_holds = (
        (not registered) if remove else (registered and registered_organization == organization_id)
    )
    if not counts.changed and registration_holds:
        return counts  # nothing to write, and nothing is written
    tx.lock_keys([(kind, key) for kind, plan in plans.items() for key in plan.touched])
    for kind, plan in plans.items():
        touched = plan.touched
        if not touched:
            continue
        tx.write_scope(kind, scope, plan)
        digests = tx.view_digests(kind, touched)
        needed = {key: views_to_read(digests.get(key, ())) for key in touched}
        # A key only this scope describes reads as this scope's view: no need to read it back.
        written = {o["_key"]: o for o in objects.get(kind, ())}
        alone = {key for key, scopes in needed.items() if scopes == [scope] and key in written}
        data = tx.views(
            kind, [(s, key) for key, scopes in needed.items() if key not in alone for s in scopes]
        )
        merged = {
            key: dict(written[key]) if key in alone else merge_views((s, data[s, key]) for s in needed[key])
            for key in touched
        }
        # A key alone in this scope merges to the object as written: its row's text serves (one dump).
        texts = {row.key: row.data for row in (*plan.created, *plan.updated) if row.key in alone}
        tx.write_merged(kind, merged, texts)
    if remove:
        tx.unregister(scope)
    elif not registration_holds:
        tx.register(scope, organization_id)
    return counts
