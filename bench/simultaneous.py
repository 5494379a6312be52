"""Every entity sync at the same moment against a real Prefect server (SQLite, Prefect's default):
how many runs are lost, which API call failed, how long until all have completed.

Shapes: `worker` (the 36 deployments' runs created through the API as Scheduled for one moment a
few seconds ahead, as the server's scheduler does, and a process worker from `prefect deploy
--all` starting them), `direct` (36 processes each calling a flow, `sync_x(...)`, against the
server), `ephemeral` (the same without PREFECT_API_URL: each process starts a temporary server on
one SQLite file), `serve` (the runs started by `deployments.serve` instead of a worker; with
`worker_limit` as its limit), `sync-all` (one run of the `initialize` deployment, `sync_all`).

Each positional argument is one configuration, measured in turn on one server (deploying once
costs a minute): `label shape=worker pool=8 worker_limit=4 stagger=5 PREFECT_...=...`, where
`pool` is the work pool's concurrency limit, `worker_limit` the worker's --limit, `stagger` the
seconds between due times, and PREFECT_* words settings for every process but the server
(environment variables win over ./prefect.toml: name the value even for Prefect's default).
Each configuration reads every entity into a fresh SQLite hub (the sandbox holds its seed plus
`--customers` customers), then `--deltas` rounds of deltas on the same hub; `--rounds` repeats
that. Prints one line per round and appends it, as JSON, to `--out`.

    .venv/bin/python -m bench.simultaneous "none shape=worker PREFECT_CLIENT_MAX_RETRIES=5" \
        "shipped shape=worker pool=8" "direct shape=direct"
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.states import Scheduled
from prefect.types._datetime import now

from blocks import HubDatabase
from ctsync.registry import ENTITIES
from sandbox import Sandbox
from sandbox.seed import customers_only
from tests.deployments.stack import (
    PREFECT,
    ROOT,
    Stack,
    clean_environment,
    deploy,
    deployment_ids,
    http_errors,
    missing_from_hub,
    prefect_stack,
    wait_final,
)

PROJECT = "sandbox"
LEAD_SECONDS = 10  # runs are created this far ahead of the moment they are due


@dataclass
class Round:
    """What one round of simultaneous syncs left behind."""

    label: str
    runs: int
    states: dict[str, int]
    lost: list[str]
    seconds_to_all_final: float
    errors: dict[str, int]
    hub_missing: list[str]
    hub_customers: int
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()))
        errors = "; ".join(f"{v}x {k}" for k, v in self.errors.items()) or "none"
        return (
            f"{self.label}: {self.runs} runs, lost {len(self.lost)} {self.lost or ''} "
            f"[{states}], all final after {self.seconds_to_all_final:.0f} s, hub missing "
            f"{self.hub_missing or 'none'}, customers {self.hub_customers}; errors: {errors}; "
            + "; ".join(self.notes)
        )


def hub_block(stack: Stack, name: str) -> HubDatabase:
    block = HubDatabase(url=f"sqlite:///{stack.tmp / name}.db")
    block.save(name, overwrite=True)
    return block


def hub_check(block: HubDatabase, entities: list[str]) -> tuple[list[str], int]:
    """Entities the hub has not got, and the customers it holds."""
    store = block.get_store()
    return missing_from_hub(store, PROJECT, entities), store.records.count(PROJECT, "customers")


def why(message: str | None) -> str:
    """A lost run's reason, short: the API call that failed, or the message's start."""
    errors = http_errors(message or "")
    return next(iter(errors)) if errors else (message or "no message")[:120]


def worker_round(
    stack: Stack, hub: str, names: list[str], stagger: float, timeout: float
) -> tuple[dict[str, str], float, Counter[str]]:
    """The runs of `names`' deployments due at one moment (or `stagger` s apart), as the
    scheduler creates them; their final states, seconds until the last ended, why runs failed."""
    with get_client(sync_client=True) as client:
        ids = deployment_ids(client, names)
        due = now("UTC") + timedelta(seconds=LEAD_SECONDS)
        run_ids = [
            client.create_flow_run_from_deployment(
                ids[name],
                parameters={"hub": hub},
                state=Scheduled(scheduled_time=due + timedelta(seconds=i * stagger)),
            ).id
            for i, name in enumerate(names)
        ]
        runs = wait_final(client, stack, run_ids, timeout + LEAD_SECONDS)
    ends = [run.end_time for run in runs if run.end_time is not None]
    seconds = (max(ends) - due).total_seconds() if ends else float("nan")
    states: dict[str, str] = {}
    errors: Counter[str] = Counter()
    took = sorted(
        run.total_run_time.total_seconds() for run in runs if run.state_name == "Completed"
    )
    if took:
        print(f"  run time: median {took[len(took) // 2]:.1f} s, longest {took[-1]:.1f} s")
    for name, run in zip(names, runs, strict=True):
        final = run.state is not None and run.state.is_final()
        states[name] = run.state_name or "?" if final else f"not final ({run.state_name})"
        if run.state_name != "Completed":
            errors[why(run.state.message if run.state else None)] += 1
    return states, seconds, errors


def direct_round(
    stack: Stack, prefix: str, hub: str, names: list[str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], float, Counter[str]]:
    """One process per entity, each calling its flow as a user's script does."""
    started = time.monotonic()
    procs = {}
    for name in names:
        call = f"from flows import sync_{name.replace('-', '_')} as f; "
        call += f"f(credentials='my-store', hub={hub!r})"
        with (stack.tmp / f"{prefix}-{name}.log").open("w") as log:
            procs[name] = subprocess.Popen(
                [sys.executable, "-c", call], cwd=ROOT, env=env, stdout=log, stderr=log
            )
    states: dict[str, str] = {}
    for name, proc in procs.items():
        try:
            code = proc.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
            states[name] = "Completed" if code == 0 else f"exit {code}"
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            states[name] = "not final (killed at timeout)"
    seconds = time.monotonic() - started
    errors: Counter[str] = Counter()
    for name, state in states.items():
        if state != "Completed":
            lines = (stack.tmp / f"{prefix}-{name}.log").read_text(errors="replace").splitlines()
            errors[why(lines[-1] if lines else None)] += 1
    return states, seconds, errors


