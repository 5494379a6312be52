"""The engine of prefect-commercetools: talks to commercetools and to the hub, knows no Prefect."""

from ctsync.auth import AccessToken, TokenProvider
from ctsync.client import CommercetoolsClient, QueryPage
from ctsync.config import ConnectionSettings, RetrySettings, ThrottleSettings
from ctsync.errors import (
    AuthenticationError,
    CommercetoolsError,
    ConcurrentModification,
    ConnectionFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
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
from ctsync.options import PullOptions, PushOptions
from ctsync.report import PushReport, RunFailed, SyncReport
from ctsync.retries import RequestStats
from ctsync.throttle import Throttle

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
