"""Pages sized by bytes against the sandbox: large products are read a few at a time, and still
every one of them, exactly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from flows.sync import sync_products
from sandbox.seed import large_products
from tests.flows.test_sync import credentials_for, hub_documents, hub_in, source

pytestmark = pytest.mark.sandbox


def test_large_products_come_a_few_a_page_and_all_of_them(blank, tmp_path: Path) -> None:
    products = large_products(24)  # ~300 KB each
    size = len(orjson.dumps(products[0]))
    blank.load({"product": products})
    hub = hub_in(tmp_path)
    blank.reset_stats()
    report = sync_products(
        credentials_for(blank), hub=hub, mode="full", partitions=1, page_bytes=1 << 20
    )
    pages = blank.stats()["by_method_path"]["GET /sandbox/products"]
    assert report.fetched == report.inserted == 24
    assert hub_documents(hub, blank.project_key, "products") == source(blank, "products")
    # The plan's count returns one product, which sizes every page: 1 MiB holds 3 of them, so
    # 24 take 8 pages and a last, empty one (not one page of 24, ~7 MB).
    per_page = (1 << 20) // size
    assert per_page == 3
    assert pages == 1 + 24 // per_page + 1  # the count, 8 full pages, the empty last one


def test_a_page_bytes_below_the_floor_is_refused_naming_it(blank) -> None:
    with pytest.raises(ValueError, match="page_bytes is 100: use at least"):
        sync_products(credentials_for(blank), page_bytes=100)
