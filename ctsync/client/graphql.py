"""A GraphQL call: the request body, whether it writes, and the data of its answer.

commercetools answers 200 with `errors` for a field it could not resolve (and 400 for invalid
input), so the answer is read for errors even when the call succeeded.
"""

from __future__ import annotations

import re
from typing import Any

from ctsync.client.errors import GraphQLFailed

_MUTATION = re.compile(r"^\s*(#[^\n]*\n\s*)*mutation\b")


def graphql_request(
    query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> dict[str, Any]:
    """The body POSTed to `graphql`: the query, and its variables and operation when given."""
    request: dict[str, Any] = {"query": query}
    if variables:
        request["variables"] = variables
    if operation_name:
        request["operationName"] = operation_name
    return request


def is_mutation(query: str) -> bool:
    """A mutation is a write; any other query is a read sent by POST, retried as one."""
    return bool(_MUTATION.match(query))


def graphql_data(body: Any) -> dict[str, Any]:
    """The answer's `data`; GraphQLFailed when it reports errors."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        raise GraphQLFailed.from_errors(errors, body.get("data"), path="graphql")
    data: dict[str, Any] = body.get("data") or {}
    return data
