"""The order `make test` hands modules to its workers: the heaviest first.

xdist's `--dist loadscope` gives each worker whole modules, in collection order with
`--no-loadscope-reorder`. Handing out the longest first and the many short ones last (longest
processing time first) keeps every worker busy to the end; by number of tests, xdist's own
order, the few long end-to-end modules came last and two workers idled while one finished them.
The seconds are each module's measured total on 2 cores with 3 workers (`make test` prints
the slowest tests); a module not listed weighs half a second per test. Only the order depends
on them: a wrong figure costs minutes of CI, never a result.
"""

from __future__ import annotations

import pytest

MODULE_SECONDS = {
    "tests/deployments/test_simultaneous.py": 290,
    "tests/deployments/test_e2e.py": 280,
    "tests/flows/test_copy_project.py": 205,
    "tests/browser/test_prefect_ui.py": 150,
    "tests/docs/test_snippets.py": 135,
    "tests/flows/test_workers.py": 130,
    "tests/flows/test_faithful_pulls.py": 110,
    "tests/deployments/test_ephemeral.py": 90,
    "tests/flows/test_faults.py": 80,
    "tests/flows/test_sync.py": 80,
    "tests/flows/test_follow_changes.py": 75,
    "tests/browser/test_artifact_tables.py": 60,
    "tests/flows/test_lost_answers.py": 57,
    "tests/flows/test_push_lists.py": 50,
    "tests/flows/test_push_discounts.py": 45,
    "tests/deployments/test_wheel.py": 43,
    "tests/flows/test_every_resource.py": 36,
    "tests/sandbox/test_sandbox_setup.py": 35,
    "tests/sandbox/test_sandbox_notifications.py": 30,
    "tests/flows/test_tasks.py": 22,
}
SECONDS_PER_UNLISTED_TEST = 0.5


def heaviest_modules_first(items: list[pytest.Item]) -> None:
    """Sort `items` by their module's weight, heaviest first; a module's tests stay together,
    its end-to-end ones first (a worker takes its next module when two tests are left)."""
    counts: dict[str, int] = {}
    for item in items:
        counts[_module(item)] = counts.get(_module(item), 0) + 1

    def weight(module: str) -> float:
        return MODULE_SECONDS.get(module, counts[module] * SECONDS_PER_UNLISTED_TEST)

    first_seen = {module: n for n, module in enumerate(dict.fromkeys(map(_module, items)))}
    items.sort(
        key=lambda item: (
            -weight(_module(item)),
            first_seen[_module(item)],
            item.get_closest_marker("e2e") is None,
        )
    )


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]
