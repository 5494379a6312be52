"""Writes whose answer was lost are read back, never sent twice blindly (ctsync.client.http,
ctsync.client.resources, ctsync.client.lost_answers), specified against respx.

A lost answer here is what a client sees when commercetools committed the write: a dropped
connection, a timeout, or a gateway's 502/503/504 after the request went out."""

from __future__ import annotations

import httpx
import pytest
import respx

from ctsync.client import resources
from ctsync.client.errors import ConcurrentModification, OutcomeUnknown
from ctsync.client.http import CommercetoolsClient
from ctsync.client.resources import ResourceRef

from .conftest import API_URL, TOKEN_URL, token_body

GROUP = {"key": "vip", "groupName": "VIP"}
CREATED = {"id": "g-1", "version": 1, **GROUP}


@pytest.fixture
def api() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        yield router


async def no_wait(_: float) -> None:
    return None


def dropped(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out")


def ok(body: dict) -> httpx.Response:
    return httpx.Response(200, json=body)


def page(*results: dict) -> httpx.Response:
    body = {"results": list(results), "count": len(results), "offset": 0, "limit": 500}
    return httpx.Response(200, json=body)


def gateway(status: int) -> httpx.Response:
    return httpx.Response(status, json={"statusCode": status, "message": "gateway"})


LOST = [
    pytest.param(dropped, id="connection dropped"),
    pytest.param(timed_out, id="no answer in time"),
    pytest.param(gateway(502), id="502"),
    pytest.param(gateway(503), id="503"),
    pytest.param(gateway(504), id="504"),
    pytest.param(gateway(500), id="500"),
]


@pytest.mark.parametrize("lost", LOST)
async def test_a_write_whose_answer_is_lost_is_sent_once_and_says_so(api, settings, lost) -> None:
    post = api.post(f"{API_URL}/customer-groups").mock(side_effect=[lost, ok(CREATED)])
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.create("customer-groups", GROUP)
    assert post.call_count == 1
    error = caught.value
    assert error.method == "POST" and error.path == "/customer-groups" and error.correlation_id
    assert "answer was lost" in str(error) and "may have applied it" in str(error)


@pytest.mark.parametrize(
    "never_reached",
    [
        pytest.param(httpx.ConnectError("refused"), id="connection refused"),
        pytest.param(httpx.ConnectTimeout("connect timed out"), id="connect timeout"),
        pytest.param(httpx.Response(429, headers={"Retry-After": "0"}), id="429"),
    ],
)
async def test_a_write_that_never_reached_commercetools_is_retried(
    api, settings, never_reached
) -> None:
    post = api.post(f"{API_URL}/customer-groups").mock(side_effect=[never_reached, ok(CREATED)])
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        assert await client.create("customer-groups", GROUP) == CREATED
    assert post.call_count == 2


async def test_reads_and_graphql_queries_are_retried_and_mutations_are_not(api, settings) -> None:
    graphql = api.post(f"{API_URL}/graphql")
    graphql.mock(side_effect=[gateway(503), ok({"data": {"x": 1}})])
    get = api.get(f"{API_URL}/customer-groups/g-1").mock(side_effect=[timed_out, ok(CREATED)])
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        assert await client.get("customer-groups", "g-1") == CREATED
        assert await client.graphql("query { x }") == {"x": 1}
        graphql.mock(side_effect=[gateway(503), ok({"data": {}})])
        with pytest.raises(OutcomeUnknown):
            await client.graphql("# a comment\n  mutation { deleteThing }")
    assert get.call_count == 2 and graphql.call_count == 3


async def test_a_lost_create_found_by_key_is_not_sent_again(api, settings) -> None:
    post = api.post(f"{API_URL}/customer-groups").mock(side_effect=[gateway(504), ok(CREATED)])
    look = api.get(f"{API_URL}/customer-groups/key=vip").mock(
        return_value=httpx.Response(200, json=CREATED)
    )
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        assert await resources.create(client, "customer-groups", GROUP) == CREATED
    assert post.call_count == 1 and look.call_count == 1


async def test_a_lost_create_not_found_is_sent_again_once(api, settings) -> None:
    post = api.post(f"{API_URL}/customer-groups").mock(side_effect=[dropped, ok(CREATED)])
    api.get(f"{API_URL}/customer-groups/key=vip").mock(
        return_value=httpx.Response(404, json={"statusCode": 404, "message": "not found"})
    )
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        assert await resources.create(client, "customer-groups", GROUP) == CREATED
    assert post.call_count == 2


async def test_a_lost_customer_without_key_is_found_by_email_in_any_case(api, settings) -> None:
    customer = {"id": "c-1", "version": 1, "email": "Ada@Example.com"}
    api.post(f"{API_URL}/customers").mock(side_effect=[timed_out])
    query = api.get(f"{API_URL}/customers").mock(return_value=page(customer))
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        found = await resources.create(client, "customers", {"email": "ada@example.com"})
    assert found == {"customer": customer}  # the shape a sign-up answers with
    where = query.calls.last.request.url.params["where"]
    assert where == 'email in ("ada@example.com")'


async def test_a_lost_inventory_entry_is_found_by_sku_and_channel(api, settings) -> None:
    entries = [
        {"id": "e-1", "sku": "A", "supplyChannel": {"typeId": "channel", "id": "other"}},
        {"id": "e-2", "sku": "A", "supplyChannel": {"typeId": "channel", "id": "ch-1"}},
    ]
    api.post(f"{API_URL}/inventory").mock(side_effect=[gateway(502)])
    api.get(f"{API_URL}/channels/key=berlin").mock(
        return_value=httpx.Response(200, json={"id": "ch-1"})
    )
    api.get(f"{API_URL}/inventory").mock(return_value=page(*entries))
    draft = {"sku": "A", "quantityOnStock": 3, "supplyChannel": {"key": "berlin"}}
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        assert (await resources.create(client, "inventory", draft))["id"] == "e-2"


async def test_a_lost_create_with_nothing_to_find_it_by_is_not_sent_again(api, settings) -> None:
    post = api.post(f"{API_URL}/carts").mock(side_effect=[dropped, ok({"id": "cart-2"})])
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        with pytest.raises(OutcomeUnknown, match=r"no key .* give drafts keys"):
            await resources.create(client, "carts", {"currency": "EUR"})
    assert post.call_count == 1


async def test_a_lost_update_one_version_further_landed(api, settings) -> None:
    path = f"{API_URL}/customer-groups/key=vip"
    post = api.post(path).mock(side_effect=[gateway(504)])
    api.get(path).mock(return_value=httpx.Response(200, json={**CREATED, "version": 8}))
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        done = await resources.update(
            client, ResourceRef("customer-groups", key="vip"), [{"action": "setKey"}], version=7
        )
    assert done["version"] == 8 and post.call_count == 1


async def test_a_lost_update_still_at_its_version_is_sent_again(api, settings) -> None:
    path = f"{API_URL}/customer-groups/key=vip"
    post = api.post(path).mock(side_effect=[dropped, ok({**CREATED, "version": 8})])
    api.get(path).mock(return_value=httpx.Response(200, json={**CREATED, "version": 7}))
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        done = await resources.update(
            client, ResourceRef("customer-groups", key="vip"), [{"action": "setKey"}], version=7
        )
    assert done["version"] == 8 and post.call_count == 2
    first, second = (call.request.read() for call in post.calls)
    assert first == second


async def test_a_lost_update_past_another_writer_asks_on_conflict_or_says_so(api, settings) -> None:
    path = f"{API_URL}/customer-groups/key=vip"
    ref = ResourceRef("customer-groups", key="vip")
    api.get(path).mock(return_value=httpx.Response(200, json={**CREATED, "version": 9}))
    post = api.post(path).mock(side_effect=[timed_out, ok({**CREATED, "version": 10})])
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        with pytest.raises(OutcomeUnknown, match=r"moved from version 7 to 9 .* on_conflict"):
            await resources.update(client, ref, [{"action": "setKey"}], version=7)
        post.mock(side_effect=[timed_out, ok({**CREATED, "version": 10})])
        seen: list[int] = []

        def still_needed(current: dict) -> list[dict]:
            seen.append(current["version"])
            return [{"action": "setKey", "key": "vip"}]

        done = await resources.update(
            client, ref, [{"action": "setKey"}], version=7, on_conflict=still_needed
        )
    assert seen == [9] and done["version"] == 10


async def test_a_lost_delete_is_read_back(api, settings) -> None:
    path = f"{API_URL}/customer-groups/g-1"
    ref = ResourceRef("customer-groups", id="g-1")
    delete = api.delete(path).mock(side_effect=[gateway(503)])
    api.get(path).mock(return_value=httpx.Response(404, json={"statusCode": 404, "message": "x"}))
    async with CommercetoolsClient(settings, sleep=no_wait) as client:
        gone = await resources.delete(client, ref, version=3)
        assert gone == {"id": "g-1", "version": 3} and delete.call_count == 1
        # Still there: it did not land, and is sent again as it was.
        api.get(path).mock(return_value=httpx.Response(200, json={**CREATED, "version": 4}))
        conflict = {
            "statusCode": 409,
            "message": "stale",
            "errors": [{"code": "ConcurrentModification"}],
        }
        delete.mock(side_effect=[dropped, httpx.Response(409, json=conflict)])
        with pytest.raises(ConcurrentModification):
            await resources.delete(client, ref, version=3)
    assert delete.call_count == 3
    assert all(c.request.url.params["version"] == "3" for c in delete.calls)
