"""`make demo`: the flows against the local sandbox, with an ephemeral Prefect and a SQLite hub.

No commercetools account is needed: the sandbox stands in for the API, seeded with a realistic
project, and a temporary Prefect server serves the run when PREFECT_API_URL is not set (stopped
once it has recorded every task run, so the demo ends without Prefect's shutdown errors). The
first run initializes `./data/demo-hub.db` with a full pull of every entity; the next ones are
deltas that find nothing new, because the sandbox starts from the same seed each time.

The demo keeps to itself: its own hub file and project key `demo` (artifacts `ct-demo-...`, tags
`ct-project:demo`), so its runs never mix with the deployments', which use `./data/hub.db` and
the project of the `my-store` block.
"""

from __future__ import annotations

import os
import sys

# Before Prefect is imported: its temporary SQLite server logs "database is locked" with analytics.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.registry import ENTITIES
from ctsync.run.report import RunFailed
from ctsync.run.sync_all_report import SyncAllReport
from deployments.ephemeral import temporary_prefect
from flows import check_connection
from flows.sync import sync_all
from sandbox import Sandbox, node_tools

HUB_URL = "sqlite:///data/demo-hub.db"
PROJECT_KEY = "demo"
# The first example of docs/hub.md (for its project, 'sandbox'), printed at the end of every demo.
TOP_CUSTOMERS = """\
SELECT c.email, c.first_name || ' ' || c.last_name AS name,
       COUNT(*) AS orders, ROUND(SUM(o.total_price_amount), 2) AS spent,
       o.total_price_currency AS currency
FROM orders o
JOIN customers c ON c.project_key = o.project_key AND c.id = o.customer_id
WHERE o.project_key = :project
GROUP BY c.project_key, c.id, c.email, c.first_name, c.last_name, o.total_price_currency
ORDER BY orders DESC, spent DESC, c.email
LIMIT 5"""
COLUMNS = (
    "entity",
    "mode",
    "status",
    "fetched",
    "inserted",
    "updated",
    "unchanged",
    "deleted",
    "failed",
    "records/s",
)


def print_table(result: SyncAllReport) -> None:
    # unchanged and records/s from the report itself: sync_all's table in the UI has no room
    cells = [
        {**r.table_row(), "unchanged": r.unchanged, "records/s": r.records_per_second}
        for r in result.reports
    ]
    rows = [[str(row[c]) for c in COLUMNS] for row in cells]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    line = "  ".join(
        c.ljust(w) if i < 3 else c.rjust(w)
        for i, (c, w) in enumerate(zip(COLUMNS, widths, strict=True))
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                v.ljust(w) if i < 3 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def main() -> int:
    # The temporary Prefect server outlives the runs' last events (no "Error flushing" at exit).
    with temporary_prefect(), Sandbox(project_key=PROJECT_KEY) as sandbox:
        print(
            f"sandbox: commercetools stand-in at {sandbox.api_url}, on {node_tools().describe()}",
            flush=True,
        )
        credentials = CommercetoolsCredentials(
            api_url=sandbox.api_url,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            scope=sandbox.scope,
        )
        report = check_connection(credentials)
        print(
            f"\nconnection OK: {report.project_name} ({report.project_key}), "
            f"{', '.join(report.countries)}, {', '.join(report.currencies)}, "
            f"scopes {' '.join(report.scopes)}\n",
            flush=True,
        )
        try:
            result = sync_all(credentials, hub=HubDatabase(url=HUB_URL))
        except RunFailed as failure:
            if isinstance(failure.report, SyncAllReport):
                print_table(failure.report)
            print(f"\nsync_all failed: {failure}")
            return 1
    print(f"\nsync_all into {HUB_URL.removeprefix('sqlite:///')}:\n")
    print_table(result)
    first_run = any(r.mode == "full" and not ENTITIES[r.entity].singleton for r in result.reports)
    print(
        "\nFirst run: a full initialization of every entity. Run `make demo` again: every entity "
        "is then a delta from its watermark, with nothing new."
        if first_run
        else "\nEvery entity ran as a delta from its watermark: nothing changed in the sandbox."
    )
    print_top_customers(HubDatabase(url=HUB_URL))
    return 0


def print_top_customers(hub: HubDatabase) -> None:
    """The hub is a database other systems read: one of the docs' queries, on its views."""
    from sqlalchemy import text

    with hub.get_store().database.read() as conn:
        rows = conn.execute(text(TOP_CUSTOMERS), {"project": PROJECT_KEY}).all()
    print(
        f"\nQuery the hub ({HUB_URL.removeprefix('sqlite:///')}): the five customers with the "
        "most orders\n"
    )
    print(TOP_CUSTOMERS.replace(":project", f"'{PROJECT_KEY}'") + ";\n")
    header = ("email", "name", "orders", "spent", "currency")
    cells = [header] + [
        (email, name or "", str(orders), f"{spent:,.2f}", currency or "")
        for email, name, orders, spent, currency in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print(
            "  ".join(
                v.rjust(w) if i in (2, 3) else v.ljust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    sys.exit(main())
