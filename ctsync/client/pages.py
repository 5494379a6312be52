"""One page of a commercetools query: how many records a request may ask for, the query's
parameters, and the page read from the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE_SIZE = 500


class QueryPage(BaseModel):
    """One page of a commercetools query (`PagedQueryResponse`)."""

    model_config = ConfigDict(extra="allow")

    limit: int
    offset: int = 0
    count: int
    total: int | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)
    size_bytes: int = 0
    """The body's size (decompressed: what parsing holds in memory), for pages sized by bytes."""


def check_page_size(name: str, value: int, what: str = "records per page") -> int:
    """`value` when commercetools serves that many per request, else a ValueError naming `name`.

    The one check behind the flows' `page_size` and `batch_size` and the client's `limit`.
    """
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(
            f"{name} is {value}: use 1 to {MAX_PAGE_SIZE} {what} "
            f"(commercetools pages hold at most {MAX_PAGE_SIZE})"
        )
    return value


def query_params(
    *,
    where: str | Sequence[str] | None,
    sort: Sequence[str],
    limit: int,
    offset: int | None,
    with_total: bool,
    variables: dict[str, str] | None,
    expand: Sequence[str],
) -> dict[str, Any]:
    """The query string of one page: `limit` checked, each list a repeated parameter, each
    variable a `var.<name>`."""
    check_page_size("limit", limit)
    params: dict[str, Any] = {"limit": limit, "withTotal": "true" if with_total else "false"}
    if where:
        params["where"] = [where] if isinstance(where, str) else list(where)
    if sort:
        params["sort"] = [sort] if isinstance(sort, str) else list(sort)
    if expand:
        params["expand"] = [expand] if isinstance(expand, str) else list(expand)
    if offset is not None:
        params["offset"] = offset
    for name, value in (variables or {}).items():
        params[f"var.{name}"] = value
    return params


def parse_page(body: Any) -> QueryPage:
    """A query's page from its body (decoded, or the raw bytes).

    The envelope is validated; the documents are kept as commercetools sent them, not copied
    one by one by pydantic: each is checked by its entity's model when it is written.
    """
    if isinstance(body, bytes | bytearray):
        body = orjson.loads(body)
    if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
        return QueryPage.model_validate(body)  # raises, naming what is wrong
    results = body.get("results", [])
    page = QueryPage.model_validate({**body, "results": []})
    page.results = results
    return page
