"""Tasks for your own flows: commercetools calls with the block's token, throttle and retries.

Each takes the credentials block (an instance, or the name it was saved under) and draws on the
one token and throttle budget this process keeps for that API client, shared with every sync,
push and task running beside it. Retries and correlation ids are the engine's; each call logs a
line at debug level and each retry a warning, on the task run's logger; secrets never appear.
Errors are typed (`ctsync.client.errors`): NotFound, ConcurrentModification, InvalidInput,
PermissionDenied, GraphQLFailed, ServiceUnavailable.
"""

# docs/tasks.md shows every example below; tests/unit/test_tasks_docs.py keeps them equal.
from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from anyio.from_thread import start_blocking_portal
from prefect import task
from prefect.cache_policies import NO_CACHE

from blocks import CommercetoolsCredentials
from blocks.resolve import resolve_credentials
from ctsync.client import resources
from ctsync.client.errors import NotFound
from ctsync.client.pages import MAX_PAGE_SIZE, QueryPage
from ctsync.client.resources import Resolver, ResourceRef, check_endpoint
from ctsync.pull.keyset import read_all
from ctsync.run.options import DEFAULT_PAGE_BYTES
from flows._engine import run_logger, run_with_client

__all__ = [
    "create_resource",
    "delete_resource",
    "get_resource",
    "graphql_query",
    "query_all",
    "query_page",
    "update_resource",
]

Credentials = CommercetoolsCredentials | str


@task(name="commercetools-query-page", task_run_name="query-{endpoint}", cache_policy=NO_CACHE)
def query_page(
    credentials: Credentials,
    endpoint: str,
    where: str | list[str] | None = None,
    sort: str | list[str] | None = None,
    limit: int = 20,
    offset: int | None = None,
    expand: str | list[str] | None = None,
    variables: dict[str, str] | None = None,
    with_total: bool = False,
) -> QueryPage:
    """One page of a query, as commercetools answers it (`limit`, `offset`, `count`, `total`
    when `with_total`, and `results`). For everything that matches, use `query_all`.

    Example:

        from flows.tasks import query_page

        page = query_page(
            "my-store",
            "customers",
            where="lastName = :name",
            variables={"name": "Becker"},
            sort=["createdAt desc"],
            limit=10,
        )
        newest = [customer["email"] for customer in page.results]
    """
    endpoint = check_endpoint(endpoint)
    return run_with_client(
        resolve_credentials(credentials),
        None,
        lambda client: client.query(
            endpoint,
            where=where,
            sort=sort or (),
            limit=limit,
            offset=offset,
            with_total=with_total,
            variables=variables,
            expand=expand or (),
        ),
    )


@task(name="commercetools-query-all", task_run_name="query-all-{endpoint}", cache_policy=NO_CACHE)
def query_all(
    credentials: Credentials,
    endpoint: str,
    where: str | None = None,
    variables: dict[str, str] | None = None,
    expand: str | list[str] | None = None,
    page_size: int = MAX_PAGE_SIZE,
    page_bytes: int | None = DEFAULT_PAGE_BYTES,
) -> Iterator[list[dict[str, Any]]]:
    """Every resource that matches `where`, yielded a page at a time in id order: paged by id
    (keyset), never by offset, so a million matches are read once each, in constant memory.
    A page holds up to `page_size` records, fewer when they are large (near `page_bytes`).

    Example:

        from flows.tasks import query_all

        emails = []
        for page in query_all("my-store", "customers", where="isEmailVerified = false"):
            emails += [customer["email"] for customer in page]
    """
    block = resolve_credentials(credentials)
    logger = run_logger()
    with start_blocking_portal() as portal:  # one event loop for the whole read: one client
        client = block.get_client(logger=logger)
        pages = read_all(
            client.query,
            endpoint,
            where=where,
            variables=variables,
            expand=expand or (),
            page_size=page_size,
            page_bytes=page_bytes,
        )
        try:
            while True:
                try:
                    page = portal.call(pages.__anext__)
                except StopAsyncIteration:
                    return
                yield page
        finally:
            portal.call(pages.aclose)
            portal.call(client.aclose)


@task(name="commercetools-get", task_run_name="get-{endpoint}", cache_policy=NO_CACHE)
def get_resource(
    credentials: Credentials,
    endpoint: str,
    id: str | None = None,
    key: str | None = None,
    expand: str | list[str] | None = None,
    missing_ok: bool = False,
) -> dict[str, Any] | None:
    """The resource with that id or key. A missing one raises NotFound, or gives None with
    `missing_ok=True`.

    Example:

        from flows.tasks import get_resource

        customer = get_resource("my-store", "customers", key="customer-00001")
        same = get_resource("my-store", "customers", id=customer["id"], expand=["customerGroup"])
        group = get_resource("my-store", "customer-groups", key="b2b", missing_ok=True)
    """
    ref = ResourceRef(endpoint, id=id, key=key)

    async def work(client: Any) -> dict[str, Any] | None:
        try:
            return await resources.get(client, ref, expand=expand or ())
        except NotFound:
            if missing_ok:
                return None
            raise

    return run_with_client(resolve_credentials(credentials), None, work)


