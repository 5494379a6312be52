"""Sandbox behaviour that needs its own server: bulk loads, other projects, token expiry, CLI."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import SANDBOX_DIR, Sandbox, SandboxError
from sandbox import seed as seedgen
from tests.processes import serving

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def empty_sandbox() -> Iterator[Sandbox]:
    """No seed; the client may also get tokens for a second project, `other`."""
    with Sandbox(seed=None, scopes="manage_project:sandbox manage_project:other") as sb:
        yield sb


def keyset_ids(api: httpx.Client, path: str = "/customers") -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 500, "sort": "id asc", "withTotal": "false"}
    while True:
        page = api.get(path, params=params).json()
        ids.extend(r["id"] for r in page["results"])
        if page["count"] < 500:
            return ids
        params.update({"where": "id > :last", "var.last": ids[-1]})


def test_load_12000_customers_in_process(empty_sandbox: Sandbox) -> None:
    customers = seedgen.customers_only(12_000)
    started = time.perf_counter()
    result = empty_sandbox.load({"customer": customers})
    elapsed = time.perf_counter() - started
    assert result["loaded"] == {"customer": 12_000}
    assert elapsed < 5  # HTTP body included; the server-side part is reported in ms
    assert result["ms"] < 2000
    with empty_sandbox.client(timeout=30) as api:
        assert api.get("/customers", params={"limit": 0}).json()["total"] == 12_000
        ids = keyset_ids(api)
        assert len(ids) == len(set(ids)) == 12_000
        assert ids == sorted(c["id"] for c in customers)
        one = api.get(f"/customers/key={customers[1234]['key']}").json()
        assert one["id"] == customers[1234]["id"]
        assert one["version"] == customers[1234]["version"]
        # the mock's email-uniqueness check sees loaded customers too
        dup = api.post("/customers", json={"email": customers[5]["email"].upper()})
        assert dup.status_code == 400
        # commercetools: a predicate caps `total` at the maximum offset; no predicate, exact.
        everyone = {"limit": 1, "where": "version >= 1"}
        assert api.get("/customers", params=everyone).json()["total"] == 10_000
        few = {"limit": 1, "where": f'id <= "{ids[41]}"'}
        assert api.get("/customers", params=few).json()["total"] == 42
        assert api.get("/customers", params={"limit": 1}).json()["total"] == 12_000

        # a load is an upsert by id: no duplicates, new versions visible to queries
        changed = [dict(c, version=c["version"] + 1) for c in customers[:10]]
        assert empty_sandbox.load({"customer": changed})["loaded"] == {"customer": 10}
        assert api.get("/customers", params={"limit": 0}).json()["total"] == 12_000
        page = api.get(
            "/customers", params={"where": f'id = "{changed[0]["id"]}"', "sort": "id asc"}
        ).json()
        assert page["results"][0]["version"] == changed[0]["version"]


def test_reset_and_reload(empty_sandbox: Sandbox) -> None:
    empty_sandbox.load({"customer": seedgen.customers_only(50, start=1)})
    assert empty_sandbox.reset() == {"reset": True, "loaded": {}}
    with empty_sandbox.client() as api:
        assert api.get("/customers", params={"limit": 0}).json()["total"] == 0
        result = empty_sandbox.reset({"customer": seedgen.customers_only(3)})
        assert result["loaded"] == {"customer": 3}
        assert api.get("/customers", params={"limit": 0}).json()["total"] == 3


def test_load_rejects_unknown_types(empty_sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="unserved resource type id 'order-edit'"):
        empty_sandbox.load({"order-edit": [{}]})
    with pytest.raises(SandboxError, match="must be a list"):
        empty_sandbox.load({"customer": {"id": "x"}})


def test_load_project_overrides(empty_sandbox: Sandbox) -> None:
    empty_sandbox.load({"project": {"name": "Renamed", "countries": ["AT"]}})
    with empty_sandbox.client() as api:
        project = api.get(empty_sandbox.api_url).json()
    assert (project["name"], project["countries"]) == ("Renamed", ["AT"])
    assert project["currencies"] == ["EUR", "USD", "GBP"]


def test_token_of_another_project_gets_403(empty_sandbox: Sandbox) -> None:
    other = empty_sandbox.token(scope="manage_project:other")
    headers = {"Authorization": f"Bearer {other}"}
    resp = httpx.get(f"{empty_sandbox.api_url}/customers", headers=headers)
    assert resp.status_code == 403
    message = "Insufficient scope. One of the following scopes is missing: manage_project:sandbox"
    assert resp.json() == {
        "statusCode": 403,
        "message": message,
        "errors": [{"code": "insufficient_scope", "message": message}],
    }
    own = httpx.get(f"{empty_sandbox.url}/other/customers", headers=headers)
    assert own.status_code == 200
    assert own.json()["total"] == 0


def test_tokens_expire_after_ttl() -> None:
    with Sandbox(seed=None, token_ttl=1) as sb:
        resp = httpx.post(
            sb.token_url,
            data={"grant_type": "client_credentials"},
            auth=(sb.client_id, sb.client_secret),
        )
        assert resp.json()["expires_in"] == 1
        headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        assert httpx.get(f"{sb.api_url}/customers", headers=headers).status_code == 200
        time.sleep(1.1)
        expired = httpx.get(f"{sb.api_url}/customers", headers=headers)
        assert expired.status_code == 401
        assert expired.json()["errors"][0]["code"] == "invalid_token"


def test_bad_seed_file_fails_with_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "seed.json"
    bad.write_text(json.dumps({"no-such-type": []}))
    with pytest.raises(SandboxError, match="no-such-type"):
        Sandbox(seed=bad).start()
    with pytest.raises(SandboxError, match="seed file not found"):
        Sandbox(seed=tmp_path / "missing.json").start()


def test_stop_leaves_no_process() -> None:
    sb = Sandbox(seed=None).start()
    proc = sb._proc
    assert proc is not None and proc.poll() is None
    sb.stop()
    assert proc.poll() is not None
    assert not sb.running
    sb.stop()  # idempotent


def test_python_m_sandbox_runs_until_interrupted() -> None:
    env = dict(os.environ, PYTHONPATH=str(SANDBOX_DIR.parent))
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--no-seed"]
    with serving(command, env) as (proc, lines):
        text = "".join(lines)
        assert "Client ID      sandbox-client" in text
        assert "manage_project:sandbox" in text
        api_url = next(ln.split()[-1] for ln in lines if ln.strip().startswith("API URL"))
        assert httpx.get(f"{api_url}/customers").status_code == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_fast_path_answers_like_the_mock_handler(sandbox: Sandbox) -> None:
    """Collection GETs served from cached JSON equal the mock's handler over the same storage."""
    queries: list[tuple[str, dict[str, Any]]] = [
        ("/customers", {"limit": 50, "sort": ["lastModifiedAt desc", "id asc"]}),
        ("/customers", {"where": "customerGroup is defined", "limit": 7, "offset": 3}),
        ("/customers", {"where": "id > :x", "var.x": "8", "sort": "id asc", "withTotal": "false"}),
        ("/products", {"limit": 20, "sort": "key desc"}),
        ("/orders", {"where": 'orderState = "Complete"', "sort": "createdAt", "limit": 30}),
        ("/inventory", {"limit": 100, "sort": ["sku asc", "id asc"]}),
        ("/channels", {}),
        ("/customers", {"where": "nonsense ==="}),
    ]
    with Sandbox(env={"SANDBOX_QUERY_MODE": "storage"}) as slow:
        with sandbox.client() as fast_api, slow.client() as slow_api:
            for path, params in queries:
                fast = fast_api.get(path, params=params)
                reference = slow_api.get(path, params=params)
                assert fast.status_code == reference.status_code, (path, params)
                assert fast.json() == reference.json(), (path, params)


