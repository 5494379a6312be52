"""`python -m deployments.serve`: every deployment of prefect.yaml, served by one process.

For a laptop or a single machine: no work pool and no worker, the same schedules, parameters and
one-run-at-a-time limits as `prefect deploy --all` (both follow `deployments.catalog`), and at most
RUNS_AT_ONCE runs at once, as the work pool of `make deploy`. Runs go to the Prefect server of
PREFECT_API_URL; Ctrl-C stops serving and pauses the schedules.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Sequence

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.events import DeploymentEventTrigger

from deployments.catalog import DEFAULT_CREDENTIALS, DEPLOYMENTS, RUNS_AT_ONCE


def build(credentials: str = DEFAULT_CREDENTIALS, hub: str | None = None) -> list[RunnerDeployment]:
    """The deployments of the catalog, with `credentials` (and `hub`) as default parameters."""
    deployments = []
    for spec in DEPLOYMENTS:
        flow = spec.load_flow()
        takes = set(inspect.signature(flow.fn).parameters)
        parameters = dict(spec.parameters)
        if "credentials" in takes:
            parameters["credentials"] = credentials
        if "project" in takes:  # the exports read the project of that block
            parameters["project"] = credentials
        if hub is not None and "hub" in takes:
            parameters["hub"] = hub
        one_at_a_time = ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy(spec.collision_strategy)
        )
        deployments.append(
            flow.to_deployment(
                name=spec.name,
                interval=spec.interval,
                parameters=parameters,
                description=spec.description,
                tags=list(spec.tags),
                triggers=[DeploymentEventTrigger(**t) for t in spec.triggers] or None,
                concurrency_limit=one_at_a_time if spec.one_at_a_time else None,
                enforce_parameter_schema=True,
                # Loaded by module name, so runs work whatever the working directory.
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return deployments


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.serve", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument(
        "--credentials",
        default=DEFAULT_CREDENTIALS,
        help=f"name of the saved commercetools credentials block (default: {DEFAULT_CREDENTIALS})",
    )
    parser.add_argument(
        "--hub",
        default=None,
        help="name of a saved hub database block (default: SQLite ./data/hub.db)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=RUNS_AT_ONCE,
        help=(
            f"most flow runs at once, the rest wait their turn (default: {RUNS_AT_ONCE}, as the "
            "work pool of `make deploy`)"
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = argument_parser().parse_args(argv)
    serve(*build(args.credentials, args.hub), limit=args.limit)


if __name__ == "__main__":
    main()