@task(name="commercetools-create", task_run_name="create-{endpoint}", cache_policy=NO_CACHE)
def create_resource(
    credentials: Credentials,
    endpoint: str,
    draft: dict[str, Any],
    expand: str | list[str] | None = None,
) -> dict[str, Any]:
    """The resource created from `draft` (the endpoint's draft type, as commercetools takes
    it). A customer comes back as commercetools answers a sign-up: `{"customer": {...}}`.
    A create whose answer was lost is looked up by the draft's key (a customer by email, an
    inventory entry by SKU and channel) before it is sent again; a draft with none of them
    raises OutcomeUnknown instead of a second create.

    Example:

        from flows.tasks import create_resource

        group = create_resource("my-store", "customer-groups", {"key": "vip", "groupName": "VIP"})
    """
    return run_with_client(
        resolve_credentials(credentials),
        None,
        lambda client: resources.create(client, endpoint, draft, expand=expand or ()),
    )


@task(name="commercetools-update", task_run_name="update-{endpoint}", cache_policy=NO_CACHE)
def update_resource(
    credentials: Credentials,
    endpoint: str,
    actions: Sequence[dict[str, Any]],
    id: str | None = None,
    key: str | None = None,
    version: int | None = None,
    on_conflict: Resolver | None = None,
    max_conflicts: int = 3,
    expand: str | list[str] | None = None,
) -> dict[str, Any]:
    """The resource after the update `actions`, sent at `version` (None: the version read just
    before). When someone else changed it meanwhile (409), `on_conflict` gets the resource as it
    now is and returns the actions to send instead, or none when nothing is left to do; without
    it the ConcurrentModification is raised; after `max_conflicts` re-reads, too. An update
    whose answer was lost is re-read: still at `version`, sent again; one version further, it
    landed; further still, `on_conflict` decides (without it OutcomeUnknown is raised).

    Example:

        from flows.tasks import update_resource


        def still_needed(customer):  # a field of the customer's custom type
            custom = (customer.get("custom") or {}).get("fields") or {}
            if custom.get("loyaltyTier") == "gold":
                return []  # someone set it meanwhile: nothing left to do
            return [{"action": "setCustomField", "name": "loyaltyTier", "value": "gold"}]


        update_resource(
            "my-store",
            "customers",
            [{"action": "setCustomField", "name": "loyaltyTier", "value": "gold"}],
            key="customer-00005",
            version=7,
            on_conflict=still_needed,
        )
    """
    update = partial(
        resources.update,
        ref=ResourceRef(endpoint, id=id, key=key),
        actions=actions,
        version=version,
        on_conflict=on_conflict,
        max_conflicts=max_conflicts,
        expand=expand or (),
    )
    return run_with_client(resolve_credentials(credentials), None, update)


@task(name="commercetools-delete", task_run_name="delete-{endpoint}", cache_policy=NO_CACHE)
def delete_resource(
    credentials: Credentials,
    endpoint: str,
    id: str | None = None,
    key: str | None = None,
    version: int | None = None,
    data_erasure: bool = False,
    missing_ok: bool = False,
) -> dict[str, Any] | None:
    """The resource as it was deleted, at `version` (None: the version read just before).
    `data_erasure=True` also erases the personal data commercetools holds for it; a missing
    resource raises NotFound, or gives None with `missing_ok=True`. A delete whose answer was
    lost is checked: gone, it landed; still there, it is sent again as it was.

    Example:

        from flows.tasks import delete_resource

        delete_resource("my-store", "customers", key="customer-00042", data_erasure=True)
    """
    ref = ResourceRef(endpoint, id=id, key=key)

    async def work(client: Any) -> dict[str, Any] | None:
        try:
            return await resources.delete(client, ref, version=version, data_erasure=data_erasure)
        except NotFound:
            if missing_ok:
                return None
            raise

    return run_with_client(resolve_credentials(credentials), None, work)


@task(name="commercetools-graphql", cache_policy=NO_CACHE)
def graphql_query(
    credentials: Credentials,
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """The `data` of a GraphQL query on the project's /graphql endpoint. A query commercetools
    refuses (400: bad syntax, an unknown field, a bad `where`) raises InvalidInput; errors in a
    query it ran (a field it could not resolve, a scope missing) raise GraphQLFailed, whose
    `.errors` lists them and `.data` holds what resolved.

    Example:

        from flows.tasks import graphql_query

        data = graphql_query(
            "my-store",
            "query ($where: String) { customers(where: $where) { results { id email } } }",
            variables={"where": 'email = "ada@example.com"'},
        )
        ids = [customer["id"] for customer in data["customers"]["results"]]
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError(
            "query must be the text of a GraphQL query, e.g. '{ customers { total } }'"
        )
    return run_with_client(
        resolve_credentials(credentials),
        None,
        lambda client: client.graphql(query, variables, operation_name),
    )
