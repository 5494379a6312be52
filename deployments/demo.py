"""`make demo`: the flows against the local sandbox, with an ephemeral Prefect.

No commercetools account is needed: the sandbox stands in for the API, seeded with a realistic
project, and Prefect starts a temporary server for the run when PREFECT_API_URL is not set.
"""

from __future__ import annotations

import os
import sys

# Before Prefect is imported: its temporary SQLite server logs "database is locked" with analytics.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from blocks import CommercetoolsCredentials
from flows import check_connection
from sandbox import Sandbox


def main() -> int:
    with Sandbox() as sandbox:
        print(f"sandbox: commercetools stand-in at {sandbox.api_url}", flush=True)
        credentials = CommercetoolsCredentials(
            api_url=sandbox.api_url,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            scope=sandbox.scope,
        )
        report = check_connection(credentials)
    width = 20
    print()
    print("commercetools connection OK")
    for label, value in [
        ("project", f"{report.project_name} ({report.project_key})"),
        ("API URL", report.api_url),
        ("countries", ", ".join(report.countries)),
        ("currencies", ", ".join(report.currencies)),
        ("languages", ", ".join(report.languages)),
        ("messages enabled", "yes" if report.messages_enabled else "no"),
        ("scopes granted", " ".join(report.scopes)),
        ("duration", f"{report.duration_seconds:.3f} s, {report.api_calls} API call(s)"),
    ]:
        print(f"  {label:<{width}} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
