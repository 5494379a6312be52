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
    return {name: pushes[name] for name in ENTITIES if name in pushes}


PUSH_ENTITIES: dict[str, PushEntity[Any]] = _discovered()


def get_push_entity(name: str) -> PushEntity[Any]:
    """The push of entity `name`, or a ValueError listing the entities a push knows."""
    try:
        return PUSH_ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(PUSH_ENTITIES))
        raise ValueError(f"no push for entity {name!r}: pushes exist for {known}") from None
