"""Dates some APIs give as ISO 8601 text rather than timestamps (GuardDuty, SSM Inventory)."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_aws.model import epoch_millis


def iso_millis(text: str | None) -> int | None:
    """`2024-03-29T10:00:00.123Z` (or with an offset) as epoch milliseconds; None when unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return epoch_millis(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
