"""The engine of prefect-commercetools: talks to commercetools and to the hub, knows no Prefect."""

from ctsync.client.auth import AccessToken, TokenProvider
from ctsync.client.config import ConnectionSettings, RetrySettings, ThrottleSettings
from ctsync.client.errors import (
    AuthenticationError,
    CommercetoolsError,
    ConcurrentModification,
    ConnectionFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import QueryPage
from ctsync.client.retries import RequestStats
from ctsync.client.throttle import Throttle
from ctsync.hub import (
    UNSET,
    DeadLetter,
    HubRecord,
    HubStore,
    HubUnavailable,
    RejectedRecord,
    StoredRecord,
    SyncState,
    UpsertCounts,
    Watermark,
)
from ctsync.run.options import PullOptions, PushOptions
from ctsync.run.push_report import PushReport
from ctsync.run.report import RunFailed
from ctsync.run.sync_report import SyncReport

__all__ = [
    "UNSET",
    "AccessToken",
    "AuthenticationError",
    "CommercetoolsClient",
    "CommercetoolsError",
    "ConcurrentModification",
    "ConnectionFailed",
    "ConnectionSettings",
    "DeadLetter",
    "HubRecord",
    "HubStore",
    "HubUnavailable",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "PullOptions",
    "PushOptions",
    "PushReport",
    "QueryPage",
    "RejectedRecord",
    "RequestStats",
    "RetrySettings",
    "RunFailed",
    "ServiceUnavailable",
    "StoredRecord",
    "SyncReport",
    "SyncState",
    "Throttle",
    "ThrottleSettings",
    "TokenProvider",
    "UpsertCounts",
    "Watermark",
]
