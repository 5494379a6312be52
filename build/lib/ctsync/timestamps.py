"""commercetools' timestamps: UTC, milliseconds, `Z`, compared as text by every cursor."""

from __future__ import annotations

from datetime import UTC, datetime

TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$"
"""What commercetools writes (it uses milliseconds; more digits are tolerated on read)."""


def iso(moment: datetime) -> str:
    """commercetools' own spelling of `moment`, so equal instants compare equal as text."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse(text: str) -> datetime:
    """An aware datetime from an ISO 8601 timestamp (`Z` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def normalize_timestamp(value: str) -> str:
    """Any ISO 8601 timestamp with a time zone, in commercetools' spelling."""
    moment = parse(value)
    if moment.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-03-01T08:00:00Z")
    return iso(moment)
