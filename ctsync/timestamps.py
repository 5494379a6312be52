"""commercetools' timestamps: UTC, milliseconds, `Z`, compared as text by every cursor."""

from __future__ import annotations

from datetime import UTC, date, datetime

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


def clock(text: str, today: date | None = None) -> str:
    """A moment as a person reads it in a sentence: `10:41:07 UTC` on the day it is (UTC),
    `2026-11-29 10:41:07 UTC` on another."""
    moment = parse(text).astimezone(UTC)
    shown = f"{moment:%H:%M:%S} UTC"
    return (
        shown
        if moment.date() == (today or datetime.now(UTC).date())
        else f"{moment:%Y-%m-%d} {shown}"
    )


def short(text: str) -> str:
    """A moment in a narrow table column, in UTC to the minute: `11-29 10:41`."""
    return f"{parse(text).astimezone(UTC):%m-%d %H:%M}"
