"""Calls on one resource by id or key: the engine under the tasks a user composes into flows of
their own (flows/tasks.py; their whole read by predicate is the pull's keyset reader,
`ctsync.pull.keyset.read_all`).

An update that meets a newer version (409) can be re-planned against the resource as it now is,
by a callback that knows what the change meant. A write whose answer was lost is resolved by
reading before anything is sent again (ctsync.client.lost_answers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ctsync.client.errors import ConcurrentModification, NotFound, OutcomeUnknown
from ctsync.client.http import CommercetoolsClient
from ctsync.client.lost_answers import MAX_LOST_ANSWERS, find_created, write_once

_ENDPOINT = re.compile(r"^[a-z][a-z0-9-]*(?:/[A-Za-z0-9_=.\-]+)*$")

Resolver = Callable[[dict[str, Any]], Sequence[dict[str, Any]] | None]
"""Given the resource as it now is, the update actions to send instead (None or []: none)."""


def check_endpoint(endpoint: str) -> str:
    """The endpoint as a path below the project (`customers`, `custom-objects/my-container`,
    `in-store/key=eu/orders`), or a ValueError that names the value and the form."""
    text = endpoint.strip() if isinstance(endpoint, str) else endpoint
    if not isinstance(text, str) or not _ENDPOINT.match(text):
        raise ValueError(
            f"endpoint {endpoint!r} is not a commercetools resource path: give the path after "
            "the project key, without slashes around it or a query, e.g. 'customers', "
            "'product-types' or 'in-store/key=eu-store/orders'"
        )
    return text


@dataclass(frozen=True)
class ResourceRef:
    """One resource of an endpoint, by its id or by its key (exactly one of them)."""

    endpoint: str
    id: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", check_endpoint(self.endpoint))
        given = [name for name in ("id", "key") if getattr(self, name) not in (None, "")]
        if len(given) != 1:
            raise ValueError(
                f"{self.endpoint}: give the resource's id or its key, exactly one of them "
                f"(got {' and '.join(given) or 'neither'})"
            )
        for name in given:
            if not isinstance(getattr(self, name), str):
                raise ValueError(
                    f"{self.endpoint}: {name} must be a string, not "
                    f"{type(getattr(self, name)).__name__}"
                )

    @property
    def path(self) -> str:
        """The resource's URL path; a key is percent-encoded, so any key reaches its resource."""
        if self.id is not None and self.id != "":
            return f"{self.endpoint}/{quote(self.id, safe='')}"
        assert self.key is not None
        return f"{self.endpoint}/key={quote(self.key, safe='')}"

    def __str__(self) -> str:
        return f"{self.endpoint} id {self.id}" if self.id else f"{self.endpoint} key {self.key!r}"


def _expand(expand: Sequence[str]) -> dict[str, Any] | None:
    if isinstance(expand, str):
        expand = [expand]
    return {"expand": list(expand)} if expand else None


async def get(
    client: CommercetoolsClient, ref: ResourceRef, *, expand: Sequence[str] = ()
) -> dict[str, Any]:
    """The resource; NotFound (404) when there is none."""
    result: dict[str, Any] = await client.request("GET", ref.path, params=_expand(expand))
    return result


async def create(
    client: CommercetoolsClient,
    endpoint: str,
    draft: dict[str, Any],
    *,
    expand: Sequence[str] = (),
) -> dict[str, Any]:
    """The resource `draft` created. A create whose answer was lost is looked up by the draft's
    identity (ctsync.client.lost_answers) and sent again only if it did not land."""
    if not isinstance(draft, dict):
        raise ValueError(f"draft for {endpoint} must be an object (a dict), not {type(draft)}")
    endpoint = check_endpoint(endpoint)

    async def send() -> dict[str, Any]:
        result: dict[str, Any] = await client.request(
            "POST", endpoint, json=draft, params=_expand(expand)
        )
        return result

    async def read_back(lost: OutcomeUnknown) -> dict[str, Any] | None:
        found = await find_created(client, endpoint, draft, lost)
        if found is None:
            return None
        if expand:
            found = await get(client, ResourceRef(endpoint, id=found["id"]), expand=expand)
        # A sign-up's answer wraps the customer; the same shape whichever way it came.
        wrapped = endpoint.rsplit("/", 1)[-1] == "customers"
        return {"customer": found} if wrapped else found

    return await write_once(send, read_back)


