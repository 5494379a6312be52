"""The pull engine: commercetools pages into the hub, each page committed with its checkpoint.

`plan` decides a run before its first page, `keyset` reads pages in keyset order (also for the
tasks' `query_all`), `pages` moves each page into the hub, `finish` closes a complete run.
Nothing here knows Prefect: the flows call these functions inside tasks and turn the counts into
reports.
"""

from ctsync.pull.finish import describe_watermark, finish_pull
from ctsync.pull.keyset import read_all, read_delta, read_full
from ctsync.pull.pages import (
    PullInterrupted,
    PullRun,
    pull,
    pull_delta,
    pull_range,
    pull_singleton,
)
from ctsync.pull.plan import PullPlan, expected_mode, plan_pull, server_now

__all__ = [
    "PullInterrupted",
    "PullPlan",
    "PullRun",
    "describe_watermark",
    "expected_mode",
    "finish_pull",
    "plan_pull",
    "pull",
    "pull_delta",
    "pull_range",
    "pull_singleton",
    "read_all",
    "read_delta",
    "read_full",
    "server_now",
]
