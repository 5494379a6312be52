"""Changes in the hub within seconds (issue #28): `follow_changes`' engine measured against the
sandbox and moto's SQS server on this machine, the consumer in its own process.

1. Commit-to-hub latency p50/p95 at 10 and 50 writes/s of mixed creates, updates and deletes
   of customers, categories and products, `--seconds` each (goal p95 <= 5 s at 50/s).
2. API requests per applied change (goal <= 0.05 at 50/s) and the consumer's CPU per change.
3. Nothing lost: 20 000 changes with 1 000 deletions, 10 % duplicates and reordering, the
   consumer SIGKILLed three times; then the hub against the sandbox, document for document.
4. The Messages API poller (2 s) at 10 customer writes/s: latency p95 (goal <= poll + 2 s).

    .venv/bin/python -m bench.follow [--quick] [--seconds 600] [--only latency,lost,messages]
        [--rates 10,50] [--keep] [--consumer='--batch-seconds=2 --collect=drain']

Each scenario gets an empty project, a new queue and hub; the table says where the latency
went (sandbox -> queue -> batch -> hub), who spent the CPU, and how the backlog grew.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import boto3
import httpx

from bench.common import ROOT, sandbox_pid, table
from bench.follow_consumer import Consumer
from bench.follow_report import CpuWindow, compare, follow_section, summary
from bench.follow_writer import SEGMENTS, Mix, Writer, product_type
from sandbox import Sandbox

SCENARIOS = ("latency", "lost", "messages")
PRELOAD = {"customer": 150, "category": 75, "product": 75}
DRAIN_SECONDS = 240.0
KILL_GAP_S = 20.0
"""How long the queue may take to empty after the last write, beyond the writing time."""


def log(message: str) -> None:
    print(f"[follow {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Options:
    """The run's sizes: the issue's, or a smoke run's."""

    quick: bool = False
    seconds: float = 600.0
    rates: tuple[float, ...] = (10.0, 50.0)
    lost_total: int = 20_000
    lost_deletes: int = 1_000
    lost_rate: float = 50.0
    kills: int = 3
    messages_rate: float = 10.0
    poll_seconds: float = 2.0
    seed: int = 28
    only: tuple[str, ...] = SCENARIOS
    keep: bool = False  # the work folder (journals, hubs, logs), for a closer look
    consumer_args: list[str] = field(default_factory=list)

    @classmethod
    def smoke(cls, **kw: Any) -> Options:
        sizes: dict[str, Any] = {"seconds": 6.0, "lost_total": 600, "lost_deletes": 30}
        sizes["consumer_args"] = ["--visibility=10"]  # what a killed consumer held: back in 10 s
        return cls(quick=True, **{**sizes, **kw})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def moto_server() -> Iterator[tuple[str, int]]:
    """moto's SQS server in its own process (its CPU apart from the consumer's)."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Setup:
    """One scenario's fresh project, queue and hub."""

    sb: Sandbox
    sqs_url: str
    moto_pid: int
    workdir: Path
    options: Options

    def cpu(self) -> CpuWindow:
        """A CPU meter of the sandbox, moto and this process (the writer) from now on."""
        return CpuWindow({"sandbox (node)": sandbox_pid(self.sb), "moto": self.moto_pid})

    def fresh(self, name: str) -> Path:
        """An empty project (no subscription, no messages) and an empty work folder."""
        self.sb.reset()
        self.sb.clear_faults()
        folder = self.workdir / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def sqs(self) -> Any:
        keys = {"aws_access_key_id": "x", "aws_secret_access_key": "y"}  # moto checks none
        return boto3.client("sqs", endpoint_url=self.sqs_url, region_name="us-east-1", **keys)

    def in_queue(self, queue_url: str, sqs: Any = None) -> tuple[int, int]:
        """Bodies in the queue: visible, and received but not acknowledged."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        got = (sqs or self.sqs()).get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)
        return int(got["Attributes"][names[0]]), int(got["Attributes"][names[1]])

    def subscribe(self, name: str) -> str:
        """A queue and the project's subscription of the written types' changes to it."""
        queue_url: str = self.sqs().create_queue(QueueName=f"ct-{name}")["QueueUrl"]
        destination = {
            "type": "SQS",
            "queueUrl": queue_url,
            "region": "us-east-1",
            "authenticationMode": "Credentials",
            "accessKey": "x",
            "accessSecret": "y",
        }
        changes = [{"resourceTypeId": t} for t in SEGMENTS]
        with self.sb.client() as api:
            body = {"key": f"bench-{name}", "destination": destination, "changes": changes}
            response = api.post("/subscriptions", json=body)
            response.raise_for_status()
        return queue_url

    def drained(self, queue_url: str) -> bool:
        """Every notification sent, and every body the queue got acknowledged."""
        return not self.sb.deliveries()["pending"] and self.in_queue(queue_url) == (0, 0)


def wait_until(check: Any, timeout: float) -> float:
    """Seconds until `check()` held (or the timeout passed, then -1)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            return -1.0
        time.sleep(0.25)
    return time.monotonic() - started


