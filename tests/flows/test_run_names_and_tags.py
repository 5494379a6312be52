"""A run that fails before its plan (a bad block, hub or parameter) is still a named run that
carries the tags the UI filters by, and says what was wrong in its state message.

No commercetools is reached: every run here fails before its first request.
"""

from __future__ import annotations

import re
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun

from blocks import CommercetoolsCredentials, HubDatabase
from flows.copy import copy_project
from flows.push import push_customers
from flows.sync import sync_all, sync_customers

STAMP = r"\d{8}-\d{6}"


def credentials(project: str = "tag-shop") -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=f"http://127.0.0.1:9/{project}",
        client_id="client-id-for-tags",
        client_secret="client-secret-for-tags-0123456789",
        scope=f"manage_project:{project}",
    )


def failed_run(flow: Any, *args: Any, **kwargs: Any) -> FlowRun:
    """Run `flow` to its (failed) end; the flow run as the Prefect API has it."""
    state = flow(*args, return_state=True, **kwargs)
    assert state.is_failed(), state
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def test_a_block_that_cannot_be_loaded_leaves_the_tool_and_entity_tags() -> None:
    run = failed_run(sync_customers, "no-such-block")
    assert set(run.tags) == {"commercetools", "ct-entity:customers"}
    assert "credentials 'no-such-block'" in run.state.message
    push = failed_run(push_customers, "no-such-block", source=[])
    assert set(push.tags) == {"commercetools", "ct-entity:customers"}
    assert re.fullmatch(rf"push-customers-{STAMP}", push.name), push.name


def test_a_hub_that_cannot_be_loaded_leaves_every_tag(tmp_path) -> None:
    run = failed_run(sync_customers, credentials(), hub="no-such-hub")
    assert set(run.tags) == {"commercetools", "ct-project:tag-shop", "ct-entity:customers"}
    assert "hub 'no-such-hub'" in run.state.message
    all_run = failed_run(sync_all, credentials(), hub="no-such-hub")
    assert set(all_run.tags) == {"commercetools", "ct-project:tag-shop"}


def test_a_mistyped_mode_is_named_with_the_choices_in_a_named_tagged_run(tmp_path) -> None:
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    message = "mode is 'detla': use 'delta' (changes since the watermark) or 'full'"
    run = failed_run(sync_customers, credentials(), hub=hub, mode="detla")
    assert re.fullmatch(rf"customers-{STAMP}", run.name), run.name
    assert message in run.state.message
    assert set(run.tags) == {"commercetools", "ct-project:tag-shop", "ct-entity:customers"}

    everything = failed_run(sync_all, credentials(), hub=hub, mode="detla")
    assert re.fullmatch(rf"all-{STAMP}", everything.name), everything.name
    assert message in everything.state.message
    assert set(everything.tags) == {"commercetools", "ct-project:tag-shop"}

    copy = failed_run(copy_project, credentials("tag-source"), credentials(), hub=hub, mode="detla")
    assert re.fullmatch(rf"copy-{STAMP}", copy.name), copy.name
    assert "mode is 'detla': use 'delta' (what the source changed since the last copy) or " in (
        copy.state.message
    )
    assert set(copy.tags) == {"commercetools", "ct-project:tag-shop"}
