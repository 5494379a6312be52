"""Calls by id or key (ctsync/client/resources.py), specified against respx."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from ctsync.client import resources
from ctsync.client.errors import ConcurrentModification
from ctsync.client.http import CommercetoolsClient
from ctsync.client.resources import ResourceRef

from .conftest import API_URL, TOKEN_URL, token_body


@pytest.fixture
def api() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        yield router


def conflict() -> httpx.Response:
    error = {"code": "ConcurrentModification", "message": "stale", "currentVersion": 9}
    return httpx.Response(409, json={"statusCode": 409, "message": "stale", "errors": [error]})


def test_a_key_is_percent_encoded_and_refs_name_what_is_wrong() -> None:
    assert ResourceRef("custom-objects/box", key="a/b c?d=é").path == (
        "custom-objects/box/key=a%2Fb%20c%3Fd%3D%C3%A9"
    )
    assert ResourceRef("customers", id="abc").path == "customers/abc"
    with pytest.raises(ValueError, match="exactly one of them \\(got neither\\)"):
        ResourceRef("customers")
    with pytest.raises(ValueError, match="got id and key"):
        ResourceRef("customers", id="a", key="b")
    for endpoint in ("/customers", "customers?limit=1", "customers/", "", "../x"):
        with pytest.raises(ValueError, match="is not a commercetools resource path"):
            ResourceRef(endpoint, id="a")


async def test_update_replans_on_each_conflict_until_it_gives_up(api, settings) -> None:
    path = f"{API_URL}/customers/key=c-1"
    api.get(path).mock(return_value=httpx.Response(200, json={"id": "x", "version": 9}))
    post = api.post(path).mock(side_effect=[conflict()] * 3)
    calls: list[int] = []

    def replan(current: dict) -> list[dict]:
        calls.append(current["version"])
        return [{"action": "setKey", "key": "again"}]

    async with CommercetoolsClient(settings) as client:
        with pytest.raises(ConcurrentModification) as gave_up:
            await resources.update(
                client,
                ResourceRef("customers", key="c-1"),
                [{"action": "setKey", "key": "first"}],
                version=1,
                on_conflict=replan,
                max_conflicts=2,
            )
    assert calls == [9, 9] and post.call_count == 3
    sent = [json.loads(call.request.content) for call in post.calls]
    assert [(b["version"], b["actions"][0]["key"]) for b in sent] == [
        (1, "first"),
        (9, "again"),
        (9, "again"),
    ]
    assert "still conflicting after 2 re-reads" in str(gave_up.value)
