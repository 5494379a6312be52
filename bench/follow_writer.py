"""The load of `bench.follow`: creates, updates and deletes of small customers, categories and
products written to the sandbox at a steady rate, as commercetools' own clients would.

Writes go out on a fixed schedule (the i-th at start + i / rate), several in flight at once but
never two on one resource (a second would be a 409), so the rate holds whatever one answer
takes. Deletions only take resources created at least `min_delete_age` seconds before, so the
hub has had its chance to hold them. Every id written and every id deleted is kept, for the
comparison of the hub with the sandbox afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SEGMENTS = {"customer": "customers", "category": "categories", "product": "products"}
MAX_IN_FLIGHT = 32
PICK_TRIES = 20


@dataclass(frozen=True)
class Mix:
    """What the writer writes: `total` writes, of which exactly `creates` are creates and
    `deletes` deletes (the rest updates), spread over resource types by weight."""

    total: int
    deletes: int
    creates: int
    types: dict[str, float] = field(
        default_factory=lambda: {"customer": 0.5, "category": 0.25, "product": 0.25}
    )

    @classmethod
    def shares(cls, total: int, create: float, delete: float, **kw: Any) -> Mix:
        return cls(total, deletes=round(total * delete), creates=round(total * create), **kw)

    def pending(self) -> dict[str, int]:
        return {
            "create": self.creates,
            "update": self.total - self.creates - self.deletes,
            "delete": self.deletes,
        }


@dataclass
class Live:
    version: int
    created: float


class Pool:
    """The live resources of one type: O(1) random picks and removals."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.where: dict[str, int] = {}
        self.live: dict[str, Live] = {}

    def add(self, rid: str, live: Live) -> None:
        self.where[rid] = len(self.ids)
        self.ids.append(rid)
        self.live[rid] = live

    def remove(self, rid: str) -> None:
        index = self.where.pop(rid)
        last = self.ids.pop()
        if last != rid:
            self.ids[index] = last
            self.where[last] = index
        del self.live[rid]

    def sample(self, rng: random.Random, ok: Callable[[str, Live], bool]) -> str | None:
        """A random resource `ok` accepts, after a few tries, or None."""
        for _ in range(min(PICK_TRIES, len(self.ids))):
            rid = self.ids[rng.randrange(len(self.ids))]
            if ok(rid, self.live[rid]):
                return rid
        return None


