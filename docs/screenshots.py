"""Screenshots of the Prefect UI for the docs, made against the sandbox: `make screenshots`.

    .venv/bin/python -m docs.screenshots            # or: .venv/bin/python docs/screenshots.py
    .venv/bin/python -m docs.screenshots --out /tmp/shots

Starts everything it needs and stops it again (about a minute): a `prefect server` with its UI on a
free port and a Prefect home in a temporary directory, the sandbox, `prefect block register -m
blocks`; then, in headless Chromium (Debian's, driven by Playwright from PyPI) at 1440x900:

01-block-form        Blocks > + > commercetools Credentials > Create, filled for the sandbox
02-block-page        the block saved from that form (values, the snippet)
03-run-form          the custom Run form of prefect.yaml's `customers` deployment
04-customers-run     a completed customers sync (the first: a full read), Logs tab
05-customers-table   its table artifact ct-sandbox-customers (metric/value rows)
06-customers-summary its markdown summary artifact
07-sync-all-run      a sync_all over the sandbox's seed, Logs tab
08-sync-all-table    sync_all's table artifact (a row per entity)
09-copy-run-form, 10-copy-table, 11-export-run-form, 12-export-table: copy_project, export_changes
13-automations       Automations, with prefect.yaml's trigger of export-new-orders
14-automation-trigger that automation's Edit page, JSON: the event and the labels it matches

The hub is a SQLite file in the temporary directory, never ./data/hub.db.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python docs/screenshots.py` puts docs/, not the root, first
    sys.path.insert(0, str(ROOT))

from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId  # noqa: E402
from prefect.settings import PREFECT_API_URL, temporary_settings  # noqa: E402

from blocks import CommercetoolsCredentials, HubDatabase  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from tests.browser.prefect_ui import (  # noqa: E402
    FlowOutcome,
    PrefectServer,
    StackError,
    chromium,
    fill_credentials_form,
    new_page,
    open_block_form,
    open_flow_run,
    run_flow,
)

OUT = ROOT / "docs" / "screenshots"
CREDENTIALS = "my-store"  # the name prefect.yaml's deployments use
HUB = "screenshots-hub"
TARGET = "my-target-store"  # the block copy-project's deployment writes into
WORK_POOL = "commercetools"
WIDTH, HEIGHT = 1440, 900
SANDBOX_PORT = 8089  # what `make sandbox` prints, when it is free


def _sandbox_port() -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", SANDBOX_PORT))
        except OSError:
            return 0
    return SANDBOX_PORT


class Shots:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.made: list[Path] = []
        self.seconds: dict[str, float] = {}
        self._started = time.monotonic()

    def take(self, page: Any, name: str, *, whole: bool = True) -> None:
        """A PNG of the page at 1440 wide: 900 high, or (whole) as high as its content, by
        growing the window rather than stitching (the sidebar then reaches the bottom)."""
        page.wait_for_load_state("networkidle")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        if whole:
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, height)})
            page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path))
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        self.made.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        started = time.monotonic()
        print(f"{name} ...", flush=True)
        try:
            return call()
        finally:
            self.seconds[name] = time.monotonic() - started


def _artifacts(server: PrefectServer, flow_run_id: str) -> dict[str, Any]:
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        with get_client(sync_client=True) as client:
            found = client.read_artifacts(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
    return {artifact.key: artifact for artifact in found if artifact.key}


def _deployment_id(server: PrefectServer, name: str) -> str:
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        with get_client(sync_client=True) as client:
            return str(client.read_deployment_by_name(name).id)


def _completed(outcome: FlowOutcome) -> FlowOutcome:
    if not outcome.completed:
        raise StackError(f"the run did not complete: {outcome.message}\n{outcome.output[-3000:]}")
    return outcome


def make_screenshots(out: Path) -> list[Path]:
    from playwright.sync_api import expect

    out.mkdir(parents=True, exist_ok=True)
    shots = Shots(out)
    with tempfile.TemporaryDirectory(prefix="ct-screenshots-") as tmp_dir, chromium() as browser:
        tmp = Path(tmp_dir)
        with (
            Sandbox(port=_sandbox_port()) as sandbox,
            PrefectServer(tmp / "prefect-home") as server,
        ):
            shots.step("register blocks", server.register_blocks)
            with temporary_settings({PREFECT_API_URL: server.api_url}):
                hub = HubDatabase(url=f"sqlite:///{tmp / 'hub.db'}")
                hub.save(HUB, overwrite=True, _sync=True)  # Playwright keeps a loop running
            page = new_page(browser, WIDTH, HEIGHT)

            def block_form() -> None:
                open_block_form(page, server, "commercetools Credentials")
                fill_credentials_form(
                    page,
                    CREDENTIALS,
                    {
                        "API URL": sandbox.api_url,
                        "Client ID": sandbox.client_id,
                        "Client Secret": sandbox.client_secret,
                        "Scope": sandbox.scope,
                    },
                )
                shots.take(page, "01-block-form")
                page.get_by_role("button", name="Save", exact=True).click()
                expect(page).to_have_url(re.compile(r"/blocks/block/[0-9a-f-]{36}$"))
                expect(page.get_by_text("Client Secret", exact=True)).to_be_visible()
                page.mouse.move(700, 20)  # a pointer over the toast keeps it
                expect(page.get_by_text("Block created successfully")).to_be_hidden()
                shots.take(page, "02-block-page")

            shots.step("block form", block_form)

            def run_form() -> None:
                server.cli("work-pool", "create", WORK_POOL, "--type", "process")
                server.cli("--no-prompt", "deploy", "--name", "customers", timeout=180)
                deployment = _deployment_id(server, "sync-customers/customers")
                page.goto(f"{server.ui_url}/deployments/deployment/{deployment}/run")
                expect(page.get_by_text("Credentials block").first).to_be_visible()
                shots.take(page, "03-run-form")

            shots.step("deploy customers, run form", run_form)

            customers = shots.step(
                "sync_customers",
                lambda: _completed(
                    run_flow(server, "sync_customers", credentials=CREDENTIALS, hub=HUB)
                ),
            )

            def customers_pages() -> None:
                open_flow_run(page, server, customers.flow_run_id, "Logs")
                expect(page.get_by_text(re.compile(r"^Done: customers ")).first).to_be_visible()
                shots.take(page, "04-customers-run")
                artifacts = _artifacts(server, customers.flow_run_id)
                project = customers.report["project_key"] if customers.report else "sandbox"
                for key, name in (
                    (f"ct-{project}-customers", "05-customers-table"),
                    (f"ct-{project}-customers-summary", "06-customers-summary"),
                ):
                    page.goto(f"{server.ui_url}/artifacts/artifact/{artifacts[key].id}")
                    expect(page.get_by_text(key, exact=True).first).to_be_visible()
                    shots.take(page, name)

            shots.step("customers run pages", customers_pages)

            everything = shots.step(
                "sync_all",
                lambda: _completed(run_flow(server, "sync_all", credentials=CREDENTIALS, hub=HUB)),
            )

            def sync_all_pages() -> None:
                open_flow_run(page, server, everything.flow_run_id, "Logs")
                expect(page.get_by_text(re.compile(r"^Done: ")).first).to_be_visible()
                shots.take(page, "07-sync-all-run", whole=False)
                # sync_all's own table (each entity's task run leaves its own tables too)
                key = f"ct-{everything.report['project_key']}-all"
                _table_page(page, server, shots, everything, key, "08-sync-all-table")

            shots.step("sync_all run pages", sync_all_pages)

            def copy_pages() -> None:
                _copy_pages(page, server, sandbox, shots)

            shots.step("copy_project", copy_pages)

            def export_pages() -> None:
                _export_pages(page, server, tmp, shots)

            shots.step("export_changes", export_pages)

            def automation_pages() -> None:
                _automation_pages(page, server, shots)

            shots.step("export-new-orders trigger", automation_pages)
    total = time.monotonic() - shots._started
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in shots.seconds.items())
    print(f"{len(shots.made)} screenshots in {total:.0f} s ({timings})")
    return shots.made


_SHOT_OF_FORM = {
    "copy-project/copy-project": "09-copy-run-form",
    "export-changes/export-changes": "11-export-run-form",
}


def _run_form(page: Any, server: PrefectServer, shots: Shots, name: str, field: str) -> None:
    """Deploy `name` (flow/deployment) and take its Run form once `field` shows."""
    from playwright.sync_api import expect

    server.cli("--no-prompt", "deploy", "--name", name.split("/")[1], timeout=180)
    page.goto(f"{server.ui_url}/deployments/deployment/{_deployment_id(server, name)}/run")
    expect(page.get_by_text(field).first).to_be_visible()
    shots.take(page, _SHOT_OF_FORM[name])


def _table_page(
    page: Any, server: PrefectServer, shots: Shots, run: FlowOutcome, key: str, name: str
) -> None:
    """The table artifact `key` of a run, as its page in the UI shows it."""
    from playwright.sync_api import expect

    table = _artifacts(server, run.flow_run_id).get(key)
    if table is None:
        raise StackError(f"the run {run.flow_run_id} left no table artifact {key}")
    page.goto(f"{server.ui_url}/artifacts/artifact/{table.id}")
    expect(page.locator("table tbody tr").first).to_be_visible()
    shots.take(page, name)


def _copy_pages(page: Any, server: PrefectServer, source: Sandbox, shots: Shots) -> None:
    """copy_project of the sandbox into an empty second project: its Run form and its table."""

    with Sandbox(project_key="target-shop", client_id="target-client", seed=None) as target:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            CommercetoolsCredentials(
                api_url=target.api_url,
                client_id=target.client_id,
                client_secret=target.client_secret,
                scope=target.scope,
            ).save(TARGET, overwrite=True, _sync=True)
        _run_form(page, server, shots, "copy-project/copy-project", "Target credentials block")
        copied = _completed(
            run_flow(server, "copy_project", source=CREDENTIALS, target=TARGET, hub=HUB, settle=0)
        )
        _table_page(page, server, shots, copied, f"ct-{target.project_key}-copy", "10-copy-table")


def _export_pages(page: Any, server: PrefectServer, tmp: Path, shots: Shots) -> None:
    """export_changes of the hub the runs above filled: its Run form and its table."""
    _run_form(page, server, shots, "export-changes/export-changes", "Consumer")
    # copy_project above left two projects in the hub: the export reads one.
    exported = _completed(
        run_flow(
            server,
            "export_changes",
            path=str(tmp / "erp.jsonl"),
            consumer="erp",
            hub=HUB,
            project=CREDENTIALS,
        )
    )
    _table_page(page, server, shots, exported, "ct-hub-export-erp", "12-export-table")


def _automation_pages(page: Any, server: PrefectServer, shots: Shots) -> None:
    """export-new-orders deployed from prefect.yaml: its trigger listed under Automations, and
    the trigger itself as the Edit page shows it in JSON (the event, the labels it matches)."""
    from playwright.sync_api import expect

    server.cli("--no-prompt", "deploy", "--name", "export-new-orders", timeout=180)
    page.goto(f"{server.ui_url}/automations")
    name = "export-new-orders when a sync or follow-changes inserts orders"
    expect(page.get_by_text(name).first).to_be_visible()
    shots.take(page, "13-automations")
    # Its page says only "A custom trigger": the event and labels show in Edit, as JSON.
    page.get_by_role("button", name="Open menu").first.click()
    page.get_by_text("Edit", exact=True).first.click()
    page.get_by_text("JSON", exact=True).first.click()
    expect(page.get_by_text('"commercetools.inserted"').first).to_be_visible()
    shots.take(page, "14-automation-trigger")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"directory (default {OUT})")
    args = parser.parse_args(argv)
    try:
        make_screenshots(args.out.resolve())
    except StackError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
