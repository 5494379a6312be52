"""Local commercetools stand-in: starts `node sandbox/server.mjs` and drives its control API.

The server is `@labdigital/commercetools-mock` (pinned in package-lock.json) behind our adapter,
which adds what the real API does and the mock lacks (client-credential checks, scopes, sort
before paging, limit/offset caps, withTotal=false, fast queries) plus fault injection and request
stats for reliability tests. Stdlib + httpx only, so tests and the demo need nothing else.

    with Sandbox() as sb:
        sb.api_url, sb.auth_url, sb.client_id, sb.client_secret, sb.scope

Rooms: `node` (which Node.js, `npm ci`), `process` (the server process), `control` (its
control API), `seed` (the data sets it loads).
"""

from sandbox.errors import SandboxError
from sandbox.node import MIN_NODE_MAJOR, NodeTools, ensure_node_modules, node_tools
from sandbox.paths import DEFAULT_SEED, SANDBOX_DIR
from sandbox.process import Sandbox

__all__ = [
    "DEFAULT_SEED",
    "MIN_NODE_MAJOR",
    "SANDBOX_DIR",
    "NodeTools",
    "Sandbox",
    "SandboxError",
    "ensure_node_modules",
    "node_tools",
]
