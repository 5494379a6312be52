"""The names of sync runs, given before they start: what their plans will read.

`<entity>-<mode>-<UTC time>` and `all-<mode>-<UTC time>`; a run whose plan reads otherwise after
all is renamed (flows/_entity_sync.py, flows/sync.py). A name never fails a run.
"""

from __future__ import annotations

from typing import Any

from prefect.runtime import flow_run

from blocks.resolve import resolve_credentials, resolve_hub
from ctsync.pull import expected_mode
from ctsync.registry import ENTITIES, Entity
from ctsync.run.options import PullOptions
from flows._naming import run_name_mode, timestamped


def entity_run_name() -> str:
    """`<entity>-<mode>-<UTC time>`, the mode the run will read (a first delta is a full read);
    should its plan read otherwise after all, the run is renamed (EntitySync). A mode that is
    neither delta nor full is left out: the run fails saying so."""
    parameters = flow_run.parameters
    entity = parameters.get("entity") or flow_run.flow_name.removeprefix("sync-")
    if entity not in ENTITIES:
        return timestamped(entity, *_known_mode(parameters.get("mode", "delta")))
    return timestamped(entity, *_expected_modes([ENTITIES[entity]], parameters))


def all_run_name() -> str:
    """`all-<mode>-<UTC time>`, the mode sync_all's entities will read, singletons left aside
    as SyncAllReport.mode does: full, delta or mixed."""
    parameters = flow_run.parameters
    names = [name for name in parameters.get("entities") or ENTITIES if name in ENTITIES]
    entities = [ENTITIES[name] for name in names if not ENTITIES[name].singleton]
    if not _known_mode(parameters.get("mode", "delta")):
        return timestamped("all")
    modes = _expected_modes(entities, parameters)
    return timestamped("all", modes[0] if len(modes) == 1 else "mixed" if modes else "full")


def _known_mode(mode: Any) -> list[str]:
    return [mode] if mode in ("delta", "full") else []


def _expected_modes(entities: list[Entity], parameters: dict[str, Any]) -> list[str]:
    """The modes the entities' plans will choose, from the hub's state; the asked-for mode when
    the parameters or the hub cannot tell (the run itself then says why); none for a mode that
    is neither delta nor full."""
    asked = parameters.get("mode", "delta")
    if not _known_mode(asked):
        return []
    try:
        block = resolve_credentials(parameters["credentials"])
        options = PullOptions(
            mode=asked, since=parameters.get("since"), reset=parameters.get("reset", False)
        )
        store = resolve_hub(parameters.get("hub")).get_store()
        states = {e.name: store.exact.states.get(block.project_key, e.name) for e in entities}
        modes = {expected_mode(e, options, states[e.name]) for e in entities}
    except Exception:  # a name must never fail a run
        modes = {run_name_mode(e, asked) for e in entities}
    return sorted(modes)
