"""Talking to commercetools: `config` (connection, throttling and retry settings), `auth` (the
OAuth token), `throttle` and `cluster_throttle` (the request budget in one process and across
workers), `retries` (which failures are tried again), `errors` (what a failure means), `http`
(the client), `resources` (one resource by id or key, a read by predicate) and `lost_answers`
(what a write whose answer was lost did)."""

from ctsync.client.http import CommercetoolsClient, QueryPage

__all__ = ["CommercetoolsClient", "QueryPage"]
