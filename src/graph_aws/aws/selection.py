"""Which member accounts are ingested, and why the others are not.

Rules, in order (the first that applies decides):
1. the management account is always ingested: the configuration lives there;
2. an account whose status is not ACTIVE is never assumed into (`inactive`);
3. `--skip-account ID` skips that account;
4. the skip tag (default `j1-integration: SKIP`) skips an account; key and value are compared without
   regard to case, and spaces around either are ignored;
5. `--skip-ou OU_ID` skips every account in that OU or in an OU nested in it;
6. with `--include-ou OU_ID`, only accounts in those OUs (or nested in them) are ingested.

An id that the organization does not have (a typo, an account that left, an OU that was deleted),
and the management account in `--skip-account`, are reported by `mismatches` before anything is
written: an `--include-ou` typo would otherwise skip every member and delete their data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SELECTED = "selected"
SKIPPED = "skipped"
INACTIVE = "inactive"


@dataclass(frozen=True)
class SkipTag:
    key: str = "j1-integration"
    value: str = "SKIP"

    def matches(self, tags: Mapping[str, str]) -> bool:
        key, value = self.key.strip().lower(), self.value.strip().lower()
        return any(k.strip().lower() == key and v.strip().lower() == value for k, v in tags.items())

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


@dataclass(frozen=True)
class Decision:
    status: str  # selected | skipped | inactive
    reason: str | None = None

    @property
    def selected(self) -> bool:
        return self.status == SELECTED


@dataclass(frozen=True)
class Selection:
    skip_tag: SkipTag = field(default_factory=SkipTag)
    skip_accounts: frozenset[str] = frozenset()
    skip_ous: frozenset[str] = frozenset()
    include_ous: frozenset[str] = frozenset()

    @property
    def uses_ous(self) -> bool:
        return bool(self.skip_ous or self.include_ous)

    def decide(
        self,
        *,
        account_id: str,
        status: str,
        tags: Mapping[str, str],
        ancestors: Sequence[str] | None,
        is_management: bool,
    ) -> Decision:
        """`ancestors`: the ids of the root and OUs above the account, or None when the tree is unknown."""
        if is_management:
            return Decision(SELECTED, "management account")
        if status != "ACTIVE":
            return Decision(INACTIVE, f"status {status}: not assumed into")
        if account_id in self.skip_accounts:
            return Decision(SKIPPED, "skipped by --skip-account")
        if self.skip_tag.matches(tags):
            return Decision(SKIPPED, f"tagged {self.skip_tag}")
        if self.uses_ous and ancestors is None:
            return Decision(SKIPPED, "its OU is unknown (the organization tree could not be read)")
        skipped_by = _first_in(ancestors or (), self.skip_ous)
        if skipped_by:
            return Decision(SKIPPED, f"in skipped OU {skipped_by}")
        if self.include_ous and not _first_in(ancestors or (), self.include_ous):
            return Decision(SKIPPED, "outside the included OUs")
        return Decision(SELECTED, None)

    def mismatches(
        self, *, account_ids: Collection[str], unit_ids: Collection[str] | None, management_id: str | None
    ) -> list[str]:
        """One line per id of the selection that does not name what it should. `unit_ids`: the root
        and OU ids of the organization, or None when the tree could not be read (OUs not checked)."""
        problems = []
        for account_id in sorted(self.skip_accounts):
            if account_id == management_id:
                problems.append(
                    f"--skip-account {account_id} is the management account, which is always ingested"
                )
            elif account_id not in account_ids:
                problems.append(f"--skip-account {account_id}: no such account in the organization")
        if unit_ids is not None:
            for option, ous in (("--skip-ou", self.skip_ous), ("--include-ou", self.include_ous)):
                problems.extend(
                    f"{option} {ou}: no such OU or root in the organization"
                    for ou in sorted(ous)
                    if ou not in unit_ids
                )
        return problems


def _first_in(ancestors: Iterable[str], wanted: frozenset[str]) -> str | None:
    return next((a for a in ancestors if a in wanted), None)