def test_lookups_by_value_answer_like_the_mock_predicates(sandbox: Sandbox) -> None:
    """`key in (…)`, `email = …` and the like are narrowed by value before the predicate (the
    push's lookups): every shape, combined or not, must find exactly what the mock's own
    predicates find, in the requested order (the mock pages before it sorts, so its order is
    not the reference)."""
    with sandbox.client() as api:
        customers = api.get("/customers", params={"limit": 40, "sort": "id asc"}).json()["results"]
    keys = [c["key"] for c in customers if c.get("key")][:12]
    listed = ", ".join(f'"{k}"' for k in keys)
    queries: list[tuple[dict[str, Any], str]] = [
        ({"where": f"key in ({listed})", "sort": "id asc"}, "id"),
        ({"where": [f"key in ({listed})", f'id > "{customers[5]["id"]}"'], "sort": "id asc"}, "id"),
        ({"where": f"key in ({listed}) and email is defined", "sort": "key desc"}, "-key"),
        ({"where": f'key = "{keys[3]}"'}, ""),
        ({"where": f'key in ({listed}) or email = "{customers[30]["email"]}"'}, ""),
        ({"where": f'key in ("{keys[0]}", "no-such-key")', "withTotal": "true"}, ""),
        ({"where": 'key in ("a" "b")'}, ""),
        ({"where": f'email in ("{customers[7]["email"]}", "{customers[8]["email"]}")'}, ""),
        ({"where": f'email = "{customers[9]["email"].upper()}"'}, ""),
        ({"where": f'id in ("{customers[1]["id"]}")', "sort": "id asc"}, "id"),
        ({"where": f'firstName = "{customers[2].get("firstName", "")}"'}, ""),
    ]
    with Sandbox(env={"SANDBOX_QUERY_MODE": "mock"}) as reference_sandbox:
        with sandbox.client() as fast_api, reference_sandbox.client() as mock_api:
            for params, order in queries:
                params = {**params, "limit": 500}
                fast = fast_api.get("/customers", params=params)
                reference = mock_api.get("/customers", params=params)
                assert fast.status_code == reference.status_code, params
                if fast.status_code != 200:
                    continue
                got, want = fast.json(), reference.json()
                assert (got["count"], got.get("total")) == (want["count"], want.get("total"))
                by_id = sorted(got["results"], key=lambda r: r["id"])
                assert by_id == sorted(want["results"], key=lambda r: r["id"]), params
                if order:
                    field = order.lstrip("-")
                    values = [r[field] for r in got["results"]]
                    assert values == sorted(values, reverse=order.startswith("-")), params
