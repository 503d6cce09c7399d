"""Resources to put into an emulated account, one module per service (found by discovery).

Each module defines `seed(client: Callable[[str, str], Any], account_id: str, regions: list[str])`:
`client(service, region)` returns a boto3 client acting inside the account. Seeds create at least
one resource of every type their service's steps declare, so a full collect produces every type.
A module may also define `patch_moto()`, closing a gap of moto's for its service (a call moto lacks,
a field it leaves out); `emulator.patch_moto` applies them all, in-process or in moto's server.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

ClientFactory = Callable[[str, str], Any]


def seed_account(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}").seed(client, account_id, regions)


def patch_seeded_services() -> None:
    """Every seed module's `patch_moto()`, where it has one (each is idempotent)."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        patch = getattr(importlib.import_module(f"{__name__}.{module.name}"), "patch_moto", None)
        if patch is not None:
            patch()
