"""A real Prefect server with its UI, flow runs against it, and headless Chromium to read it.

Shared by the browser test (tests/browser/test_prefect_ui.py) and the screenshot script
(docs/screenshots.py). Nothing here depends on pytest: failures raise `StackError`, which the
test turns into a failure and the script into an exit code.

The UI is Prefect's default one (V2, served under /v2); the page helpers know its markup.
Chromium is Debian's (`apt-get install chromium`), driven by Playwright from PyPI: Playwright's
own browser download is never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.processes import free_port, stop_tree

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
SERVER_START_TIMEOUT = 120
UI_TIMEOUT_MS = 30_000
"""How long the page helpers wait for an element (Playwright's auto-wait)."""

CREDENTIALS_SLUG = "commercetools-credentials"

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "The browser test needs Playwright (PyPI) driving Debian's Chromium:\n"
    "  apt-get install -y chromium\n"
    "  .venv/bin/pip install playwright\n"
    "(never `playwright install`: the browser comes from apt; set CHROMIUM to its path if it is "
    "not /usr/bin/chromium or on PATH)."
)


class StackError(RuntimeError):
    """Something the server, a flow run, the browser or the UI did not do."""


# -- processes --------------------------------------------------------------------------------


def prefect_environment(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The caller's environment without any PREFECT_* setting, plus a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@dataclass
class PrefectServer:
    """`prefect server start` with its UI on a free port, in its own session and Prefect home."""

    home: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def ui_url(self) -> str:
        """Prefect's default UI (V2); the old one is still served at the root paths."""
        return f"{self.url}/v2"

    @property
    def env(self) -> dict[str, str]:
        """For every process that talks to this server (CLI, flow runs)."""
        return prefect_environment(self.home, self.api_url)

    def start(self) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        env = prefect_environment(self.home)
        env.update(
            PREFECT_UI_API_URL=self.api_url,
            PREFECT_SERVER_UI_ENABLED="true",
            PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
            PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
            PREFECT_SERVER_SERVICES_FOREMAN_ENABLED="false",
            PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        )
        self.log = self.home / "server.log"
        args = [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError(f"prefect server exited ({self.proc.returncode})\n{self.tail()}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise StackError(
            f"prefect server not healthy after {SERVER_START_TIMEOUT} s\n{self.tail()}"
        )

    def tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last lines of {self.log} ---\n" + "\n".join(text)

    def stop(self) -> None:
        if self.proc is not None:
            stop_tree(self.proc)
        self.proc = None

    def __enter__(self) -> PrefectServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def cli(self, *args: str, timeout: float = 120) -> str:
        """A `prefect` command against this server, from the repository root."""
        done = subprocess.run(
            [*PREFECT, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise StackError(
                f"prefect {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"[-4000:]
            )
        return done.stdout

    def register_blocks(self) -> None:
        """What a user does once per server: `prefect block register -m blocks`."""
        self.cli("block", "register", "-m", "blocks")


# -- flow runs --------------------------------------------------------------------------------

_MARK = "@@flow-outcome@@"
_RUNNER = f"""
import json, sys
import flows
name, parameters = sys.argv[1], json.loads(sys.argv[2])
state = getattr(flows, name)(**parameters, return_state=True)
result = state.result(raise_on_failure=False)
report = getattr(result, "report", result)
print({_MARK!r} + json.dumps({{
    "type": state.type.value,
    "message": state.message,
    "flow_run_id": str(state.state_details.flow_run_id),
    "report": report.model_dump(mode="json") if hasattr(report, "model_dump") else None,
}}))
"""


@dataclass
class FlowOutcome:
    """What one flow run ended with, as its own process saw it."""

    type: str
    message: str | None
    flow_run_id: str
    report: dict[str, Any] | None
    output: str

    @property
    def completed(self) -> bool:
        return self.type == "COMPLETED"


def run_flow(
    server: PrefectServer, flow: str, timeout: float = 300, **parameters: Any
) -> FlowOutcome:
    """Run `flows.<flow>(**parameters)` in a process of its own against the server, as a user
    does from Python with PREFECT_API_URL set; its final state and report."""
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, flow, json.dumps(parameters)],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = f"{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith(_MARK)]
    if done.returncode != 0 or not lines:
        raise StackError(
            f"flows.{flow}({parameters}) did not report ({done.returncode}):\n{output[-4000:]}"
        )
    return FlowOutcome(**json.loads(lines[-1][len(_MARK) :]), output=output)


# -- the browser ------------------------------------------------------------------------------


def chromium_path() -> str:
    """Debian's Chromium: $CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise StackError(f"Chromium not found.\n{INSTALL_HINT}")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium under Playwright; StackError saying how to install what is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise StackError(f"Playwright is not installed.\n{INSTALL_HINT}") from None
    executable = chromium_path()
    playwright: Playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as error:
            raise StackError(
                f"Chromium at {executable} did not start: {error}\n{INSTALL_HINT}"
            ) from None
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def new_page(browser: Browser, width: int = 1440, height: int = 900) -> Page:
    """A page in a fresh context (no saved form drafts, no UI preference) that never reaches
    past 127.0.0.1: block logos and fonts on the internet are refused at once, not timed out."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])"), lambda r: r.abort())
    return context.new_page()


# -- the UI's pages ---------------------------------------------------------------------------


def open_block_form(page: Page, server: PrefectServer, block_type: str) -> None:
    """Blocks > + > the block type's card in the catalog > Create, as a user clicks it."""
    from playwright.sync_api import expect

    page.goto(f"{server.ui_url}/blocks")
    # The list page rewrites its URL (?page=1&limit=10) as it loads: a click before that ends
    # would be undone by it.
    page.wait_for_load_state("networkidle")
    page.locator('a[href$="/blocks/catalog"]').first.click()
    expect(page).to_have_url(re.compile(r"/blocks/catalog/?$"))
    card = page.locator('[data-slot="card"]').filter(
        has=page.get_by_role("heading", name=block_type, exact=True)
    )
    card.get_by_role("link", name="Create").click()
    expect(page).to_have_url(re.compile(r"/blocks/catalog/[^/]+/create$"))
    expect(page.get_by_label("API URL", exact=True)).to_be_visible()


def fill_credentials_form(page: Page, name: str, values: dict[str, str]) -> None:
    """The block form's Name and the fields given by their label (API URL, Client ID, ...)."""
    from playwright.sync_api import expect

    fields = {"Name": name, **values}
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in fields.items():  # nothing the form did as it settled undid them
        expect(page.get_by_label(label, exact=True)).to_have_value(value)


def form_field(page: Page, label: str) -> Locator:
    """A schema-form property: its label, description, input and (after a check) its errors."""
    return (
        page.locator("div.group")
        .filter(has=page.locator("label").filter(has_text=re.compile(f"^{re.escape(label)}$")))
        .last
    )


def open_flow_run(page: Page, server: PrefectServer, flow_run_id: str, tab: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.ui_url}/runs/flow-run/{flow_run_id}?tab={tab}")
    expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")


def flow_run_detail(page: Page, term: str) -> Locator:
    """A value of the run page's Details tab, e.g. "State Message"."""
    return page.locator("dl").filter(has=page.locator("dt", has_text=term)).locator("dd")


def read_table(page: Page, columns: tuple[str, str] = ("metric", "value")) -> dict[str, str]:
    """A table artifact as rendered on its page, every page of it: first column -> second."""
    from playwright.sync_api import expect

    table = page.locator("table").filter(has=page.locator("th", has_text=columns[0]))
    expect(table.locator("tbody tr").first).to_be_visible()
    rows: dict[str, str] = {}
    while True:
        for row in table.locator("tbody tr").all():
            cells = [c.strip() for c in row.locator("td").all_inner_texts()]
            if len(cells) >= 2:
                rows[cells[0]] = cells[1]
        following = page.get_by_role("button", name=re.compile("next page", re.I))
        if following.count() == 0 or not following.first.is_enabled():
            return rows
        first_row = table.locator("tbody tr td").first.inner_text()
        following.first.click()
        expect(table.locator("tbody tr td").first).not_to_have_text(first_row)
