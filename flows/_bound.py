"""A flow per entity from one general flow: `sync_customers` is `sync_entity` with the entity
bound, `push_customers` is `push_entity` with it. Prefect builds a flow's Run form from its
signature, so the bound flow's signature is the general one's without `entity`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
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
    """`<verb>_<entity>`, the flow `<verb>-<entity>`: `general` with `entity` bound."""

    def bound(*args: Any, **kwargs: Any) -> Any:
        return general.fn(entity, *args, **kwargs)

    signature = inspect.signature(general.fn, eval_str=True)
    bound.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in signature.parameters.items() if name != "entity"]
    )
    bound.__name__ = bound.__qualname__ = f"{verb}_{entity.replace('-', '_')}"
    bound.__doc__ = doc
    return flow(name=f"{verb}-{entity}", flow_run_name=run_name, task_runner=task_runner)(bound)
