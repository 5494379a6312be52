"""The push registry: every module of ctsync.push.resources, in the registry's order of entities."""

from __future__ import annotations

import pkgutil

import pytest

from ctsync.push import resources
from ctsync.push.registry import PUSH_ENTITIES, in_registry_order
from ctsync.registry import ENTITIES


def test_every_resource_module_is_a_push_in_the_registrys_order() -> None:
    modules = [m.name for m in pkgutil.iter_modules(resources.__path__) if m.name[0] != "_"]
    assert len(PUSH_ENTITIES) == len(modules) == 18
    assert sorted(name.replace("-", "_") for name in PUSH_ENTITIES) == sorted(modules)
    order = list(ENTITIES)
    assert [order.index(name) for name in PUSH_ENTITIES] == sorted(
        order.index(name) for name in PUSH_ENTITIES
    )


def test_a_push_of_an_entity_the_registry_does_not_know_is_refused_by_name() -> None:
    pushes = {**PUSH_ENTITIES, "shoping-lists": PUSH_ENTITIES["shopping-lists"]}
    with pytest.raises(ValueError, match=r"push of 'shoping-lists': no registry entity"):
        in_registry_order(pushes)
