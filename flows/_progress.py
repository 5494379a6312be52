"""How far a pull's pages have come, while they come: log lines, and a progress bar for a full
read (the only kind that knows its total)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from concurrent.futures import wait as wait_all
from typing import Any

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from ctsync.run.counts import PullCounts
from ctsync.run.report import plural
from flows._outcome import in_background

UPDATE_EVERY_SECONDS = 0.5
LOG_EVERY_SECONDS = 10.0


class Progress:
    """Progress of one run, told from partition threads: the artifact at most twice a second,
    a log line at most every ten seconds.

    Every artifact call is a round trip to the Prefect API, so none of them is made on a
    partition's event loop or waited for while pages flow: the artifact is created and updated
    in the background, one call at a time (an update still in flight makes the next one skip,
    so they never arrive out of order), and `finish` waits for them before setting 100 %.
    The artifact has no key: a bar that reads 100 % once the run is over belongs to the run's
    Artifacts tab, not to the catalog of keyed artifacts.
    """

    def __init__(
        self,
        project_key: str,
        entity: str,
        total: int | None,
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> None:
        self.entity = entity
        self.total = total
        self.done = 0
        self.logger = logger
        self._lock = threading.Lock()
        self._last_update = 0.0
        self._last_log = time.monotonic()
        self._artifact_id: Future[Any] | None = None
        self._pending: Future[Any] | None = None
        if total is not None:
            self._artifact_id = self._pending = in_background(
                create_progress_artifact,
                progress=0.0,
                description=f"Pulling {plural(total, 'record')} of {entity} from {project_key}",
            )

    def __call__(self, counts: PullCounts) -> None:
        with self._lock:
            self.done += counts.fetched
            now = time.monotonic()
            if now - self._last_log >= LOG_EVERY_SECONDS:
                self._last_log = now
                self.logger.info("%s: %s", self.entity, self.describe())
            if self._artifact_id is None or self._pending is None:
                return
            if now - self._last_update < UPDATE_EVERY_SECONDS or not self._pending.done():
                return
            if self._artifact_id.exception() is not None:
                return  # reported by finish
            self._last_update = now
            self._pending = in_background(
                update_progress_artifact,
                artifact_id=self._artifact_id.result(),
                progress=self.percent(),
                _sync=True,
            )

    def describe(self) -> str:
        """`4000 of 20000 records (20 %)`, or for a delta `1500 changes read so far`."""
        if self.total is None:
            return f"{plural(self.done, 'change')} read so far"
        return f"{self.done} of {plural(self.total, 'record')} ({self.percent():.0f} %)"

    def percent(self) -> float:
        if not self.total:
            return 0.0
        return min(99.0, 100.0 * self.done / self.total)

    def finish(self) -> Future[Any] | None:
        """Set the bar to 100 % once the update in flight is done; wait on the returned future
        (None when the run has no bar)."""
        if self._artifact_id is None:
            return None
        with self._lock:
            pending = self._pending
        assert pending is not None
        wait_all([pending])
        if pending is not self._artifact_id and pending.exception() is not None:
            self.logger.warning(
                "A progress update was refused by the Prefect API: %s", pending.exception()
            )
        return in_background(
            update_progress_artifact,
            artifact_id=self._artifact_id.result(),
            progress=100.0,
            _sync=True,
        )
