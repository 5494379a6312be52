"""A flow per entity from one general flow: `sync_customers` is `sync_entity` with the entity
bound, `push_customers` is `push_entity` with it.

Prefect builds a flow's Run form from its signature, so a bound flow's signature is the general
one's without `entity`. Building a flow costs its parameter schema (~40 ms each), so the flows
are built when first asked for: a flow-run process that runs `flows.sync:sync_customers` builds
that one, not all 54 (2.2 s of every run's start, measured with `python -X importtime`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prefect import Flow, flow


def entity_bound(
    general: Flow[..., Any],
    entity: str,
    *,
    verb: str,
    doc: str,
    run_name: Callable[[], str],
    task_runner: Any,
) -> Flow[..., Any]:
    """`<verb>_<entity>`, the flow `<verb>-<entity>`: `general` with `entity` bound. Its module is
    the general flow's, the module whose attribute it is (and which serve names as entrypoint)."""

    def bound(*args: Any, **kwargs: Any) -> Any:
        return general.fn(entity, *args, **kwargs)

    signature = inspect.signature(general.fn, eval_str=True)
    bound.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in signature.parameters.items() if name != "entity"]
    )
    bound.__name__ = bound.__qualname__ = function_name(verb, entity)
    bound.__module__ = general.fn.__module__
    bound.__doc__ = doc
    return flow(name=f"{verb}-{entity}", flow_run_name=run_name, task_runner=task_runner)(bound)


def function_name(verb: str, entity: str) -> str:
    """`sync_customer_groups` for ("sync", "customer-groups"): the name of the bound flow."""
    return f"{verb}_{entity.replace('-', '_')}"


class BoundFlows(Mapping[str, Flow[..., Any]]):
    """The bound flows of one general flow, by entity name, each built on first access."""

    def __init__(
        self, verb: str, entities: Iterable[str], build: Callable[[str], Flow[..., Any]]
    ) -> None:
        self.verb = verb
        self._entities = list(entities)
        self._build = build
        self._built: dict[str, Flow[..., Any]] = {}
        self._by_function = {function_name(verb, name): name for name in self._entities}

    def __getitem__(self, entity: str) -> Flow[..., Any]:
        if entity not in self._by_function.values():
            raise KeyError(entity)
        if entity not in self._built:
            self._built[entity] = self._build(entity)
        return self._built[entity]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entities)

    def __len__(self) -> int:
        return len(self._entities)

    @property
    def function_names(self) -> list[str]:
        """`sync_customers`, …: each flow's name in its module and in `flows`."""
        return list(self._by_function)

    def by_function(self, name: str) -> Flow[..., Any]:
        """The flow whose function is `name`; AttributeError otherwise (a module's __getattr__)."""
        if name not in self._by_function:
            raise AttributeError(name)
        return self[self._by_function[name]]
