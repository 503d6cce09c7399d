"""A service moto has no backend for, added in this process: a backend per account and region, and
a response class whose methods answer the service's operations (moto routes each request to the
method named after its operation, in snake case, in-process and in its server alike)."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Sequence
from typing import Any


def add_moto_service(
    service: str,
    module_name: str,
    backend_class: type,
    response_class: type,
    url_paths: Sequence[str],
    *,
    regional: bool = True,
    boto3_name: str | None = None,
) -> None:
    """Register `moto.<module_name>` for requests to `<service>[.<region>].amazonaws.com`.

    `url_paths` are moto's path patterns (`"{0}/analyzer$"`); each is answered by the response
    class's dispatch; `boto3_name` is the service's name in boto3 where it differs from the host's
    (`accessanalyzer` for `access-analyzer`), whose regions the backend has. Idempotent."""
    import moto.backend_index
    from moto.core.base_backend import BackendDict

    name = f"moto.{module_name}"
    if name in sys.modules:
        return
    host = re.escape(service)
    bases = [rf"https?://{host}(?:\.[a-z0-9-]+)?\.amazonaws\.com"]
    urls = types.SimpleNamespace(
        url_bases=bases,
        url_paths={path: response_class.dispatch for path in url_paths},  # type: ignore[attr-defined]
    )
    backend: Any = type(f"{module_name}Backend", (backend_class,), {"_url_module": urls})
    module = types.ModuleType(name)
    setattr(
        module,
        f"{module_name}_backends",
        BackendDict(
            backend, boto3_name or service, use_boto3_regions=regional, additional_regions=["us-east-1"]
        ),
    )
    sys.modules[name] = module
    moto.backend_index.backend_url_patterns.append((service, re.compile(bases[0])))