def sync_all_round(
    stack: Stack, hub: str, mode: str, timeout: float
) -> tuple[dict[str, str], float, Counter[str]]:
    """One run of the `initialize` deployment (sync_all), due in LEAD_SECONDS."""
    with get_client(sync_client=True) as client:
        (deployment,) = deployment_ids(client, ["initialize"]).values()
        due = now("UTC") + timedelta(seconds=LEAD_SECONDS)
        created = client.create_flow_run_from_deployment(
            deployment, parameters={"hub": hub, "mode": mode}, state=Scheduled(scheduled_time=due)
        )
        (run,) = wait_final(client, stack, [created.id], timeout + LEAD_SECONDS)
    seconds = (run.end_time - due).total_seconds() if run.end_time else float("nan")
    errors: Counter[str] = Counter()
    if run.state_name != "Completed":
        errors[why(run.state.message if run.state else None)] += 1
    return {"sync_all": run.state_name or "?"}, seconds, errors


@dataclass
class Config:
    """One configuration to measure: `label shape=worker pool=6 worker_limit=4 stagger=2
    PREFECT_CLIENT_MAX_RETRIES=8 ...` (PREFECT_* words: settings for every Prefect process
    but the server)."""

    label: str
    shape: str = "worker"
    pool: int | None = None
    worker_limit: int | None = None
    stagger: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Config:
        label, *words = text.split()
        config = cls(label)
        for word in words:
            key, value = word.split("=", 1)
            if key.startswith("PREFECT_"):
                config.env[key] = value
            elif key == "shape":
                config.shape = value
            elif key in ("pool", "worker_limit"):
                setattr(config, key, int(value))
            else:
                config.stagger = float(value)
        return config


def ephemeral_environment(stack: Stack, config: Config, hub: str, url: str) -> dict[str, str]:
    """No PREFECT_API_URL: each process starts its own temporary server on one SQLite file
    (PREFECT_HOME's prefect.db), as a script run without a server does. The blocks the flows
    name are saved there first, by one process, as a user would have done before."""
    env = {k: v for k, v in stack.env.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(stack.tmp / "ephemeral-home"), **config.env}
    sb = stack.sandbox
    save = (
        "from blocks import CommercetoolsCredentials as C, HubDatabase as H; "
        f"C(api_url={sb.api_url!r}, client_id={sb.client_id!r}, "
        f"client_secret={sb.client_secret!r}, scope={sb.scope!r})"
        ".save('my-store', overwrite=True); "
        f"H(url={url!r}).save({hub!r}, overwrite=True)"
    )
    subprocess.run([sys.executable, "-c", save], cwd=ROOT, env=env, check=True, timeout=300)
    return env


def server_503s(stack: Stack) -> int:
    """503 answers the server gave so far (it logs each, PREFECT_SERVER_LOG_RETRYABLE_ERRORS)."""
    text = (stack.tmp / "server.log").read_text(errors="replace")
    return text.count("Encountered retryable exception in request")


