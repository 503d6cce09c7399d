"""The full-text index of the merged entities (J1QL's `FIND "words"`), as both backends fill it.

SQLite keeps it in an FTS5 table (`entity_text`, rowid = entity.rowid; tokens are runs of letters,
digits and underscores, so aws_cloudwatch_metric_alarm is one word, case-folded, accents kept).
PostgreSQL keeps the same text per entity key with a `tsvector` of SQLite's tokens (search_vector,
GIN-indexed), which the PostgreSQL J1QL dialect matches with a `tsquery` of the same tokens.
"""

from __future__ import annotations

import json
import re
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
            elif isinstance(item, int) and not isinstance(item, bool):
                values.append(int.__repr__(item))  # as json.dumps writes it, without its cost
            elif isinstance(item, float):
                values.append(json.dumps(item))
    return VALUE_BREAK.join(values)


# FTS5's unicode61 token characters (letters, digits, private use) and '_' (store/schema.py's
# tokenchars). PostgreSQL's own parser splits on '_' and reads hosts, paths and e-mail addresses as
# tokens of their own, so its tsvector is made here, from the tokens SQLite makes.
_TOKEN = re.compile(r"[\w\ue000-\uf8ff]+")
_BREAK = VALUE_BREAK.strip()
MAX_POSITION = 16383  # a tsvector's last position: later tokens share it (phrases there may not match)
MAX_LEXEME_BYTES = 2046  # a longer token is not indexed on PostgreSQL
MAX_VECTOR_BYTES = 1_000_000  # a tsvector holds at most 1 MB: the rest of a huge entity is not indexed


def tokens(text: str) -> list[str]:
    """The tokens of a text as SQLite's full-text index cuts and folds them."""
    return [token.lower() for token in _TOKEN.findall(text)]


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def search_vector(text: str) -> str:
    """search_text() as a PostgreSQL tsvector literal: SQLite's tokens at their positions, the break
    between two values taking a position of its own, so no phrase runs across it."""
    positions: dict[str, list[int]] = {}
    size = 0
    for position, token in enumerate(tokens(text), start=1):
        if token == _BREAK:
            continue
        found = positions.get(token)
        if found is None:
            size += len(token.encode()) + 8
            if len(token.encode()) > MAX_LEXEME_BYTES or size > MAX_VECTOR_BYTES:
                continue
            found = positions[token] = []
        if len(found) < 256:  # positions kept per lexeme
            found.append(min(position, MAX_POSITION))
            size += 2
    return " ".join(f"{_lexeme(t)}:{','.join(map(str, p))}" for t, p in positions.items())


def search_query(words: list[str]) -> str:
    """The tsquery literal of a search: every word, each a phrase of its tokens (as FTS5's MATCH)."""
    phrases = []
    for word in words:
        parts = [t for t in tokens(word) if t != _BREAK]
        phrases.append("(" + " <-> ".join(_lexeme(t) for t in parts) + ")" if parts else "''")
    return " & ".join(phrases)