@dataclass
class Written:
    """What the writer did: counts, answer times, and the ids for the comparison."""

    ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    answer_seconds: list[float] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    late_starts: int = 0
    touched: dict[str, set[str]] = field(default_factory=dict)
    deleted: dict[str, set[str]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Successful writes per second of the writing window."""
        span = self.finished - self.started
        return self.ok / span if span > 0 else 0.0


Target = tuple[str, Live] | None


class Writer:
    """Writes a `Mix` to the sandbox over plain HTTP with a bearer token."""

    def __init__(self, api_url: str, token: str, product_type_id: str, seed: int = 7) -> None:
        self.http = httpx.AsyncClient(
            base_url=api_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            limits=httpx.Limits(max_connections=MAX_IN_FLIGHT),
        )
        self.product_type_id = product_type_id
        self.rng = random.Random(seed)
        self.pools: dict[str, Pool] = {t: Pool() for t in SEGMENTS}
        self.weights: dict[str, float] = {t: 1.0 for t in SEGMENTS}
        self.busy: set[str] = set()
        self.done = Written()
        self.min_delete_age = 5.0

    async def close(self) -> None:
        await self.http.aclose()

    # -- drafts and actions -----------------------------------------------------------------

    def draft(self, type_id: str) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:16]
        if type_id == "customer":
            return {"email": f"bench-{tag}@example.com", "firstName": "Ada", "lastName": tag}
        if type_id == "category":
            return {"name": {"en": f"Category {tag}"}, "slug": {"en": f"c-{tag}"}}
        return {
            "productType": {"typeId": "product-type", "id": self.product_type_id},
            "name": {"en": f"Product {tag}"},
            "slug": {"en": f"p-{tag}"},
            "masterVariant": {"sku": f"sku-{tag}"},
        }

    def action(self, type_id: str) -> dict[str, Any]:
        word = uuid.uuid4().hex[:8]
        if type_id == "customer":
            return {"action": "setFirstName", "firstName": f"Name {word}"}
        if type_id == "category":
            return {"action": "changeName", "name": {"en": f"Category {word}"}}
        return {"action": "setDescription", "description": {"en": f"Text {word}"}}

    # -- choosing the next write ----------------------------------------------------------------

    def pick(self, kind: str, type_id: str) -> Target:
        """A resource of the type that no write holds (and old enough for a delete); it is
        reserved, and a delete takes it out of the pool at once."""
        oldest = time.monotonic() - self.min_delete_age

        def ok(rid: str, live: Live) -> bool:
            return rid not in self.busy and (kind != "delete" or live.created < oldest)

        pool = self.pools[type_id]
        rid = pool.sample(self.rng, ok)
        if rid is None:
            return None
        live = pool.live[rid]
        self.busy.add(rid)
        if kind == "delete":
            pool.remove(rid)
        return rid, live

    def targeted(self, kind: str, type_id: str) -> tuple[str, Target] | None:
        """A target for an update or delete: of the drawn type, else of another written type."""
        others = [t for t in SEGMENTS if t != type_id and self.weights[t] > 0]
        for candidate in [type_id, *others]:
            target = self.pick(kind, candidate)
            if target is not None:
                return candidate, target
        return None

    def choose(self, pending: dict[str, int]) -> tuple[str, str, Target]:
        """The next write: a kind drawn by the counts left, on a type drawn by weight. A kind
        without a target gives way to another kind still pending (it stays pending itself, so
        the counts stay exact); with nothing else possible, one create more than planned."""
        kinds = [k for k, n in pending.items() if n > 0]
        kind = self.rng.choices(kinds, weights=[pending[k] for k in kinds])[0]
        types = list(SEGMENTS)
        type_id = self.rng.choices(types, weights=[self.weights[t] for t in types])[0]
        options = [kind, *[k for k in ("create", "update", "delete") if k != kind]]
        for option in (k for k in options if pending[k] > 0):
            if option == "create":
                pending["create"] -= 1
                return "create", type_id, None
            found = self.targeted(option, type_id)
            if found is not None:
                pending[option] -= 1
                return option, found[0], found[1]
        return "create", type_id, None

    # -- one write ------------------------------------------------------------------------------

    async def write(self, kind: str, type_id: str, target: Target) -> None:
        """One write; its answer updates what the writer knows of the resource."""
        segment = SEGMENTS[type_id]
        started = time.monotonic()
        try:
            if target is None:
                response = await self.http.post(f"/{segment}", json=self.draft(type_id))
            elif kind == "update":
                body = {"version": target[1].version, "actions": [self.action(type_id)]}
                response = await self.http.post(f"/{segment}/{target[0]}", json=body)
            else:
                params = {"version": target[1].version}
                response = await self.http.delete(f"/{segment}/{target[0]}", params=params)
        except httpx.HTTPError as error:
            self.failed(f"{kind} {type_id} {type(error).__name__}", target)
            return
        self.done.answer_seconds.append(time.monotonic() - started)
        self.noted(kind, type_id, target, response)

    def failed(self, key: str, target: Target) -> None:
        self.done.failed[key] = self.done.failed.get(key, 0) + 1
        if target is not None:
            self.busy.discard(target[0])

    def noted(self, kind: str, type_id: str, target: Target, response: httpx.Response) -> None:
        if response.status_code >= 300:
            self.failed(f"{kind} {type_id} {response.status_code}", target)
            return
        if target is not None:
            self.busy.discard(target[0])
        self.done.ok += 1
        self.done.by_kind[f"{kind} {type_id}"] = self.done.by_kind.get(f"{kind} {type_id}", 0) + 1
        body = response.json()
        resource = body.get("customer", body) if type_id == "customer" else body
        rid = resource["id"]
        self.done.touched.setdefault(type_id, set()).add(rid)
        pool = self.pools[type_id]
        if kind == "delete":
            self.done.deleted.setdefault(type_id, set()).add(rid)
        elif kind == "create":
            pool.add(rid, Live(resource["version"], time.monotonic()))
        elif rid in pool.live:
            pool.live[rid].version = resource["version"]

    # -- the schedule ---------------------------------------------------------------------------

    async def run(
        self, mix: Mix, rate: float, on_tick: Callable[[float], None] | None = None
    ) -> Written:
        """Write the mix at `rate` writes per second; returns once every answer is in."""
        self.weights = {t: mix.types.get(t, 0.0) for t in SEGMENTS}
        pending = mix.pending()
        tasks: set[asyncio.Task[None]] = set()
        self.done.started = time.time()
        start = time.monotonic()
        for i in range(mix.total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1:
                self.done.late_starts += 1
            while len(tasks) >= MAX_IN_FLIGHT:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(self.write(*self.choose(pending)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if on_tick is not None:
                on_tick(time.monotonic() - start)
        if tasks:
            await asyncio.wait(tasks)
        self.done.finished = time.time()
        return self.done

    async def preload(self, per_type: dict[str, int]) -> None:
        """Resources to update and delete from the first second on (written before the
        subscription exists: the hub learns of them from their first change)."""
        semaphore = asyncio.Semaphore(8)

        async def one(type_id: str) -> None:
            async with semaphore:
                response = await self.http.post(f"/{SEGMENTS[type_id]}", json=self.draft(type_id))
            response.raise_for_status()
            body = response.json()
            resource = body.get("customer", body) if type_id == "customer" else body
            self.pools[type_id].add(resource["id"], Live(resource["version"], 0.0))

        await asyncio.gather(*(one(t) for t, n in per_type.items() for _ in range(n)))


async def product_type(api_url: str, token: str) -> str:
    """The one product type the products are made of."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as http:
        draft = {"key": "bench-follow", "name": "bench-follow", "description": "bench"}
        response = await http.post("/product-types", json=draft)
        response.raise_for_status()
        type_id: str = response.json()["id"]
        return type_id
