"""Connection settings: URL and scope rules, each refusal naming the field and the fix."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ctsync.client.config import (
    ConnectionSettings,
    ThrottleSettings,
    derive_auth_url,
    split_api_url,
)

from .conftest import SECRET

GOOD = {
    "api_url": "https://api.us-central1.gcp.commercetools.com/mystore",
    "client_id": "cid",
    "client_secret": SECRET,
    "scope": "manage_project:mystore",
}


def settings(**changes: object) -> ConnectionSettings:
    return ConnectionSettings(**{**GOOD, **changes})


def refusal(**changes: object) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**changes)
    text = str(caught.value)
    assert SECRET not in text
    return text


def test_project_key_and_derived_auth_url() -> None:
    s = settings()
    assert s.project_key == "mystore"
    assert s.token_url == "https://auth.us-central1.gcp.commercetools.com/oauth/token"
    assert settings(api_url=GOOD["api_url"] + "/").api_url == GOOD["api_url"]


def test_explicit_auth_url_wins() -> None:
    s = settings(auth_url="https://auth.example.com/")
    assert s.token_url == "https://auth.example.com/oauth/token"


def test_local_sandbox_uses_its_own_host_for_auth() -> None:
    assert derive_auth_url("http://127.0.0.1:8089/sandbox") == "http://127.0.0.1:8089"
    assert split_api_url("http://localhost:8089/sandbox") == ("http://localhost:8089", "sandbox")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"api_url": "https://api.us-central1.gcp.commercetools.com"}, "has no project key"),
        (
            {"api_url": "https://api.us-central1.gcp.commercetools.com/a/b"},
            "more than a project key",
        ),
        ({"api_url": "http://api.us-central1.gcp.commercetools.com/mystore"}, "use https://"),
        ({"api_url": "not a url"}, "is not a URL"),
        ({"api_url": "https://api.x.com/My Store"}, "not a project key"),
        (
            {"scope": "manage_project:otherstore"},
            "is for project 'otherstore' but API URL is for project 'mystore'",
        ),
        ({"scope": "view_orders:mystore manage_customers:other"}, "manage_customers:mystore"),
        ({"scope": ""}, "Scope is empty"),
        ({"scope": "manage_project"}, "names no project"),
        ({"client_secret": "  "}, "Client Secret is empty"),
        ({"client_id": ""}, "Client ID is empty"),
        ({"api_url": "https://commercetools.example.com/mystore"}, "set Auth URL"),
        ({"auth_url": "ftp://auth.example.com"}, "Auth URL 'ftp://auth.example.com' is not a URL"),
    ],
)
def test_refusals_name_the_field_and_the_fix(changes: dict[str, object], expected: str) -> None:
    assert expected in refusal(**changes)


def test_store_scoped_scopes_are_accepted() -> None:
    assert settings(scope="manage_orders:mystore:eu-store view_products:mystore").scopes == [
        "manage_orders:mystore:eu-store",
        "view_products:mystore",
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("limit", 0, "API Throttle Limit is 0"),
        ("limit", -5, "API Throttle Limit is -5"),
        ("seconds", 0, "API Throttle Seconds is 0"),
        ("seconds", -1.5, "API Throttle Seconds is -1.5"),
        ("concurrency", 0, "Concurrent Connections is 0"),
    ],
)
def test_throttle_refuses_non_positive_values(field: str, value: float, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        ThrottleSettings(**{field: value})


def test_secret_never_in_repr_or_fingerprint() -> None:
    s = settings(api_key="the-api-key")
    assert SECRET not in repr(s) and "the-api-key" not in repr(s)
    assert SECRET not in repr(s.fingerprint())