class Backlog:
    """Every few seconds: notifications the sandbox has yet to send, and bodies in the queue
    (visible, and received but not acknowledged). Where a growing latency piles up."""

    def __init__(self, setup: Setup, queue_url: str, every: float = 2.0) -> None:
        self.samples: list[list[float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(setup, queue_url, every), name="backlog", daemon=True
        )
        self._thread.start()

    def _run(self, setup: Setup, queue_url: str, every: float) -> None:
        started = time.monotonic()
        sqs = setup.sqs()
        while not self._stop.wait(every):
            pending = setup.sb.deliveries()["pending"]
            visible, in_flight = setup.in_queue(queue_url, sqs)
            self.samples.append([round(time.monotonic() - started, 1), pending, visible, in_flight])

    def stop(self) -> list[list[float]]:
        """[seconds, unsent notifications, visible bodies, bodies in flight] samples."""
        self._stop.set()
        self._thread.join()
        return self.samples


def kill_moments(rng: random.Random, kills: int, seconds: float) -> list[float]:
    """Random moments in the middle 80 % of the writing, at least KILL_GAP apart (each kill
    hits a consumer that has started again and is following) when the writing is that long."""
    gap = min(KILL_GAP_S, 0.8 * seconds / (kills + 1))
    while True:
        moments = sorted(rng.uniform(0.1, 0.9) * seconds for _ in range(kills))
        if all(b - a >= gap for a, b in pairwise(moments)):
            return moments


def killer(consumer: Consumer, moments: list[float], started: float) -> threading.Thread:
    """SIGKILL the consumer at these seconds after `started` and start it again at once."""

    def run() -> None:
        for moment in moments:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            consumer.kill()
            log(f"consumer SIGKILLed at {moment:.1f} s; restarted")
            consumer.start(wait=False)

    thread = threading.Thread(target=run, name="killer", daemon=True)
    thread.start()
    return thread


async def new_writer(setup: Setup, types: dict[str, float], preload: bool = True) -> Writer:
    """A writer on the fresh project with its product type and (unless told otherwise)
    resources written before the subscription exists."""
    token = setup.sb.token()
    writer = Writer(setup.sb.api_url, token, await product_type(setup.sb.api_url, token))
    writer.rng.seed(setup.options.seed)
    if preload:
        await writer.preload({t: n for t, n in PRELOAD.items() if types.get(t)})
    return writer


async def queue_scenario(
    setup: Setup, name: str, rate: float, mix: Mix, *, faults: bool = False, kills: int = 0
) -> dict[str, Any]:
    """Write `mix` at `rate` while the consumer follows the queue; then drain and compare."""
    folder = setup.fresh(name)
    writer = await new_writer(setup, mix.types)
    queue_url = setup.subscribe(name)
    extra = [f"--queue-url={queue_url}", f"--sqs-endpoint={setup.sqs_url}"]
    consumer = Consumer(setup.sb, folder, "sqs", extra + setup.options.consumer_args)
    consumer.start()
    setup.sb.reset_stats()
    if faults:
        setup.sb.inject_delivery(duplicate=0.1, reorder=0.1)
    moments = kill_moments(random.Random(setup.options.seed), kills, mix.total / rate)
    thread = killer(consumer, moments, time.monotonic()) if kills else None
    backlog = Backlog(setup, queue_url)
    cpu = setup.cpu()
    try:
        log(f"{name}: {mix.total} writes at {rate:g}/s")
        written = await writer.run(mix, rate)
    finally:
        await writer.close()
    if thread is not None:
        thread.join()
    patience = DRAIN_SECONDS + mix.total / rate
    drain = await asyncio.to_thread(wait_until, lambda: setup.drained(queue_url), patience)
    stats, deliveries, spent = setup.sb.stats(), setup.sb.deliveries(), cpu.spent()
    consumer.stop()
    result = summary(consumer.lines(), written, stats)
    result.update(rate=rate, drain_seconds=drain, deliveries=deliveries, kills_at=moments)
    result["cpu_s"] = spent
    result["backlog"] = backlog.stop()
    result["restarts"] = len(consumer.starts) - 1
    result["hub"] = compare(setup.sb, consumer.hub_url, written)
    return result


async def messages_scenario(setup: Setup) -> dict[str, Any]:
    """Customer writes at the messages rate while the consumer polls the Messages API."""
    options = setup.options
    folder = setup.fresh("messages")
    mix = Mix.shares(
        round(options.messages_rate * options.seconds), 0.3, 0.1, types={"customer": 1.0}
    )
    writer = await new_writer(setup, mix.types, preload=False)
    extra = [f"--poll-seconds={options.poll_seconds}"]
    consumer = Consumer(setup.sb, folder, "messages", extra)
    consumer.start()
    setup.sb.reset_stats()
    cpu = setup.cpu()
    try:
        log(f"messages: {mix.total} customer writes at {options.messages_rate:g}/s")
        written = await writer.run(mix, options.messages_rate)
    finally:
        await writer.close()

    def caught_up() -> bool:
        """A poll that began a second after the last write's answer has been applied."""
        last = written.finished + 1.0
        return any(line.get("polled_at", 0) >= last for line in consumer.lines())

    drain = await asyncio.to_thread(wait_until, caught_up, DRAIN_SECONDS)
    stats, spent = setup.sb.stats(), cpu.spent()
    consumer.stop()
    result = summary(consumer.lines(), written, stats)
    result.update(rate=options.messages_rate, drain_seconds=drain, cpu_s=spent)
    result["poll_seconds"] = options.poll_seconds
    result["hub"] = compare(setup.sb, consumer.hub_url, written)
    return result


async def scenarios(setup: Setup) -> dict[str, Any]:
    """Every scenario asked for, in turn, on one sandbox and one moto server."""
    options = setup.options
    results: dict[str, Any] = {}
    if "latency" in options.only:
        for rate in options.rates:
            mix = Mix.shares(round(rate * options.seconds), 0.3, 0.1)
            results[f"latency {rate:g}/s"] = await queue_scenario(setup, f"r{rate:g}", rate, mix)
    if "lost" in options.only:
        creates = round(0.35 * options.lost_total)
        mix = Mix(options.lost_total, deletes=options.lost_deletes, creates=creates)
        results["lost"] = await queue_scenario(
            setup, "lost", options.lost_rate, mix, faults=True, kills=options.kills
        )
    if "messages" in options.only:
        results["messages"] = await messages_scenario(setup)
    return results


def measure(quick: bool = False, **kw: Any) -> dict[str, Any]:
    """All scenarios (run_all's `follow` measure): their figures and the sizes used."""
    options = Options.smoke(**kw) if quick else Options(**kw)
    workdir = Path(tempfile.mkdtemp(prefix="bench-follow-"))
    try:
        with moto_server() as (sqs_url, moto_pid), Sandbox(seed=None) as sb:
            setup = Setup(sb, sqs_url, moto_pid, workdir, options)
            results = asyncio.run(scenarios(setup))
    finally:
        if options.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sizes = {k: v for k, v in vars(options).items() if k != "consumer_args"}
    return {"sizes": sizes, "consumer_args": options.consumer_args, **results}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a ~1-minute smoke run")
    parser.add_argument("--seconds", type=float, help="seconds per rate (default 600)")
    parser.add_argument("--rates", default=None, help="comma-separated writes/s (10,50)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="latency,lost,messages")
    parser.add_argument("--lost-total", type=int, help="changes of the lost scenario (20000)")
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--keep", action="store_true", help="keep the journals, hubs and logs")
    parser.add_argument("--output", type=Path, default=None, help="the JSON results")
    parser.add_argument(
        "--consumer", default="", help="extra consumer options, e.g. '--batch-seconds=2'"
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    return args


def options_of(args: argparse.Namespace) -> dict[str, Any]:
    only = tuple(args.only.split(","))
    chosen: dict[str, Any] = {"only": only, "seed": args.seed, "keep": args.keep}
    if args.consumer:
        chosen["consumer_args"] = args.consumer.split()
    if args.seconds:
        chosen["seconds"] = args.seconds
    if args.rates:
        chosen["rates"] = tuple(float(r) for r in args.rates.split(","))
    if args.lost_total:
        chosen.update(lost_total=args.lost_total, lost_deletes=args.lost_total // 20)
    return chosen


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    default = Path(tempfile.gettempdir()) / "bench-quick" if args.quick else ROOT / "bench"
    output: Path = args.output or default / "FOLLOW.json"
    started = time.perf_counter()
    results = measure(args.quick, **options_of(args))
    goals, body = follow_section({"follow": results})
    print("\n".join(table(["goal", "measured", ""], goals) + body))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1, default=sorted) + "\n")
    log(f"done in {time.perf_counter() - started:.0f} s; wrote {output}")
    return 0  # a goal not held is a finding, not a failure of the benchmark


if __name__ == "__main__":
    raise SystemExit(main())
