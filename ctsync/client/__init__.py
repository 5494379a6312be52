"""Talking to commercetools: `config` (connection, throttling and retry settings), `auth` (the
OAuth token), `throttle` and `cluster_throttle` (the request budget in one process and across
workers), `transport` (the throttle under every attempt), `retries` (which failures are tried
again), `errors` (what a failure means), `call` (one request's answer and errors), `pages` (a
query's page), `graphql` (a GraphQL call), `http` (the client), `resources` (one resource by id
or key, a read by predicate), `identity` (what finds a created resource again) and `lost_answers`
(what a write whose answer was lost did)."""

from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import QueryPage

__all__ = ["CommercetoolsClient", "QueryPage"]
