"""The Messages API as a source of changes, for projects without a queue.

Messages are read in (createdAt, id) order from a watermark kept in the hub (`sync_state`,
entity `messages`, direction `follow`: visible and resettable like a sync's). commercetools
makes a message readable shortly after its `createdAt`, so each poll reads again from
`overlap_seconds` before the watermark and skips the message ids it already applied: a message
that became readable late is still seen, and one read twice is applied once.

Only 20 resource types have a deletion message (`changes.DELETION_MESSAGES`); the deletions of
the others (categories, product types, channels, custom objects, carts, …) still come from the
periodic plain delta, and many updates have no message at all. docs/changes.md says which.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.follow.changes import Change, NotAChange, parse_message
from ctsync.hub import HubStore, Watermark
from ctsync.registry import ENTITIES
from ctsync.timestamps import iso, parse

MESSAGES_ENTITY = "messages"
FOLLOW_DIRECTION = "follow"


class MessagesSource:
    """Polls one project's messages from the hub's watermark onward."""

    def __init__(
        self,
        client: CommercetoolsClient,
        hub: HubStore,
        project_key: str,
        *,
        overlap_seconds: float = 10.0,
        page_size: int = 500,
    ) -> None:
        self.client = client
        self.hub = hub
        self.project_key = project_key
        self.overlap = timedelta(seconds=overlap_seconds)
        self.page_size = page_size
        self._seen: dict[str, str] = {}  # message id -> createdAt, within the overlap
        self._pending: dict[str, str] = {}  # read by the last poll, seen once committed
        self._last: Watermark | None = None
        self._saved = False  # whether the hub holds `_last`
        self.unreadable: list[str] = []

    @property
    def watermark(self) -> Watermark | None:
        return self._last

    async def start(self) -> Watermark:
        """The watermark to read from: the hub's; else the earliest watermark of the hub's
        syncs of the project (what changed since they read is in the messages, for as long as
        the project keeps them); else, on a hub without syncs, the newest message's. A first
        start's is in the hub only once committed: `commit(await start())` keeps a consumer
        killed before its first poll's commit from starting again at a newer message."""
        state = self.hub.exact.states.get(self.project_key, MESSAGES_ENTITY, FOLLOW_DIRECTION)
        if state and state.watermark:
            self._last, self._saved = state.watermark, True
            return self._last
        synced = self._earliest_sync_watermark()
        if synced is not None:
            self._last = Watermark(synced, "")
            return self._last
        page = await self.client.query(
            "messages", sort=["createdAt desc", "id desc"], limit=1, with_total=False
        )
        if page.results:
            newest = page.results[0]
            self._last = Watermark(newest["createdAt"], newest["id"])
        else:
            server_now = self.client.last_server_date
            self._last = Watermark(iso(server_now) if server_now else _epoch(), "")
        return self._last

    async def poll(self) -> tuple[list[Change], Watermark | None]:
        """The changes of messages not applied yet, and the watermark once they are applied.

        Their ids count as applied only at `commit`: a poll whose changes failed to apply is
        read again, in full, by the next."""
        if self._last is None:
            await self.start()
        assert self._last is not None
        since = iso(parse(self._last.last_modified_at) - self.overlap)
        messages = await self._read_since(since)
        changes: list[Change] = []
        newest = self._last
        self._pending = {}
        for message in messages:
            message_id, created = message.get("id"), message.get("createdAt")
            if not isinstance(message_id, str) or not isinstance(created, str):
                continue
            if (created, message_id) > (newest.last_modified_at, newest.id):
                newest = Watermark(created, message_id)
            if message_id in self._seen or message_id in self._pending:
                continue
            self._pending[message_id] = created
            try:
                changes.append(parse_message(message))
            except NotAChange as reason:
                self.unreadable.append(f"message {message_id}: {reason}")
        self._forget_before(since)
        return changes, newest

    def commit(self, watermark: Watermark | None) -> None:
        """The changes of the last poll are in the hub: their ids are applied, and the
        watermark moves past them."""
        self._seen.update(self._pending)
        self._pending = {}
        if watermark is None or (watermark == self._last and self._saved):
            return
        self.hub.states.save(
            self.project_key, MESSAGES_ENTITY, watermark=watermark, direction=FOLLOW_DIRECTION
        )
        self._last, self._saved = watermark, True

    def _earliest_sync_watermark(self) -> str | None:
        """The oldest `lastModifiedAt` up to which the hub's pulls of the project are complete."""
        states = self.hub.exact.states
        found = [
            state.watermark.last_modified_at
            for name, entity in ENTITIES.items()
            if not entity.singleton
            and (state := states.get(self.project_key, name)) is not None
            and state.watermark is not None
        ]
        return min(found) if found else None

    async def _read_since(self, since: str) -> list[dict[str, Any]]:
        """Every message created at or after `since`, in (createdAt, id) order: keyset pages."""
        found: list[dict[str, Any]] = []
        after: tuple[str, str] | None = None
        while True:
            where = ["createdAt >= :since"]
            variables = {"since": since}
            if after is not None:
                where = ["(createdAt > :at or (createdAt = :at and id > :after))"]
                variables = {"at": after[0], "after": after[1]}
            page = await self.client.query(
                "messages",
                where=where,
                sort=["createdAt asc", "id asc"],
                limit=self.page_size,
                variables=variables,
            )
            found.extend(page.results)
            if len(page.results) < self.page_size:
                return found
            last = page.results[-1]
            after = (last["createdAt"], last["id"])

    def _forget_before(self, since: str) -> None:
        """Seen ids older than the overlap can never be read again: keep the set small."""
        for message_id in [m for m, created in self._seen.items() if created < since]:
            del self._seen[message_id]


def _epoch() -> str:
    return "1970-01-01T00:00:00.000Z"
