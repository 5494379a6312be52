"""A run that names no hub uses the block the Prefect variable `commercetools_hub` names: one
setting points every deployment and worker of a server at a PostgreSQL hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.variables import Variable

from blocks import HubDatabase
from blocks.resolve import HUB_VARIABLE
from flows import sync_customer_groups
from sandbox import Sandbox
from tests.flows.push_support import credentials_for

pytestmark = pytest.mark.sandbox


def test_a_run_without_hub_uses_the_block_the_variable_names(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shared = HubDatabase(url=f"sqlite:///{tmp_path}/shared.db")
    shared.save("shared-hub", overwrite=True)
    credentials = credentials_for(sandbox)
    Variable.set(HUB_VARIABLE, "shared-hub", overwrite=True)
    try:
        sync_customer_groups(credentials)
        assert shared.get_store().records.count(sandbox.project_key, "customer-groups") == 4
        assert not (tmp_path / "data" / "hub.db").exists()

        Variable.set(HUB_VARIABLE, "no-such-hub", overwrite=True)
        state = sync_customer_groups(credentials, return_state=True)
        assert state.is_failed()
        assert f"hub (Prefect variable {HUB_VARIABLE}) 'no-such-hub'" in (state.message or "")
    finally:
        Variable.unset(HUB_VARIABLE)
    sync_customer_groups(credentials)  # no variable: the default SQLite hub ./data/hub.db
    default = HubDatabase(url=f"sqlite:///{tmp_path}/data/hub.db")
    assert default.get_store().records.count(sandbox.project_key, "customer-groups") == 4
