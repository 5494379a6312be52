"""Every entity a push knows, by registry name: the `PUSH` of each module of
`ctsync.push.resources`, in the registry's order of entities."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from ctsync.push import resources
from ctsync.push.entity import PushEntity
from ctsync.registry import ENTITIES


def _discovered() -> dict[str, PushEntity[Any]]:
    """The push of each resource module, by entity name (a module named `_…` is a helper)."""
    pushes: dict[str, PushEntity[Any]] = {}
    for module in pkgutil.iter_modules(resources.__path__):
        if module.name.startswith("_"):
            continue
        push = importlib.import_module(f"{resources.__name__}.{module.name}").PUSH
        pushes[push.name] = push
    return in_registry_order(pushes)


def in_registry_order(pushes: dict[str, PushEntity[Any]]) -> dict[str, PushEntity[Any]]:
    """The pushes in the registry's order of entities; a push of an entity the registry does not
    know is a mistake in its module, refused by name rather than left out."""
    unknown = sorted(set(pushes) - set(ENTITIES))
    if unknown:
        raise ValueError(
            f"push of {', '.join(map(repr, unknown))}: no registry entity has that name; "
            "name the PUSH of ctsync.push.resources after its registry entity"
        )
    return {name: pushes[name] for name in ENTITIES if name in pushes}


PUSH_ENTITIES: dict[str, PushEntity[Any]] = _discovered()


def get_push_entity(name: str) -> PushEntity[Any]:
    """The push of entity `name`, or a ValueError listing the entities a push knows."""
    try:
        return PUSH_ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(PUSH_ENTITIES))
        raise ValueError(f"no push for entity {name!r}: pushes exist for {known}") from None
