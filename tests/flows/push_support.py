"""Helpers of the push tests: a private sandbox, credentials, files and reads of what it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blocks import CommercetoolsCredentials, HubDatabase
from sandbox import Sandbox

GROUP_VIP = {"id": "9a0c0c1e-0000-4000-8000-000000000001", "key": "vip", "name": "VIP"}
CHANNEL_EU = {
    "id": "9a0c0c1e-0000-4000-8000-000000000002",
    "key": "warehouse-eu",
    "roles": ["InventorySupply"],
    "name": {"en": "Warehouse Europe"},
}


def credentials_for(sandbox: Sandbox) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
    )


def hub_in(path: Path) -> HubDatabase:
    return HubDatabase(url=f"sqlite:///{path}/hub.db")


def write_jsonl(path: Path, drafts: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in drafts), encoding="utf-8")
    return path


def all_of(sandbox: Sandbox, endpoint: str) -> list[dict[str, Any]]:
    with sandbox.client() as http:
        response = http.get(f"{sandbox.api_url}/{endpoint}", params={"limit": 500})
        response.raise_for_status()
        results: list[dict[str, Any]] = response.json()["results"]
        return results


def by_key(sandbox: Sandbox, endpoint: str) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in all_of(sandbox, endpoint) if r.get("key")}


def update(sandbox: Sandbox, endpoint: str, resource: dict[str, Any], *actions: Any) -> None:
    """A change another system makes, straight through the API."""
    with sandbox.client() as http:
        http.post(
            f"{sandbox.api_url}/{endpoint}/{resource['id']}",
            json={"version": resource["version"], "actions": list(actions)},
        ).raise_for_status()
