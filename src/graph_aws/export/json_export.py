"""`export --format json`: the merged graph as {"entities": [...], "relationships": [...]}."""

from __future__ import annotations

import json
from typing import TextIO

from graph_aws.store import Store


def write_json(store: Store, out: TextIO) -> tuple[int, int]:
    """Stream the graph as JSON, one object at a time, so a large graph is never held whole."""
    counts = [0, 0]
    out.write('{"entities": [')
    for i, entity in enumerate(store.entities()):
        out.write(("," if i else "") + "\n  " + json.dumps(entity, sort_keys=True))
        counts[0] += 1
    out.write('\n], "relationships": [')
    for i, relationship in enumerate(store.relationships()):
        out.write(("," if i else "") + "\n  " + json.dumps(relationship, sort_keys=True))
        counts[1] += 1
    out.write("\n]}\n")
    return counts[0], counts[1]
