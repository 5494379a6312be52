"""What a run is asked to do, checked once where it is built: `PullOptions` and `PushOptions`.

A bad value is refused with a ValueError that names the parameter, the value and the fix, before
anything is read or written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ctsync.client.config import validation_message
from ctsync.client.pages import check_page_size
from ctsync.timestamps import iso, normalize_timestamp

Mode = Literal["delta", "full"]
MAX_PARTITIONS = 64


DEFAULT_PAGE_BYTES = 1 << 20
MIN_PAGE_BYTES = 16 << 10


class _Options(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ValueError(validation_message(error)) from None


class PullOptions(_Options):
    """How one pull of one entity reads commercetools and writes the hub."""

    mode: Mode = "delta"
    """delta: what changed since the watermark (everything when there is none); full: all."""
    since: str | None = None
    """Start a delta here instead of at the watermark: any moment with a time zone (a datetime
    or ISO 8601 text), kept in commercetools' spelling (UTC, milliseconds)."""
    reset: bool = False
    """Forget the watermark and resume point first: the run is a full initialization."""
    page_size: int = 500
    """Most records a page asks for; fewer when records are large (`page_bytes`)."""
    page_bytes: int = DEFAULT_PAGE_BYTES
    """The size a page's body stays near: each page asks for as many records as fit, judged by
    the pages before it, so memory does not grow with the size of the documents."""
    partitions: int | None = None
    """Id ranges a full read pages at once; None: the API client's Concurrent Connections."""
    settle: float = 120.0
    """Seconds a delta stays behind commercetools' clock, so writes in flight are not missed."""
    where: str | None = None
    """A commercetools predicate added to every query."""
    dry_run: bool = False
    """Read and count only: write nothing to the hub, move no watermark."""

    @field_validator("mode", mode="before")
    @classmethod
    def _known_mode(cls, value: Any) -> Any:
        if value not in ("delta", "full"):
            raise ValueError(
                f"mode is {value!r}: use 'delta' (changes since the watermark) or 'full'"
            )
        return value

    @field_validator("since", mode="before")
    @classmethod
    def _commercetools_timestamp(cls, value: Any) -> str | None:
        # Compared with the watermark as text: in commercetools' own spelling (milliseconds).
        if value is None or value == "":
            return None
        if isinstance(value, datetime) and value.tzinfo is not None:
            return iso(value)
        try:
            return normalize_timestamp(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"since is {value!r}: give a moment with its time zone, e.g. "
                "2026-01-31T00:00:00.000Z or 2026-01-31T01:00:00+01:00"
            ) from None

    @field_validator("page_size")
    @classmethod
    def _page(cls, value: int) -> int:
        return check_page_size("page_size", value)

    @field_validator("page_bytes")
    @classmethod
    def _page_bytes(cls, value: int) -> int:
        if value < MIN_PAGE_BYTES:
            raise ValueError(
                f"page_bytes is {value}: use at least {MIN_PAGE_BYTES} bytes "
                f"(default {DEFAULT_PAGE_BYTES}, about 1 MiB)"
            )
        return value

    @field_validator("partitions")
    @classmethod
    def _partitions(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_PARTITIONS:
            raise ValueError(f"partitions is {value}: use 1 to {MAX_PARTITIONS}")
        return value

    @field_validator("settle")
    @classmethod
    def _settle(cls, value: float) -> float:
        if value < 0:
            raise ValueError(f"settle is {value}: use 0 or more seconds")
        return value


class PushOptions(_Options):
    """How one push of drafts writes to commercetools."""

    batch_size: int = 100
    """Drafts looked up and written together; batches run at once within the throttle."""
    dry_run: bool = False
    """Plan only: compute creates and update actions, write nothing anywhere."""
    create_missing: bool = True
    """Create what commercetools lacks; when False such drafts count as skipped."""
    replace: bool = False
    """Each draft is the whole record: a field it leaves out is unset. Off: a draft changes only
    the fields it names (a null unsets), so partial feeds are safe."""
    allow_destructive: bool = False
    """Write even when more drafts than `max_destructive_share` would remove or unset data."""
    max_destructive_share: float = 0.1
    """Share of the drafts (at least 10 of them) whose update may remove or unset data before
    the push stops, unwritten, to be looked at (a truncated feed, a wrong `replace`)."""

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, value: int) -> int:
        return check_page_size("batch_size", value, "drafts per batch")

    @field_validator("max_destructive_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(
                f"max_destructive_share is {value}: give a share of the drafts from 0 to 1, "
                "e.g. 0.1 for a tenth"
            )
        return value