async def update(
    client: CommercetoolsClient,
    ref: ResourceRef,
    actions: Sequence[dict[str, Any]],
    *,
    version: int | None = None,
    on_conflict: Resolver | None = None,
    max_conflicts: int = 3,
    expand: Sequence[str] = (),
) -> dict[str, Any]:
    """The resource after `actions`, sent at `version` (None: the version read just before).

    A 409 (someone changed it since that version) raises ConcurrentModification, unless
    `on_conflict` is given: it then gets the resource as it now is and returns the actions to
    send at its version (none: the update is no longer needed and the current resource is
    returned), up to `max_conflicts` times. A lost answer re-reads the resource: at the version
    sent, it is sent again; moved on, `on_conflict` decides (without it: `_landed_alone`).
    """
    actions = _checked_actions(ref, actions)
    if version is None:
        version = int((await get(client, ref))["version"])
    conflicts = lost_answers = 0
    while True:
        body = {"version": version, "actions": actions}
        try:
            result: dict[str, Any] = await client.request(
                "POST", ref.path, json=body, params=_expand(expand)
            )
            return result
        except OutcomeUnknown as lost:
            lost_answers += 1
            current = await _reread_after_lost(client, ref, version, lost, lost_answers, expand)
            if current is None:
                continue  # it did not land: the same request, at the same version
            if on_conflict is None:
                return _landed_alone(ref, version, current, lost)
        except ConcurrentModification as conflict:
            if on_conflict is None:
                raise
            conflicts += 1
            if conflicts > max_conflicts:
                raise _still_conflicting(conflict, ref, max_conflicts) from None
            current = await get(client, ref, expand=expand)
        # The resource moved on: `on_conflict` says what is still to send at its version.
        replanned = on_conflict(current)
        if not replanned:
            return current
        actions = _checked_actions(ref, replanned)
        version = int(current["version"])


def _still_conflicting(
    conflict: ConcurrentModification, ref: ResourceRef, max_conflicts: int
) -> ConcurrentModification:
    conflict.message += (
        f" ({ref}: still conflicting after {max_conflicts} re-reads; raise "
        "max_conflicts or find the writer that keeps changing it)"
    )
    return conflict


async def _reread_after_lost(
    client: CommercetoolsClient,
    ref: ResourceRef,
    version: int,
    lost: OutcomeUnknown,
    lost_answers: int,
    expand: Sequence[str],
) -> dict[str, Any] | None:
    """The resource after a lost update at `version`, None while it stayed at that version (the
    update did not land); `lost` once MAX_LOST_ANSWERS answers of it were lost."""
    current = await get(client, ref, expand=expand)
    if lost_answers > MAX_LOST_ANSWERS:
        raise lost
    return None if int(current["version"]) == version else current


def _landed_alone(
    ref: ResourceRef, version: int, current: dict[str, Any], lost: OutcomeUnknown
) -> dict[str, Any]:
    """A lost update's resource with no `on_conflict` to ask: one version further, the update
    landed; further still, another writer changed it too, and the outcome stays unknown."""
    if int(current["version"]) == version + 1:
        return current
    raise lost.explained(
        f"{ref} moved from version {version} to {current['version']} meanwhile, by this update "
        "and another writer: pass on_conflict to decide from the resource as it is"
    ) from None


def _checked_actions(ref: ResourceRef, actions: Any) -> list[dict[str, Any]]:
    if isinstance(actions, dict) or not all(isinstance(a, dict) for a in actions):
        raise ValueError(
            f"actions for {ref} must be a list of update actions (objects with an 'action' "
            "field), e.g. [{'action': 'setKey', 'key': 'new-key'}]"
        )
    listed = list(actions)
    missing = [n for n, a in enumerate(listed) if not isinstance(a.get("action"), str)]
    if missing:
        raise ValueError(f"actions for {ref}: action {missing[0]} has no 'action' name")
    return listed


async def delete(
    client: CommercetoolsClient,
    ref: ResourceRef,
    *,
    version: int | None = None,
    data_erasure: bool = False,
) -> dict[str, Any]:
    """The resource as it was deleted, at `version` (None: the version read just before).

    `data_erasure` asks commercetools to erase personal data the resource holds (customers,
    orders, carts, payments…), as GDPR's right to be forgotten needs."""
    before: dict[str, Any] = {"id": ref.id, "key": ref.key, "version": version}
    if version is None:
        before = await get(client, ref)
        version = int(before["version"])
    params: dict[str, Any] = {"version": version}
    if data_erasure:
        params["dataErasure"] = "true"

    async def send() -> dict[str, Any]:
        result: dict[str, Any] = await client.request("DELETE", ref.path, params=params)
        return result

    async def read_back(_: OutcomeUnknown) -> dict[str, Any] | None:
        # Gone: it landed. Still there: it did not; sent again as it was (a 409 then says
        # that another writer changed it meanwhile).
        try:
            await get(client, ref)
        except NotFound:
            return {k: v for k, v in before.items() if v is not None}
        return None

    return await write_once(send, read_back)
