"""Resource steps, one module (or package) per service, found by discovery.

Each service module defines `STEPS: tuple[Step, ...]` (its service entity step and its resource
steps); adding a service is adding a module, with no shared list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil

from graph_aws.engine import Step

_MACHINERY = {"registry", "regions"}


def resource_steps() -> tuple[Step, ...]:
    steps: list[Step] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name in _MACHINERY or module.name.startswith("_"):
            continue
        steps.extend(importlib.import_module(f"{__name__}.{module.name}").STEPS)
    return tuple(steps)
