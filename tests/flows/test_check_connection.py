"""check_connection against the sandbox: the report, the artifact, and each kind of failure."""

from __future__ import annotations

import socket
import uuid

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from pydantic import SecretStr

from blocks import CommercetoolsCredentials
from flows import ConnectionCheckFailed, check_connection

pytestmark = pytest.mark.sandbox


def credentials_for(sandbox, **changes: object) -> CommercetoolsCredentials:
    fields = {
        "api_url": sandbox.api_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "scope": sandbox.scope,
    }
    return CommercetoolsCredentials(**{**fields, **changes})


def sandbox_project(sandbox) -> dict:
    with sandbox.client() as http:
        return http.get(sandbox.api_url).json()


def failure_of(credentials: CommercetoolsCredentials | str) -> str:
    with pytest.raises(ConnectionCheckFailed) as caught:
        check_connection(credentials)
    return str(caught.value)


async def artifacts_with_key(key: str) -> list:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )


def test_reports_the_project_as_the_api_client_sees_it(sandbox) -> None:
    report = check_connection(credentials_for(sandbox))
    project = sandbox_project(sandbox)
    assert report.project_key == sandbox.project_key == project["key"]
    assert report.project_name == project["name"]
    assert report.countries == project["countries"]
    assert report.currencies == project["currencies"]
    assert report.languages == project["languages"]
    assert report.messages_enabled == project["messages"]["enabled"]
    assert report.scopes == [sandbox.scope]
    assert report.token_expires_in_seconds > 0
    assert report.api_calls == 1


async def test_publishes_a_markdown_artifact(sandbox) -> None:
    check_connection(credentials_for(sandbox))
    artifacts = await artifacts_with_key(f"ct-{sandbox.project_key}-connection")
    assert artifacts, "no connection artifact was created"
    markdown = artifacts[0].data
    assert sandbox_project(sandbox)["name"] in markdown
    assert sandbox.scope in markdown
    assert sandbox.client_secret not in markdown


def test_block_saved_by_name_round_trips_and_runs(sandbox) -> None:
    name = f"sandbox-{uuid.uuid4().hex[:8]}"
    credentials_for(sandbox, api_key="gateway-key").save(name)
    loaded = CommercetoolsCredentials.load(name)
    assert loaded.client_secret.get_secret_value() == sandbox.client_secret
    assert loaded.api_key is not None and loaded.api_key.get_secret_value() == "gateway-key"
    assert loaded.api_url == sandbox.api_url
    assert check_connection(name).project_key == sandbox.project_key


def test_unknown_block_name_is_explained() -> None:
    with pytest.raises(ValueError) as caught:
        check_connection("no-such-block")
    message = str(caught.value)
    assert "No commercetools Credentials block named 'no-such-block' is saved" in message
    assert ".save('no-such-block')" in message  # and how to save one


def test_a_block_saved_with_bad_values_fails_with_our_message_first(sandbox) -> None:
    # The UI's block form saves what its JSON schema allows, without the block's validators.
    name = f"ui-typo-{uuid.uuid4().hex[:8]}"
    CommercetoolsCredentials.model_construct(
        api_url=sandbox.api_url.rsplit("/", 1)[0],
        client_id=sandbox.client_id,
        client_secret=SecretStr("s3cret-typed-in-the-ui"),
        scope=sandbox.scope,
    ).save(name)
    with pytest.raises(ValueError) as caught:
        check_connection(name)
    message = str(caught.value)
    assert message.startswith(f"credentials block {name!r} cannot be used: API URL "), message
    assert "has no project key" in message and f"Blocks > {name} > Edit" in message
    assert "s3cret" not in message and "validate=False" not in message


def test_wrong_client_secret(sandbox) -> None:
    message = failure_of(credentials_for(sandbox, client_secret="not-the-secret"))
    assert message.startswith("Wrong client credentials")
    assert "Client Secret" in message
    assert "not-the-secret" not in message


def test_wrong_auth_url(sandbox) -> None:
    message = failure_of(credentials_for(sandbox, auth_url=f"{sandbox.url}/not-auth"))
    assert message.startswith("Wrong auth URL")
    assert "check Auth URL" in message


def test_unknown_project(sandbox) -> None:
    message = failure_of(
        credentials_for(
            sandbox,
            api_url=f"{sandbox.url}/no-such-project",
            scope="manage_project:no-such-project",
        )
    )
    assert message.startswith("Unknown project")
    assert "no-such-project" in message


def test_missing_scope(sandbox) -> None:
    sandbox.inject(
        403,
        path=f"/{sandbox.project_key}",
        body={
            "statusCode": 403,
            "message": "Insufficient scope. One of the following scopes is missing: "
            f"view_project_settings:{sandbox.project_key}",
            "errors": [{"code": "insufficient_scope", "message": "Insufficient scope."}],
        },
    )
    message = failure_of(credentials_for(sandbox))
    assert message.startswith("Missing scope")
    assert f"view_project_settings:{sandbox.project_key}" in message


def test_unreachable_host() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    message = failure_of(
        CommercetoolsCredentials(
            api_url=f"http://127.0.0.1:{port}/sandbox",
            client_id="c",
            client_secret="s",
            scope="manage_project:sandbox",
        )
    )
    assert message.startswith("Unreachable host")
    assert f"127.0.0.1:{port}" in message
