"""The Messages API as a source of changes (ctsync.follow.messages), against a respx-mocked
`/messages` that evaluates the predicates, sorts and limits the source sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from ctsync.client.config import ConnectionSettings
from ctsync.client.http import CommercetoolsClient
from ctsync.follow.changes import Change
from ctsync.follow.messages import FOLLOW_DIRECTION, MESSAGES_ENTITY, MessagesSource
from ctsync.hub import HubStore, Watermark

from .conftest import API_URL, TOKEN_URL, token_body

PROJECT = "shop"
SINCE = "createdAt >= :since"
AFTER = "(createdAt > :at or (createdAt = :at and id > :after))"


def message(
    number: int, created: str, kind: str = "CustomerCreated", resource: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"m-{number:03d}",
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "customer", "id": resource or f"c-{number:03d}"},
        "resourceVersion": number,
        "type": kind,
        "createdAt": created,
        "lastModifiedAt": created,
    }


def at(seconds: float) -> str:
    """A createdAt `seconds` after 10:00:00 (commercetools' spelling, milliseconds)."""
    whole, millis = divmod(round(seconds * 1000), 1000)
    minutes, secs = divmod(whole, 60)
    return f"2026-03-01T10:{minutes:02d}:{secs:02d}.{millis:03d}Z"


@dataclass
class FakeMessages:
    """`GET /messages` over a list of messages: the two predicate shapes the source sends,
    its sorts and limits; every request's parameters are kept."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    params: list[dict[str, Any]] = field(default_factory=list)
    date: str = "Sun, 01 Mar 2026 10:30:00 GMT"

    def answer(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        self.params.append({k: params.get_list(k) for k in params})
        found = [m for m in self.messages if self._matches(m, params)]
        newest_first = params["sort"] == "createdAt desc"
        found.sort(key=lambda m: (m["createdAt"], m["id"]), reverse=newest_first)
        expected = ["createdAt desc", "id desc"] if newest_first else ["createdAt asc", "id asc"]
        assert params.get_list("sort") == expected
        page = found[: int(params["limit"])]
        body = {"limit": int(params["limit"]), "count": len(page), "results": page}
        return httpx.Response(200, json=body, headers={"Date": self.date})

    @staticmethod
    def _matches(message: dict[str, Any], params: httpx.QueryParams) -> bool:
        where = params.get_list("where")
        created, message_id = message["createdAt"], message["id"]
        if where == []:
            return True
        if where == [SINCE]:
            return bool(created >= params["var.since"])
        assert where == [AFTER], where
        at_, after = params["var.at"], params["var.after"]
        return bool(created > at_ or (created == at_ and message_id > after))


@pytest.fixture
def api() -> Iterator[FakeMessages]:
    fake = FakeMessages()
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        router.get(url__startswith=f"{API_URL}/messages").mock(side_effect=fake.answer)
        yield fake


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubStore]:
    store = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    yield store
    store.close()


@pytest.fixture
async def client(api: FakeMessages, settings: ConnectionSettings) -> AsyncIterator[Any]:
    async with CommercetoolsClient(settings) as ct:
        yield ct


def saved(hub: HubStore) -> Watermark | None:
    state = hub.exact.states.get(PROJECT, MESSAGES_ENTITY, FOLLOW_DIRECTION)
    return state.watermark if state else None


def resources(changes: list[Change]) -> list[str]:
    return [change.id for change in changes]


async def test_a_first_start_reads_from_the_newest_message_not_from_the_beginning(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    api.messages = [message(n, at(n)) for n in range(1, 5)] + [message(9, at(600))]
    source = MessagesSource(client, hub, PROJECT, overlap_seconds=10)
    start = await source.start()
    assert start == Watermark(at(600), "m-009")
    assert api.params[0]["limit"] == ["1"]
    changes, watermark = await source.poll()
    # The overlap re-reads the newest; nothing of the ten minutes before it.
    assert resources(changes) == ["c-009"]
    assert api.params[1]["var.since"] == [at(590)]
    assert watermark == start
    assert saved(hub) is None  # nothing committed yet


async def test_a_first_start_on_a_project_without_messages_starts_at_the_servers_clock(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    source = MessagesSource(client, hub, PROJECT)
    assert await source.start() == Watermark("2026-03-01T10:30:00.000Z", "")
    api.messages = [message(1, "2026-03-01T10:30:05.000Z"), message(2, "2026-03-01T10:20:00.000Z")]
    changes, watermark = await source.poll()
    assert resources(changes) == ["c-001"]  # 10:20 is ten minutes before the start
    assert watermark == Watermark("2026-03-01T10:30:05.000Z", "m-001")


async def test_the_watermark_is_saved_in_the_hub_only_by_commit_and_read_back_on_restart(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    api.messages = [message(1, at(0))]
    source = MessagesSource(client, hub, PROJECT)
    await source.start()
    api.messages += [message(2, at(30)), message(3, at(31))]
    changes, watermark = await source.poll()
    assert resources(changes) == ["c-001", "c-002", "c-003"]
    assert saved(hub) is None
    assert source.watermark == Watermark(at(0), "m-001")
    source.commit(watermark)
    assert saved(hub) == Watermark(at(31), "m-003") == source.watermark
    # A restarted follower starts at the hub's watermark, asking no newest message.
    asked = len(api.params)
    restarted = MessagesSource(client, hub, PROJECT, overlap_seconds=5)
    assert await restarted.start() == Watermark(at(31), "m-003")
    assert len(api.params) == asked
    changes, _ = await restarted.poll()
    assert api.params[-1]["var.since"] == [at(26)]
    assert resources(changes) == ["c-002", "c-003"]  # re-applied after a restart: harmless


async def test_the_overlap_rereads_but_does_not_reapply_and_catches_late_messages(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    api.messages = [message(1, at(100))]
    source = MessagesSource(client, hub, PROJECT, overlap_seconds=10)
    await source.start()
    api.messages += [message(2, at(101)), message(3, at(102))]
    changes, watermark = await source.poll()
    source.commit(watermark)
    assert resources(changes) == ["c-001", "c-002", "c-003"]
    # Readable only now: one created before the watermark (within the overlap), one after.
    api.messages += [message(4, at(101.5)), message(5, at(103))]
    changes, watermark = await source.poll()
    source.commit(watermark)
    assert resources(changes) == ["c-004", "c-005"]
    assert api.params[-1]["var.since"] == [at(92)]
    assert saved(hub) == Watermark(at(103), "m-005")
    changes, watermark = await source.poll()
    assert (changes, watermark) == ([], Watermark(at(103), "m-005"))


async def test_a_poll_not_committed_is_read_again_in_full(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    """The changes of a poll that failed to apply are not lost: their ids count as applied
    only once `commit` says the hub has them."""
    api.messages = [message(1, at(0))]
    source = MessagesSource(client, hub, PROJECT)
    await source.start()
    api.messages += [message(2, at(1)), message(3, at(2))]
    failed, _ = await source.poll()  # ... and applying them failed: no commit
    again, watermark = await source.poll()
    assert resources(again) == resources(failed) == ["c-001", "c-002", "c-003"]
    source.commit(watermark)
    assert (await source.poll())[0] == []


async def test_keyset_pages_across_messages_of_the_same_created_at(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    api.messages = [message(0, at(0))]
    source = MessagesSource(client, hub, PROJECT, overlap_seconds=1, page_size=2)
    await source.start()
    # Five messages of one millisecond (one transaction's messages), listed out of order.
    api.messages += [message(n, at(5)) for n in (7, 3, 5, 4, 6)]
    changes, watermark = await source.poll()
    assert resources(changes) == ["c-000", "c-003", "c-004", "c-005", "c-006", "c-007"]
    reads = api.params[1:]
    assert [p["where"] for p in reads] == [[SINCE], [AFTER], [AFTER], [AFTER]]
    assert [(p["var.at"], p["var.after"]) for p in reads[1:]] == [
        ([at(5)], ["m-003"]),
        ([at(5)], ["m-005"]),
        ([at(5)], ["m-007"]),
    ]
    assert watermark == Watermark(at(5), "m-007")


async def test_deletion_messages_and_unreadable_messages(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    api.messages = [message(0, at(0))]
    source = MessagesSource(client, hub, PROJECT, overlap_seconds=1)
    await source.start()
    broken = {**message(2, at(3)), "resource": None}
    api.messages += [
        message(1, at(2), "CustomerDeleted", resource="c-000"),
        broken,
        message(3, at(4), "CustomerAddressRemoved"),
    ]
    changes, watermark = await source.poll()
    assert [(c.id, c.deleted) for c in changes] == [
        ("c-000", False),
        ("c-000", True),
        ("c-003", False),
    ]
    assert source.unreadable == ["message m-002: no resource reference"]
    assert watermark == Watermark(at(4), "m-003")


async def test_committing_the_first_start_keeps_a_restart_from_skipping_ahead(
    api: FakeMessages, client: CommercetoolsClient, hub: HubStore
) -> None:
    """Killed after reading messages but before committing them, a follower whose start was
    committed reads them again; one that started anew would begin at the newest and skip them."""
    api.messages = [message(1, at(0))]
    source = MessagesSource(client, hub, PROJECT, overlap_seconds=1)
    source.commit(await source.start())
    assert saved(hub) == Watermark(at(0), "m-001")
    api.messages += [message(2, at(60)), message(3, at(61))]
    await source.poll()  # ... and the process is killed before the commit
    restarted = MessagesSource(client, hub, PROJECT, overlap_seconds=1)
    changes, _ = await restarted.poll()
    assert resources(changes) == ["c-001", "c-002", "c-003"]
