"""The full-text index of the merged entities (J1QL's `FIND "words"`), as both backends fill it.

SQLite keeps it in an FTS5 table (`entity_text`, rowid = entity.rowid; tokens are runs of letters,
digits and underscores, so aws_cloudwatch_metric_alarm is one word, case-folded, accents kept).
PostgreSQL keeps the same text per entity key with a `tsvector` of it (`simple` configuration,
GIN-indexed); the PostgreSQL J1QL dialect decides how a search reads it.
"""

from __future__ import annotations

import json
from typing import Any

# A letter to unicode61 that no search holds (the query layer drops it): between two values, it keeps
# a phrase from running from the end of one value into the start of the next.
VALUE_BREAK = " \ue000 "


def search_text(entity: dict[str, Any]) -> str:
    """What `FIND "words"` searches in an entity: every string and number it holds (its _type,
    _class and _key included; list elements one by one), each kept apart from the next."""
    values: list[str] = []
    for value in entity.values():
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                values.append(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                values.append(json.dumps(item))
    return VALUE_BREAK.join(values)
