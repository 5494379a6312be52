"""The tasks' whole read by predicate (ctsync.pull.keyset.read_all), specified against respx."""

from __future__ import annotations

import httpx
import pytest
import respx

from ctsync.client.http import CommercetoolsClient
from ctsync.pull.keyset import read_all

from .conftest import API_URL, TOKEN_URL, token_body


@pytest.fixture
def api() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        yield router


async def test_read_all_pages_by_id_and_refuses_an_unsorted_page(api, settings) -> None:
    query = api.get(f"{API_URL}/customers").mock(
        side_effect=[
            httpx.Response(
                200, json={"limit": 2, "count": 2, "results": [{"id": "a"}, {"id": "b"}]}
            ),
            httpx.Response(200, json={"limit": 2, "count": 1, "results": [{"id": "c"}]}),
            httpx.Response(
                200, json={"limit": 2, "count": 2, "results": [{"id": "b"}, {"id": "a"}]}
            ),
        ]
    )
    async with CommercetoolsClient(settings) as client:
        pages = [
            page
            async for page in read_all(
                client.query, "customers", where="age > :age", variables={"age": "30"}, page_size=2
            )
        ]
        assert pages == [[{"id": "a"}, {"id": "b"}], [{"id": "c"}]]
        second = query.calls[1].request.url.params
        assert second.get_list("where") == ["id > :after", "(age > :age)"]
        assert (second["var.after"], second["var.age"], second["sort"]) == ("b", "30", "id asc")
        assert "offset" not in second
        with pytest.raises(RuntimeError, match="out of the requested sort order"):
            async for _ in read_all(client.query, "customers", page_size=2):
                pass
        with pytest.raises(ValueError, match=r"variables \['after'\] are bound by the keyset"):
            async for _ in read_all(client.query, "customers", variables={"after": "x"}):
                pass


async def test_read_all_sizes_pages_by_bytes_as_the_syncs_do(api, settings) -> None:
    big = "x" * 4_000  # records of about 4 KB
    pages = [
        [{"id": f"{n:03d}", "blob": big} for n in range(start, start + size)]
        for start, size in ((0, 20), (20, 3), (23, 2))
    ]
    query = api.get(f"{API_URL}/customers").mock(
        side_effect=[
            httpx.Response(200, json={"limit": 9, "count": len(p), "results": p}) for p in pages
        ]
    )
    async with CommercetoolsClient(settings) as client:
        read = [len(page) async for page in read_all(client.query, "customers", page_bytes=16_000)]
    assert read == [20, 3, 2]
    assert [call.request.url.params["limit"] for call in query.calls] == ["20", "3", "3"]
