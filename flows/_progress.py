"""The progress artifact of a pull: how far its pages have come, while they come."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from concurrent.futures import wait as wait_all
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from ctsync.counts import PullCounts
from flows._naming import artifact_key
from flows._outcome import in_background

UPDATE_EVERY_SECONDS = 0.5


class Progress:
    """The progress artifact of one run, updated from partition threads at most twice a second.

    Every artifact call is a round trip to the Prefect API, so none of them is made on a
    partition's event loop or waited for while pages flow: the artifact is created and updated
    in the background, one call at a time (an update still in flight makes the next one skip,
    so they never arrive out of order), and `finish` waits for them before setting 100 %.
    """

    def __init__(self, project_key: str, entity: str, total: int | None) -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self._last_update = 0.0
        what = f"{total} records" if total is not None else "changes since the watermark"
        self._pending: Future[Any] = in_background(
            create_progress_artifact,
            progress=0.0,
            key=artifact_key(project_key, f"{entity}-progress"),
            description=f"Pulling {entity} of {project_key}: {what}",
        )
        self._artifact_id: Future[Any] = self._pending

    def __call__(self, counts: PullCounts) -> None:
        with self._lock:
            self.done += counts.fetched
            now = time.monotonic()
            if now - self._last_update < UPDATE_EVERY_SECONDS or not self._pending.done():
                return
            if self._artifact_id.exception() is not None:
                return  # reported by finish
            self._last_update = now
            self._pending = in_background(
                update_progress_artifact,
                artifact_id=self._artifact_id.result(),
                progress=self._percent(),
                _sync=True,
            )

    def _percent(self) -> float:
        if not self.total:
            return 0.0
        return min(99.0, 100.0 * self.done / self.total)

    def finish(self) -> Future[Any]:
        """Set 100 % once the update in flight is done; wait on the returned future."""
        with self._lock:
            pending = self._pending
        wait_all([pending])
        if pending is not self._artifact_id and pending.exception() is not None:
            get_run_logger().warning(
                "A progress update was refused by the Prefect API: %s", pending.exception()
            )
        return in_background(
            update_progress_artifact,
            artifact_id=self._artifact_id.result(),
            progress=100.0,
            _sync=True,
        )
