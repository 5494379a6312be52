"""What `bench.follow` makes of a scenario: the consumer's journal summed up (latency, where it
went, requests and CPU per change), the hub compared with the sandbox, and the results' table.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from typing import Any

from bench.common import Rendered, held, machine_busy, proc_cpu, table
from bench.follow_writer import SEGMENTS, Written
from ctsync.follow.changes import ENTITY_OF_TYPE
from ctsync.hub import HubStore, StoredRecord
from sandbox import Sandbox

LATENCY_GOAL_S = 5.0
GOAL_RATE = 50.0
REQUESTS_GOAL = 0.05
MESSAGES_MARGIN_S = 2.0
WINDOW_S = 60.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def distribution(values: list[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max, rounded to the millisecond."""
    if not values:
        return {"n": 0}
    figures = {
        "mean": statistics.fmean(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }
    return {"n": len(values), **{k: round(v, 3) for k, v in figures.items()}}


class CpuWindow:
    """CPU seconds each party spent since the window opened, and the machine's busy cores:
    who takes the 2 cores while the consumer follows (the consumer's own is in its journal)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.before = self._read()

    def _read(self) -> dict[str, float]:
        spent = {name: proc_cpu(pid) for name, pid in self.pids.items()}
        spent["bench (writer, samplers)"] = time.process_time()
        return {**spent, "machine busy": machine_busy(), "wall": time.monotonic()}

    def spent(self) -> dict[str, float]:
        after = self._read()
        used = {name: round(after[name] - self.before[name], 2) for name in after}
        used["busy cores"] = round(used["machine busy"] / max(used["wall"], 1e-9), 2)
        return used


def consumer_cpu(lines: list[dict[str, Any]]) -> tuple[float, int]:
    """CPU seconds of every consumer process from its ready line to its last line (startup
    imports left out), and how many processes there were."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for line in lines:
        pid = line["pid"]
        if line["event"] == "ready":
            first[pid] = line["cpu"]
        if pid in first:
            last[pid] = line["cpu"]
    return sum(last[pid] - first[pid] for pid in first), len(first)


def stages(batches: list[dict[str, Any]], lags: list[float]) -> dict[str, Any]:
    """Where a change's latency went, per body: sent by the sandbox -> received from the queue
    (`in_queue`) -> batch closed (`batching`) -> hub committed (`apply`); then acknowledged
    (`ack`, after the lag). The sandbox's share (write -> sent) is the mean lag less the rest,
    exact only when every body is one change (no duplicates)."""
    in_queue: list[float] = []
    batching: list[float] = []
    apply: list[float] = []
    ack: list[float] = []
    sent_to_commit: list[float] = []
    for batch in batches:
        for sent, received in zip(batch["sent"], batch["received"], strict=True):
            in_queue.append(received - sent)
            batching.append(batch["collected_at"] - received)
            apply.append(batch["ack_started_at"] - batch["collected_at"])
            sent_to_commit.append(batch["ack_started_at"] - sent)
        ack.append(batch["acked_at"] - batch["ack_started_at"])
    rest = statistics.fmean(sent_to_commit) if sent_to_commit else math.nan
    write_to_sent = statistics.fmean(lags) - rest if lags and sent_to_commit else math.nan
    return {
        "write_to_sent_mean": round(write_to_sent, 3),
        "in_queue": distribution(in_queue),
        "batching": distribution(batching),
        "apply": distribution(apply),
        "ack_per_batch": distribution(ack),
    }


def by_window(batches: list[dict[str, Any]]) -> list[list[float]]:
    """[seconds from the first batch, changes, p50, p95] per minute: whether latency held or
    grew (a backlog) over the run."""
    if not batches:
        return []
    start = batches[0]["at"]
    windows: dict[int, list[float]] = defaultdict(list)
    for batch in batches:
        windows[int((batch["at"] - start) // WINDOW_S)].extend(batch["lags"])
    return [
        [w * WINDOW_S, len(v), round(percentile(v, 50), 3), round(percentile(v, 95), 3)]
        for w, v in sorted(windows.items())
        if v
    ]


def summary(lines: list[dict[str, Any]], written: Written, stats: dict[str, Any]) -> dict[str, Any]:
    """One scenario's figures from the consumer's journal, the writer and the sandbox stats."""
    batches = [line for line in lines if line["event"] == "batch"]
    lags = [lag for batch in batches for lag in batch["lags"]]
    requests = sum(b["requests"] + b.get("poll_requests", 0) for b in batches)
    reads = sum(n for k, n in stats["by_method_path"].items() if k.startswith("GET "))
    cpu, processes = consumer_cpu(lines)
    writes = max(written.ok, 1)
    result: dict[str, Any] = {
        "writes": written.ok,
        "write_rate": round(written.rate, 2),
        "write_seconds": round(written.finished - written.started, 1),
        "writes_failed": written.failed,
        "writes_by_kind": written.by_kind,
        "write_answer_s": distribution(written.answer_seconds),
        "writes_started_late": written.late_starts,
        "latency_s": distribution(lags),
        "latency_by_minute": by_window(batches),
        "batches": len(batches),
        "changes_applied": sum(b["changes"] for b in batches),
        "bodies": sum(b.get("bodies", b["changes"]) for b in batches),
        "batch_changes": distribution([b["changes"] for b in batches]),
        "apply_s": distribution([b["apply_s"] for b in batches]),
        "requests": requests,
        "requests_per_change": round(requests / writes, 4),
        "sandbox_reads": reads,
        "sandbox_reads_per_change": round(reads / writes, 4),
        "sandbox_requests": stats["by_method_path"],
        "consumer_processes": processes,
        "consumer_cpu_s": round(cpu, 2),
        "consumer_cpu_ms_per_change": round(1000 * cpu / writes, 3),
    }
    if batches and "sent" in batches[0]:
        result["stages"] = stages(batches, lags)
        calls: dict[str, int] = defaultdict(int)
        for batch in batches:
            for operation, n in batch["sqs_calls"].items():
                calls[operation] += n
        result["sqs_calls"] = dict(calls)
        result["sqs_calls_per_change"] = round(sum(calls.values()) / writes, 3)
    return result


def sandbox_documents(sb: Sandbox, segment: str) -> dict[str, dict[str, Any]]:
    """Every resource of a type as the sandbox serves it, read by id keyset."""
    found: dict[str, dict[str, Any]] = {}
    last = ""
    with sb.client(timeout=60) as api:
        while True:
            params: dict[str, Any] = {"limit": 500, "sort": "id asc", "withTotal": "false"}
            if last:
                params["where"] = f'id > "{last}"'
            page = api.get(f"/{segment}", params=params).json()["results"]
            found.update((r["id"], r) for r in page)
            if len(page) < 500:
                return found
            last = page[-1]["id"]


def verdict(
    live: dict[str, Any] | None, record: StoredRecord | None, deleted: bool
) -> tuple[str, bool]:
    """What the hub holds of one written id, and whether that is right."""
    if live is None:
        if record is None:
            return "deleted, never in the hub", True
        if record.deleted_at is not None:
            return "deleted, marked deleted", True
        return "deleted, still live in the hub" if deleted else "unknown to the writer", False
    if record is None:
        return "live, missing from the hub", False
    if record.deleted_at is not None:
        return "live, marked deleted in the hub", False
    if record.version < live["version"]:
        return "live, stale version in the hub", False
    if record.version > live["version"]:
        return "live, newer version in the hub", False
    if record.document != live:
        return "live, same version, other document", False
    return "live, same version and document", True


def compare(sb: Sandbox, hub_url: str, written: Written) -> dict[str, Any]:
    """Every id the writer touched: the hub's record against the sandbox's document."""
    hub = HubStore.connect(hub_url)
    counts: dict[str, int] = defaultdict(int)
    wrong: list[str] = []
    try:
        for type_id, ids in written.touched.items():
            live = sandbox_documents(sb, SEGMENTS[type_id])
            entity = ENTITY_OF_TYPE[type_id].name
            records = hub.exact.records.iterate(sb.project_key, entity, include_deleted=True)
            stored = {record.id: record for record in records if record.id in ids}
            gone = written.deleted.get(type_id, set())
            for rid in sorted(ids):
                what, right = verdict(live.get(rid), stored.get(rid), rid in gone)
                counts[what] += 1
                if not right and len(wrong) < 5:
                    wrong.append(f"{type_id} {rid}: {what}")
    finally:
        hub.close()
    good = (
        "deleted, never in the hub",
        "deleted, marked deleted",
        "live, same version and document",
    )
    bad = sum(n for what, n in counts.items() if what not in good)
    return {
        "ids": sum(counts.values()),
        "wrong": bad,
        "by_verdict": dict(counts),
        "examples": wrong,
    }


def _seconds(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    return "n/a" if value is None or value != value else f"{value:.2f} s"


def latency_goal(result: dict[str, Any]) -> list[list[str]]:
    """The goal rows of a latency scenario; the goals are set at 50 changes/s."""
    lat = result["latency_s"]
    at_goal_rate = result["rate"] == GOAL_RATE

    def verdict(ok: bool) -> str:
        return held(ok) if at_goal_rate else f"(goals are at {GOAL_RATE:g}/s)"

    return [
        [
            f"follow: p95 commit-to-hub <= {LATENCY_GOAL_S:g} s at {result['rate']:g} changes/s",
            f"p95 {_seconds(lat, 'p95')} (p50 {_seconds(lat, 'p50')}) over {lat['n']:,} changes, "
            f"writer {result['write_rate']:.1f}/s for {result['write_seconds']:.0f} s",
            verdict(lat.get("p95", math.inf) <= LATENCY_GOAL_S),
        ],
        [
            f"follow: API requests per change <= {REQUESTS_GOAL:g} at {result['rate']:g} changes/s",
            f"{result['requests_per_change']:.3f} (sandbox reads {result['sandbox_reads']:,} "
            f"for {result['writes']:,} writes); CPU "
            f"{result['consumer_cpu_ms_per_change']:.2f} ms per change",
            verdict(result["requests_per_change"] <= REQUESTS_GOAL),
        ],
    ]


def lost_goal(result: dict[str, Any]) -> list[str]:
    hub = result["hub"]
    deliveries = result["deliveries"]
    return [
        "follow: nothing lost or stale (duplicates, reordering, 3 SIGKILLs)",
        f"{hub['wrong']} wrong of {hub['ids']:,} ids after {result['writes']:,} changes "
        f"({_deletes(result):,} deletions), "
        f"{deliveries['duplicated']:,} duplicated, {deliveries['reordered']:,} reordered, "
        f"{result['restarts']} kills",
        held(hub["wrong"] == 0 and result["drain_seconds"] >= 0),
    ]


def _deletes(result: dict[str, Any]) -> int:
    return sum(n for kind, n in result["writes_by_kind"].items() if kind.startswith("delete "))


def messages_goal(result: dict[str, Any]) -> list[str]:
    lat = result["latency_s"]
    goal = result["poll_seconds"] + MESSAGES_MARGIN_S
    return [
        f"follow: Messages API poller p95 <= poll interval + {MESSAGES_MARGIN_S:g} s ({goal:g} s)",
        f"p95 {_seconds(lat, 'p95')} (p50 {_seconds(lat, 'p50')}) over {lat['n']:,} changes "
        f"at {result['write_rate']:.1f}/s",
        held(lat.get("p95", math.inf) <= goal),
    ]


def rows(result: dict[str, Any]) -> list[list[str]]:
    """The lines of one scenario's table."""
    lat = result["latency_s"]
    out = [
        ["writes ok / failed", f"{result['writes']:,} / {sum(result['writes_failed'].values())}"],
        [
            "writer rate, writes/s",
            f"{result['write_rate']:.1f} over {result['write_seconds']:.0f} s",
        ],
        [
            "write answer p50 / p95",
            f"{_seconds(result['write_answer_s'], 'p50')} / "
            f"{_seconds(result['write_answer_s'], 'p95')}",
        ],
        [
            "latency p50 / p95 / max",
            f"{_seconds(lat, 'p50')} / {_seconds(lat, 'p95')} / {_seconds(lat, 'max')}",
        ],
        [
            "batches; changes per batch p50",
            f"{result['batches']:,}; {result['batch_changes'].get('p50', 0):.0f}",
        ],
        [
            "apply per batch p50 / p95",
            f"{_seconds(result['apply_s'], 'p50')} / {_seconds(result['apply_s'], 'p95')}",
        ],
        [
            "API requests per change",
            f"{result['requests_per_change']:.3f} "
            f"({result['requests']:,}; sandbox reads {result['sandbox_reads']:,})",
        ],
        [
            "consumer CPU per change",
            f"{result['consumer_cpu_ms_per_change']:.2f} ms "
            f"({result['consumer_cpu_s']:.1f} s, {result['consumer_processes']} process(es))",
        ],
        ["drain after the last write", _seconds(result, "drain_seconds")],
    ]
    return out + profile_rows(result)


def profile_rows(result: dict[str, Any]) -> list[list[str]]:
    """Where the time went, who spent the CPU, the backlog, and the hub's verdicts."""
    out: list[list[str]] = []
    stage = result.get("stages")
    if stage:
        out.append(
            [
                "where the mean lag went",
                f"write->queue {stage['write_to_sent_mean']:.2f} s, in queue "
                f"{stage['in_queue'].get('mean', 0):.2f} s, batching "
                f"{stage['batching'].get('mean', 0):.2f} s, "
                f"apply {stage['apply'].get('mean', 0):.2f} s",
            ]
        )
    if "sqs_calls" in result:
        calls = ", ".join(f"{k} {v:,}" for k, v in sorted(result["sqs_calls"].items()))
        out.append(["SQS requests per change", f"{result['sqs_calls_per_change']:.2f} ({calls})"])
    if result.get("cpu_s"):
        cpu = result["cpu_s"]
        parties = [k for k in cpu if k not in ("machine busy", "wall", "busy cores")]
        shares = ", ".join(f"{k} {cpu[k]:.1f}" for k in parties)
        ours = sum(cpu[k] for k in parties) + result["consumer_cpu_s"]
        out.append(
            [
                "CPU s while writing and draining",
                f"{shares}, consumer {result['consumer_cpu_s']:.1f}, other processes "
                f"{cpu['machine busy'] - ours:.1f}; {cpu['busy cores']:.2f} of 2 cores busy "
                f"over {cpu['wall']:.0f} s",
            ]
        )
    if result.get("backlog"):
        samples = result["backlog"]
        out.append(
            [
                "backlog max: unsent notifications / visible / in flight",
                " / ".join(f"{max(row[i] for row in samples):,.0f}" for i in (1, 2, 3)),
            ]
        )
    if "hub" in result:
        verdicts = ", ".join(f"{k} {v:,}" for k, v in sorted(result["hub"]["by_verdict"].items()))
        out.append(["hub against the sandbox", verdicts or "n/a"])
    return out


def follow_section(sections: dict[str, Any]) -> Rendered:
    """The goal rows and the section of the `follow` measure (issue #28)."""
    results = sections["follow"]
    goals: list[list[str]] = []
    body = ["## Following changes (issue #28)", ""]
    for name, result in results.items():
        if name.startswith("latency "):
            goals += latency_goal(result)
    if "lost" in results:
        goals.append(lost_goal(results["lost"]))
    if "messages" in results:
        goals.append(messages_goal(results["messages"]))
    for name, result in results.items():
        if isinstance(result, dict) and "latency_s" in result:
            body += [f"### {name}", ""]
            body += table(["", ""], rows(result))
    return goals, body
