"""The consumer of `bench.follow`, in its own process: the engine's loop (receive, apply,
acknowledge) from an SQS queue, or the Messages API poller, into a SQLite hub.

Run by bench/follow.py, never by hand. It appends one JSON line per batch to `--out` (flushed at
once, so a SIGKILL loses nothing written): the applier's lags and requests, its own CPU seconds,
and when each body was sent, received and applied, which is where a change's latency went.
The client secret comes from the environment (BENCH_CT_CLIENT_SECRET), never the command line.
`Consumer` is the bench's handle on that process: started, awaited, SIGTERMed or SIGKILLed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import SecretStr

from blocks import CommercetoolsCredentials
from ctsync.client.http import CommercetoolsClient
from ctsync.follow import (
    AppliedBatch,
    ChangeApplier,
    ChangeQueue,
    Delivery,
    FollowedBatch,
    LoopSettings,
    follow,
    follow_once,
)
from ctsync.follow.messages import MessagesSource
from ctsync.follow.sqs import SQS_MAX_PER_RECEIVE, SqsQueue
from ctsync.hub import HubStore
from sandbox import Sandbox

SECRET_ENV = "BENCH_CT_CLIENT_SECRET"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Timeline:
    """When the bodies of the batch under way were sent (SQS's SentTimestamp) and received."""

    sent: list[float] = field(default_factory=list)
    received: list[float] = field(default_factory=list)
    collected_at: float = 0.0
    acked_at: float = 0.0
    ack_started_at: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    """SQS requests by operation (ReceiveMessage, DeleteMessageBatch)."""


class TimedQueue:
    """A `ChangeQueue` that notes when each body was sent and received and when the batch was
    acknowledged: the consumer's side of a change's latency, without touching the engine."""

    def __init__(self, inner: SqsQueue) -> None:
        self.inner = inner
        self.name = inner.name
        self.timeline = Timeline()
        # boto3's event hooks count the requests SqsQueue makes (its client is private to it).
        events = inner._client.meta.events
        events.register("before-call.sqs.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        calls = self.timeline.calls
        calls[model.name] = calls.get(model.name, 0) + 1

    async def receive(self, max_bodies: int, wait_seconds: float) -> list[Delivery]:
        got = await self.inner.receive(max_bodies, wait_seconds)
        now = time.time()
        for delivery in got:
            self.timeline.sent.append(delivery.sent_at or now)
            self.timeline.received.append(now)
        if got:
            self.timeline.collected_at = now
        return got

    async def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        self.timeline.ack_started_at = time.time()
        await self.inner.acknowledge(deliveries)
        self.timeline.acked_at = time.time()

    async def close(self) -> None:
        await self.inner.close()

    def take(self) -> Timeline:
        """The finished batch's timeline; the next batch starts a new one."""
        done, self.timeline = self.timeline, Timeline()
        return done


class Journal:
    """The output file: one flushed JSON line per event."""

    def __init__(self, path: Path) -> None:
        self._file: IO[bytes] = path.open("ab", buffering=0)

    def write(self, event: str, **fields: Any) -> None:
        line = {"event": event, "pid": os.getpid(), "at": time.time(), "cpu": time.process_time()}
        self._file.write(orjson.dumps({**line, **fields}) + b"\n")


def applied_fields(applied: AppliedBatch) -> dict[str, Any]:
    """What a batch did, for the journal."""
    return {
        "changes": applied.changes,
        "requests": applied.requests,
        "lags": [round(lag, 4) for lag in applied.lags],
        "apply_s": round(applied.seconds, 4),
        "fetched": applied.total("fetched"),
        "deleted": applied.total("deleted"),
        "failed": applied.total("failed"),
        "ignored": sum(applied.ignored.values()),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["sqs", "messages"], required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--scope", required=True)
    parser.add_argument("--hub", required=True, help="sqlite:///path")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--queue-url", default="")
    parser.add_argument("--sqs-endpoint", default="")
    parser.add_argument("--visibility", type=int, default=60)
    parser.add_argument("--batch-seconds", type=float, default=LoopSettings.batch_seconds)
    parser.add_argument("--max-batch", type=int, default=LoopSettings.max_batch)
    parser.add_argument("--idle-wait", type=float, default=LoopSettings.idle_wait_seconds)
    parser.add_argument("--poll-seconds", type=float, default=2.0)
    parser.add_argument("--collect", choices=["engine", "drain"], default="engine")
    return parser.parse_args(argv)


def client_of(args: argparse.Namespace) -> CommercetoolsClient:
    credentials = CommercetoolsCredentials(
        api_url=args.api_url,
        client_id=args.client_id,
        client_secret=SecretStr(os.environ[SECRET_ENV]),
        scope=args.scope,
    )
    return credentials.get_client("bench-follow")


class Stop:
    """SIGTERM asks the loop to stop after the batch under way."""

    def __init__(self) -> None:
        self.asked = False
        signal.signal(signal.SIGTERM, self._ask)

    def _ask(self, *_: Any) -> None:
        self.asked = True

    def keep_going(self) -> bool:
        return not self.asked


async def collect_then_drain(
    queue: ChangeQueue, settings: LoopSettings
) -> tuple[list[Delivery], float]:
    """`--collect=drain`, a proposal for ctsync/follow/loop.py's `collect`: one long poll for a
    first body, then wait out the batch window without asking, then short polls until a round
    comes back short. The engine's `collect` polls all through the window, and rounds waits
    under 0.5 s down to short polls: about one ReceiveMessage per body at 50 bodies/s."""
    started = time.monotonic()
    deliveries = await queue.receive(settings.max_batch, settings.idle_wait_seconds)
    if not deliveries:
        return [], time.monotonic() - started
    await asyncio.sleep(max(0.0, started + settings.batch_seconds - time.monotonic()))
    while len(deliveries) < settings.max_batch:
        asked = settings.max_batch - len(deliveries)
        more = await queue.receive(asked, 0)
        deliveries += more
        if len(more) < min(asked, SQS_MAX_PER_RECEIVE):
            break
    return deliveries, time.monotonic() - started


async def follow_queue(args: argparse.Namespace, journal: Journal, stop: Stop) -> None:
    """The engine's loop on an SQS queue, each batch journaled with its timeline."""
    hub = HubStore.connect(args.hub)
    queue = TimedQueue(
        SqsQueue(
            args.queue_url,
            region="us-east-1",
            access_key_id="x",
            secret_access_key=SecretStr("y"),
            endpoint_url=args.sqs_endpoint,
            visibility_timeout=args.visibility,
        )
    )
    settings = LoopSettings(args.batch_seconds, args.max_batch, args.idle_wait)

    def on_batch(batch: FollowedBatch | None) -> None:
        if batch is None:
            return
        line = queue.take()
        journal.write(
            "batch",
            bodies=batch.bodies,
            unreadable=len(batch.unreadable),
            sent=[round(t, 3) for t in line.sent],
            received=[round(t, 3) for t in line.received],
            collected_at=line.collected_at,
            ack_started_at=line.ack_started_at,
            acked_at=line.acked_at,
            sqs_calls=line.calls,
            **applied_fields(batch.applied),
        )

    async with client_of(args) as client:
        applier = ChangeApplier(client, hub, client.settings.project_key)
        journal.write("ready")
        if args.collect == "engine":
            await follow(queue, applier, settings, keep_going=stop.keep_going, on_batch=on_batch)
        while args.collect == "drain" and stop.keep_going():
            on_batch(await follow_once(queue, applier, settings, collect_then_drain))
    await queue.close()
    hub.close()


async def poll_messages(args: argparse.Namespace, journal: Journal, stop: Stop) -> None:
    """The Messages API poller: a poll every `--poll-seconds` (start to start), applied, then
    the watermark committed."""
    hub = HubStore.connect(args.hub)
    async with client_of(args) as client:
        project_key = client.settings.project_key
        source = MessagesSource(client, hub, project_key)
        applier = ChangeApplier(client, hub, project_key)
        await source.start()
        journal.write("ready")
        while stop.keep_going():
            started = time.monotonic()
            polled_at = time.time()
            calls = client.stats.calls
            changes, watermark = await source.poll()
            poll_requests = client.stats.calls - calls
            applied = await applier.apply(changes)
            source.commit(watermark)
            journal.write(
                "batch", polled_at=polled_at, poll_requests=poll_requests, **applied_fields(applied)
            )
            await asyncio.sleep(max(0.0, args.poll_seconds - (time.monotonic() - started)))
    hub.close()


class Consumer:
    """The consumer process: started, awaited on its ready line, stopped or SIGKILLed."""

    def __init__(self, sb: Sandbox, workdir: Path, mode: str, extra: list[str]) -> None:
        self.journal = workdir / "journal.jsonl"
        self.hub_url = f"sqlite:///{workdir / 'hub.db'}"
        self.log = workdir / "consumer.log"
        self.command = [
            sys.executable,
            "-m",
            "bench.follow_consumer",
            f"--mode={mode}",
            f"--api-url={sb.api_url}",
            f"--client-id={sb.client_id}",
            f"--scope={sb.scope}",
            f"--hub={self.hub_url}",
            f"--out={self.journal}",
            *extra,
        ]
        self.env = {**os.environ, SECRET_ENV: sb.client_secret}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts: list[float] = []

    def start(self, wait: bool = True) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.starts.append(time.time())
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        marker = f'"event":"ready","pid":{self.proc.pid},'.encode()
        while not (self.journal.exists() and marker in self.journal.read_bytes()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the consumer did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, at whatever point the consumer is."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        """SIGTERM: the loop stops after the batch under way (a long poll ends within 5 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()

    def lines(self) -> list[dict[str, Any]]:
        if not self.journal.exists():
            return []
        text = self.journal.read_text()
        return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    journal = Journal(args.out)
    stop = Stop()
    run = follow_queue if args.mode == "sqs" else poll_messages
    asyncio.run(run(args, journal, stop))
    journal.write("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
