"""The credentials block: iPaaS field names, validation, no secret in reprs, shared client state."""

from __future__ import annotations

import re

import pytest

from blocks import CommercetoolsCredentials
from ctsync.client.http import CommercetoolsClient

from .conftest import SECRET

FIELDS = {
    "api_url": "https://api.europe-west1.gcp.commercetools.com/mystore",
    "client_id": "cid",
    "client_secret": SECRET,
    "scope": "manage_project:mystore",
}


def test_ui_titles_use_the_ipaas_vocabulary() -> None:
    titles = {name: field.title for name, field in CommercetoolsCredentials.model_fields.items()}
    assert titles["api_url"] == "API URL"
    assert titles["client_id"] == "Client ID"
    assert titles["client_secret"] == "Client Secret"
    assert titles["scope"] == "Scope"
    assert titles["api_key"] == "API Key"
    assert titles["version"] == "Version"
    assert titles["api_throttle_limit"] == "API Throttle Limit"
    assert titles["api_throttle_seconds"] == "API Throttle Seconds"
    assert titles["concurrent_connections"] == "Concurrent Connections"
    schema = CommercetoolsCredentials.model_json_schema()
    assert schema["properties"]["client_secret"]["format"] == "password"
    # Throttling is required in spirit but pre-populated, as in iPaaS.
    block = CommercetoolsCredentials(**FIELDS)
    assert (block.api_throttle_limit, block.api_throttle_seconds, block.concurrent_connections) == (
        100,
        1.0,
        10,
    )
    assert block.version == "v1.0"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"api_url": "https://api.europe-west1.gcp.commercetools.com/"}, "API URL"),
        ({"api_url": "http://api.europe-west1.gcp.commercetools.com/mystore"}, "https"),
        ({"scope": "manage_project:other"}, "Scope 'manage_project:other' is for project 'other'"),
        ({"api_throttle_limit": 0}, "API Throttle Limit is 0"),
        ({"api_throttle_seconds": 0}, "API Throttle Seconds is 0"),
        ({"concurrent_connections": -1}, "Concurrent Connections is -1"),
        ({"client_secret": ""}, "Client Secret is empty"),
    ],
)
def test_invalid_blocks_are_refused_with_the_field_and_fix(changes, expected) -> None:
    with pytest.raises(ValueError) as caught:
        CommercetoolsCredentials(**{**FIELDS, **changes})
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value)


def test_secret_never_appears_in_repr_str_or_dump() -> None:
    block = CommercetoolsCredentials(**FIELDS, api_key="api-key-value")
    for text in (repr(block), str(block), str(block.model_dump()), block.model_dump_json()):
        assert SECRET not in text
        assert "api-key-value" not in text


def test_get_client_shares_token_and_throttle_between_clients() -> None:
    block = CommercetoolsCredentials(**FIELDS)
    first, second = block.get_client(), block.get_client("run-1")
    assert isinstance(first, CommercetoolsClient)
    assert first.token_provider is second.token_provider
    assert first.throttle is second.throttle
    assert second.correlation_id_prefix == "run-1"
    other = CommercetoolsCredentials(**{**FIELDS, "client_id": "another"}).get_client()
    assert other.token_provider is not first.token_provider


@pytest.mark.parametrize(
    "api_url",
    [
        "https://api.europe-west1.gcp.commercetools.com/mystore",
        "https://api.us-central1.gcp.commercetools.com/my_store-2/",
        "http://127.0.0.1:8989/sandbox",
        "https://api.europe-west1.gcp.commercetools.com",
        "https://api.europe-west1.gcp.commercetools.com/",
        "https://api.europe-west1.gcp.commercetools.com/mystore/customers",
        "https://api.europe-west1.gcp.commercetools.com/MyStore",
        "api.europe-west1.gcp.commercetools.com/mystore",
    ],
)
def test_the_ui_forms_api_url_pattern_agrees_with_the_block(api_url: str) -> None:
    """The UI refuses at save exactly the API URLs the block refuses for their shape."""
    schema = CommercetoolsCredentials.model_json_schema()["properties"]["api_url"]
    shown_valid = re.match(schema["pattern"], api_url) is not None
    key = api_url.rstrip("/").rsplit("/", 1)[-1]
    try:
        CommercetoolsCredentials(
            api_url=api_url, client_id="id", client_secret="s", scope=f"manage_project:{key}"
        )
        valid = True
    except ValueError as error:
        assert "Value error, API URL" in str(error), error
        valid = False
    assert shown_valid == valid


def test_the_block_form_shows_optional_fields_plainly_and_secrets_masked() -> None:
    """No `x | None` toggles in the UI's form; an emptied optional field means not set."""
    properties = CommercetoolsCredentials.model_json_schema()["properties"]
    assert not [name for name, field in properties.items() if "anyOf" in field]
    for secret in ("client_secret", "api_key"):
        assert properties[secret]["format"] == "password" and properties[secret]["writeOnly"]
    assert list(properties)[:4] == ["api_url", "client_id", "client_secret", "scope"]
    assert list(properties)[-1] == "version"
    emptied = CommercetoolsCredentials(**FIELDS, api_key="", auth_url=" ")
    assert emptied.api_key is None and emptied.auth_url is None
