"""What an account job's steps work with: the account's session, identity and region settings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from graph_aws.aws import types as t
from graph_aws.aws.shared_clients import BoundSession


@dataclass
class AccountResources:
    session: BoundSession
    account_id: str
    partition: str
    requested_regions: tuple[str, ...] = ()  # --regions; empty: every enabled region
    region_workers: int = 4
    region_pool: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.region_pool = ThreadPoolExecutor(max_workers=self.region_workers, thread_name_prefix="region")

    @property
    def account_key(self) -> str:
        return t.account_key(self.partition, self.account_id)

    @property
    def fallback_regions(self) -> list[str]:
        """Regions to read when the enabled ones could not be listed (the step is then partial)."""
        return list(self.requested_regions) or [self.session.region]

    def close(self) -> None:
        self.region_pool.shutdown(wait=True)
