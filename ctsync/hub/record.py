"""One record as the hub takes it and gives it back, and what pages of records did to the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class HubRecord:
    """One commercetools resource as the hub stores it.

    Not frozen: a frozen dataclass sets each field through `object.__setattr__`, and a pull
    builds one per record (bench/cpu_per_record.py). Treat it as a value all the same:
    `dataclasses.replace` makes a changed copy."""

    id: str
    key: str | None
    version: int
    # Kept as the exact strings commercetools returns: they sort lexicographically and delta
    # cursors compare them for equality, so a reformatted timestamp would break resumption.
    created_at: str
    last_modified_at: str
    document: dict[str, Any]

    @classmethod
    def from_document(cls, document: dict[str, Any], *, key_field: str = "key") -> HubRecord:
        """Read id, version and timestamps; raise ValueError naming what is missing."""
        try:
            record_id = document["id"]
            version = document["version"]
            created_at = document["createdAt"]
            last_modified_at = document["lastModifiedAt"]
        except KeyError as missing:
            raise ValueError(f"document has no {missing.args[0]!r} field") from None
        except TypeError:
            raise ValueError(f"document is a {type(document).__name__}, not an object") from None
        if not isinstance(record_id, str) or not record_id:
            raise ValueError(f"document id {record_id!r} is not a non-empty string")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError(f"document {record_id} has version {version!r}, not an integer")
        if not isinstance(created_at, str) or not isinstance(last_modified_at, str):
            raise ValueError(f"document {record_id} has timestamps that are not strings")
        key = document.get(key_field)
        return cls(
            id=record_id,
            key=key if isinstance(key, str) else None,
            version=version,
            created_at=created_at,
            last_modified_at=last_modified_at,
            document=document,
        )


@dataclass(slots=True)
class StoredRecord(HubRecord):
    """A record as read back from the hub: when it was synced, and deleted if it was."""

    synced_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class UpsertCounts:
    """What one or more pages did to the hub; add them up with `+` or `sum(..., UpsertCounts())`."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        if not isinstance(other, UpsertCounts):
            return NotImplemented
        return UpsertCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged
