"""Every Python and SQL example of the README and the docs runs as written, against the sandbox.

The environment is the one docs/getting-started.md names: the block `my-store` is the seeded
sandbox project `sandbox`, `my-target-store` an empty sandbox project `target`, `my-hub` SQLite
at `./data/hub.db`, and each page runs in a fresh working directory of its own. A page's examples
run in order, sharing their names, as a reader pastes them one after the other; the blocks are
saved again before each example, so an example that saves `my-store` with a placeholder project
(as "Connect a project" does) does not break the next one. SQL examples run on a hub that holds
the seed as a pull leaves it, and each must return rows.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.hub.documents import record_of
from ctsync.registry import ENTITIES
from sandbox import DEFAULT_SEED, Sandbox
from tests.docs.snippets import Snippet, pages, snippets
from tests.integration.test_hub_views_seed import seed_pages

pytestmark = pytest.mark.sandbox

HUB_URL = "sqlite:///data/hub.db"
SQL_PARAMETERS = {"cursor": 0}


def credentials_for(sandbox: Sandbox) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
    )


@pytest.fixture(scope="module")
def projects(prefect_server: None) -> Iterator[tuple[Sandbox, Sandbox]]:
    with Sandbox(seed=None) as store, Sandbox(project_key="target", seed=None) as target:
        yield store, target


class Environment:
    """What the docs assume exists, put back before each example."""

    def __init__(self, store: Sandbox, target: Sandbox, request: pytest.FixtureRequest) -> None:
        self.store, self.target, self.request = store, target, request
        self.hubs: dict[str, HubDatabase] = {}

    def restore(self) -> None:
        credentials_for(self.store).save("my-store", overwrite=True)
        credentials_for(self.target).save("my-target-store", overwrite=True)
        HubDatabase(url=HUB_URL).save("my-hub", overwrite=True)
        self.store.clear_faults()
        self.target.clear_faults()

    def hub(self, dialect: str) -> HubDatabase:
        """A hub of that database that holds the project `sandbox` as a pull of the seed leaves
        it (the seed's pages written straight into the hub: a sync of every entity would cost
        the suite far more and prove nothing more about the SQL)."""
        if dialect not in self.hubs:
            url = HUB_URL if dialect == "sqlite" else self.request.getfixturevalue("postgres_url")
            hub = HubDatabase(url=url)
            store = hub.get_store().exact
            if not store.records.count("sandbox", "customers"):
                for name, documents in seed_pages():
                    records = [record_of(ENTITIES[name], document) for document in documents]
                    store.records.upsert_page("sandbox", name, records, run_id="docs-seed")
            self.hubs[dialect] = hub
        return self.hubs[dialect]

    def register_deployments(self) -> None:
        """The deployment the "From Python" example starts (no worker: its run stays queued)."""
        from flows import sync_customers

        sync_customers.to_deployment(
            name="customers", parameters={"credentials": "my-store"}
        ).apply()


def run_python(snippet: Snippet, namespace: dict[str, Any]) -> None:
    try:
        exec(compile(snippet.code, snippet.where, "exec"), namespace)
    except Exception:
        pytest.fail(
            f"the example at {snippet.where} raised:\n{snippet.code}\n{traceback.format_exc()}"
        )


def run_sql(snippet: Snippet, environment: Environment) -> None:
    sql = snippet.code.strip().rstrip(";")
    parameters = {k: v for k, v in SQL_PARAMETERS.items() if re.search(rf":{k}\b", sql)}
    for dialect in snippet.dialects:
        with environment.hub(dialect).get_store().database.read() as conn:
            rows = conn.execute(text(sql), parameters).fetchall()
        assert rows, f"the example at {snippet.where} returns no rows on {dialect}:\n{sql}"


@pytest.mark.parametrize("page", [page for page in pages() if snippets(page)])
def test_the_examples_of_a_page_run_as_written(
    page: str,
    projects: tuple[Sandbox, Sandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    store, target = projects
    store.reset(json.loads(DEFAULT_SEED.read_text()))
    target.reset()
    monkeypatch.chdir(tmp_path)
    environment = Environment(store, target, request)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    for snippet in snippets(page):
        environment.restore()
        if snippet.lang == "python":
            if "run_deployment" in snippet.code:
                environment.register_deployments()
            run_python(snippet, namespace)
        else:
            run_sql(snippet, environment)
