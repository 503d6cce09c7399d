"""Resource steps, one module (or package) per service, found by discovery.

Each service module defines `STEPS: tuple[Step, ...]` (its service entity step and its resource
steps); adding a service is adding a module, with no shared list to edit. A module may also define
`FINAL_STEPS`: functions that build a step from all the other resource steps, for a step that reads
what they found and declares its types by what they declare (IAM's policy graph links policies to
every service and resource they grant).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from graph_aws.engine import Step

_MACHINERY = {"registry", "regions"}


def resource_steps() -> tuple[Step, ...]:
    steps: list[Step] = []
    finals: list[Callable[[tuple[Step, ...]], Step]] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name in _MACHINERY or module.name.startswith("_"):
            continue
        service = importlib.import_module(f"{__name__}.{module.name}")
        steps.extend(service.STEPS)
        finals.extend(getattr(service, "FINAL_STEPS", ()))
    others = tuple(steps)
    return (*others, *(build(others) for build in finals))