def one_round(
    stack: Stack, config: Config, round_label: str, names: list[str], timeout: float
) -> Round:
    hub = f"hub-{config.label}-{round_label.split('-')[0]}".lower().replace("_", "-")
    full = round_label.endswith("full")
    block = hub_block(stack, hub) if full else HubDatabase.load(hub)
    env = {**stack.env, **config.env}
    served = server_503s(stack)
    if config.shape in ("worker", "serve"):
        states, seconds, errors = worker_round(stack, hub, names, config.stagger, timeout)
    elif config.shape == "direct":
        states, seconds, errors = direct_round(stack, hub, hub, names, env, timeout)
    elif config.shape == "ephemeral":
        env = ephemeral_environment(stack, config, hub, block.url)
        states, seconds, errors = direct_round(stack, hub, hub, names, env, timeout)
    else:
        mode = "full" if full else "delta"
        states, seconds, errors = sync_all_round(stack, hub, mode, timeout)
    missing, customers = hub_check(block, names)
    lost = [name for name, state in states.items() if state != "Completed"]
    label = f"{config.label} {round_label}"
    result = Round(
        label,
        len(states),
        dict(Counter(states.values())),
        lost,
        seconds,
        dict(errors),
        missing,
        customers,
    )
    result.notes.append(f"server answered 503 {server_503s(stack) - served} times")
    return result


def apply(stack: Stack, config: Config) -> None:
    """The pool limit and a worker of `config` (restarted with its settings)."""
    if config.pool is None:
        stack.cli("work-pool", "clear-concurrency-limit", "commercetools")
    else:
        stack.cli("work-pool", "set-concurrency-limit", "commercetools", str(config.pool))
    for service in [s for s in stack.services if s.name == "worker"]:
        service.stop()
        stack.services.remove(service)
    if config.shape == "serve":
        # deployments.serve's deployments with `worker_limit` as serve's limit (None: none); they
        # replace the deployed ones (same names), so serve configurations come last.
        call = "from deployments.serve import build; from prefect import serve; "
        call += f"serve(*build(), limit={config.worker_limit})"
        stack.start("worker", [sys.executable, "-c", call], env={**stack.env, **config.env})
        _wait_served(stack)
    elif config.shape != "direct":
        limit = ["--limit", str(config.worker_limit)] if config.worker_limit else []
        args = [*PREFECT, "worker", "start", "--pool", "commercetools", *limit]
        stack.start("worker", args, env={**stack.env, **config.env})


def _wait_served(stack: Stack, timeout: float = 300) -> None:
    """Until serve has registered its deployments (loaded by module name: no `.py:`)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and not stack.dead():
            served = [
                client.read_deployment(i) for i in deployment_ids(client, list(ENTITIES)).values()
            ]
            if all(".py:" not in (d.entrypoint or ".py:") for d in served):
                return
            time.sleep(2)
    raise RuntimeError(f"serve did not register its deployments\n{stack.logs()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simultaneous", description=__doc__)
    parser.add_argument("configs", nargs="+", type=Config.parse, help="'label key=value ...'")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1, help="fresh hubs, full reads")
    parser.add_argument("--deltas", type=int, default=1, help="delta rounds after each full one")
    parser.add_argument("--only", nargs="*", help="entities (default: all)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, default=Path("/tmp/simultaneous.jsonl"))
    args = parser.parse_args(argv)
    names = args.only or list(ENTITIES)
    rounds = [
        label
        for r in range(1, args.rounds + 1)
        for label in [f"r{r}-full", *(f"r{r}-delta{d}" for d in range(1, args.deltas + 1))]
    ]
    with tempfile.TemporaryDirectory(prefix="simultaneous-") as folder:
        tmp = Path(folder)
        env = clean_environment(tmp / "prefect-home", PREFECT_SERVER_LOG_RETRYABLE_ERRORS="true")
        with Sandbox(port=0) as sandbox:
            sandbox.load({"customer": customers_only(args.customers)})
            with prefect_stack(tmp, sandbox, env) as stack:
                deploy(stack)
                print(f"stack up: {stack.seconds}", flush=True)
                for config in args.configs:
                    time.sleep(30)  # the server writes the last round's events meanwhile
                    apply(stack, config)
                    for label in rounds:
                        result = one_round(stack, config, label, names, args.timeout)
                        print(result.line(), flush=True)
                        record = {"config": asdict(config), "load": os.getloadavg()}
                        with args.out.open("a") as out:
                            out.write(json.dumps(record | asdict(result), default=str) + "\n")
                        if stack.dead():
                            print(stack.logs(), file=sys.stderr)
                            return


if __name__ == "__main__":
    main()
