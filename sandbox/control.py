"""The control API of a running sandbox (`/_sandbox/...`): fault rules, token revocation,
request stats, and loading or resetting its data. No auth, never faulted, not counted in stats."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sandbox.errors import SandboxError


class ControlApi:
    """The control calls of `Sandbox`, over the client that its `start` opens on `/_sandbox`."""

    _control: httpx.Client | None

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._control is None:
            raise SandboxError("sandbox is not running")
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["content"] = json.dumps(body)
            kwargs["headers"] = {"content-type": "application/json"}
        resp = self._control.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox{path} -> {resp.status_code}: {resp.text}")
        return resp.json()

    def inject(
        self,
        status: int | None = None,
        *,
        count: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | None = None,
        latency_ms: int | None = None,
        drop: bool = False,
        body: dict[str, Any] | None = None,
        after: bool = False,
        every: int = 1,
    ) -> dict[str, Any]:
        """Add a fault rule (first matching rule wins); count=None means until cleared.

        `after=True` loses the answer of a request that was handled and committed: the
        connection is dropped (`drop`) or `status` comes instead of the answer, after
        `latency_ms` (past the client's timeout: no answer in time). `every=n` faults every n-th
        request the rule matches."""
        rule: dict[str, Any] = {"count": count}
        if after:
            rule["after"] = True
        if every != 1:
            rule["every"] = every
        if status is not None:
            rule["status"] = status
        if path is not None:
            rule["path"] = path
        if method is not None:
            rule["method"] = method
        if retry_after is not None:
            rule["retryAfter"] = retry_after
        if latency_ms is not None:
            rule["latencyMs"] = latency_ms
        if drop:
            rule["drop"] = True
        if body is not None:
            rule["body"] = body
        result: dict[str, Any] = self._call("POST", "/faults", rule)
        return result

    def inject_delivery(
        self, *, duplicate: float = 0, reorder: float = 0, delay_ms: float = 0
    ) -> dict[str, Any]:
        """Faults of change-notification delivery, until cleared: the share (0..1) of
        notifications sent twice, the share held back and sent after the next one, and a delay
        before each is sent. `clear_faults()` clears them too."""
        body = {"duplicate": duplicate, "reorder": reorder, "delayMs": delay_ms}
        result: dict[str, Any] = self._call("POST", "/deliveries/faults", body)["faults"]
        return result

    def clear_delivery_faults(self) -> None:
        self._call("DELETE", "/deliveries/faults")

    def deliveries(self) -> dict[str, Any]:
        """Notification delivery: `faults` (the settings) and the counters since the last stats
        reset: sent, failed, duplicated, reordered, delayed, tested (test notifications of
        `changeDestination`), and pending (not yet sent)."""
        result: dict[str, Any] = self._call("GET", "/deliveries")
        return result

    def faults(self) -> list[dict[str, Any]]:
        """The rules with their remaining/served counters."""
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def clear_faults(self) -> None:
        """Remove every fault rule and the delivery faults."""
        self._call("DELETE", "/faults")

    def revoke_tokens(self) -> None:
        """Every token issued so far answers 401 invalid_token from now on."""
        self._call("POST", "/revoke-tokens")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/stats")
        return result

    def arrivals(self) -> list[float]:
        """When each API request (token requests aside) arrived since the last stats reset, in
        seconds since the epoch: what a rate limit at commercetools would count."""
        result: list[float] = self._call("GET", "/arrivals")["arrivals"]
        return [ms / 1000 for ms in result]

    def reset_stats(self) -> None:
        self._call("POST", "/stats/reset")

    def info(self) -> dict[str, Any]:
        """Project key, client id, scopes, token TTL and resource counts per type id."""
        result: dict[str, Any] = self._call("GET", "/info")
        return result

    def load(self, resources: dict[str, Any]) -> dict[str, Any]:
        """Add resources in-process (seed-file shape); returns {"loaded": {...}, "ms": ...}."""
        result: dict[str, Any] = self._call("POST", "/load", resources)
        return result

    def reset(self, resources: dict[str, Any] | None = None) -> dict[str, Any]:
        """Empty the storage, then optionally load `resources`."""
        result: dict[str, Any] = self._call("POST", "/reset", resources or {})
        return result
