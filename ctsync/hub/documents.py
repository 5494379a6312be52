"""commercetools documents as the hub's records: validated by their registry entity's model,
keyed by its natural key. A pull's every record passes here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from ctsync.hub.record import HubRecord
from ctsync.registry import Entity


def record_of(entity: Entity, document: dict[str, Any]) -> HubRecord:
    """The hub's record of a document `entity.validate` passed; the singleton is stored under
    its key."""
    if not entity.singleton:
        if entity.is_resource:
            # Validated by a strict `Resource`: id, version and timestamps are there and of
            # their types, so the checks of `HubRecord.from_document` would only cost time.
            return HubRecord(
                document["id"],
                entity.natural_key_of(document),
                document["version"],
                document["createdAt"],
                document["lastModifiedAt"],
                document,
            )
        record = HubRecord.from_document(document)
        return dataclasses.replace(record, key=entity.natural_key_of(document))
    return HubRecord(
        id=document["key"],
        key=document["key"],
        version=document["version"],
        created_at=document["createdAt"],
        last_modified_at=document.get("lastModifiedAt", document["createdAt"]),
        document=document,
    )


def checked_record(entity: Entity, document: Any) -> HubRecord | str:
    """The hub's record of a valid document, else the reason it is not valid: `validate` and
    `record_of` in one call."""
    try:
        entity.model.__pydantic_validator__.validate_python(document)
    except ValidationError:
        reason = entity.validate(document)
        assert reason is not None
        return reason
    return record_of(entity, document)


def records_of(
    entity: Entity, documents: Iterable[Any]
) -> tuple[list[HubRecord], list[tuple[Any, str]]]:
    """The hub's records of the valid documents, and each invalid one with its reason.

    The usual entity (a `Resource` keyed by one field) takes one loop that calls nothing but
    the validator per document; the others go through `checked_record`. Both paths make the
    same records and reasons."""
    if entity.singleton or not entity.is_resource or not isinstance(entity.natural_key, str):
        return _checked_one_by_one(entity, documents)
    records: list[HubRecord] = []
    invalid: list[tuple[Any, str]] = []
    validate = entity.model.__pydantic_validator__.validate_python
    key_field = entity.natural_key
    keep = records.append
    for document in documents:
        try:
            validate(document)
        except ValidationError:
            reason = entity.validate(document)
            assert reason is not None
            invalid.append((document, reason))
            continue
        key = document.get(key_field)
        # Validated by a strict `Resource`: id, version and timestamps are there and of their
        # types.
        keep(
            HubRecord(
                document["id"],
                key if type(key) is str else None,
                document["version"],
                document["createdAt"],
                document["lastModifiedAt"],
                document,
            )
        )
    return records, invalid


def _checked_one_by_one(
    entity: Entity, documents: Iterable[Any]
) -> tuple[list[HubRecord], list[tuple[Any, str]]]:
    records: list[HubRecord] = []
    invalid: list[tuple[Any, str]] = []
    for document in documents:
        checked = checked_record(entity, document)
        if type(checked) is str:
            invalid.append((document, checked))
        else:
            records.append(checked)  # type: ignore[arg-type]
    return records, invalid
