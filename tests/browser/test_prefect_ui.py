"""The Prefect UI as a person uses it, in headless Chromium against a real `prefect server`.

One server (its own Prefect home and port), one browser and the session's sandbox serve the
module (about a minute on 2 cores). Flows run in processes of their own with PREFECT_API_URL
pointed at the server, as a user runs them from Python; the test process talks to the server only
inside `talking_to`, so no other test sees it.

What it proves (issue 15's acceptance):
- a credentials block with an API URL without a project key, made in the UI's block form, is
  refused at save time at the API URL field; or, when the UI saves it anyway (Prefect 3.9's form
  does: it checks the values against themselves, not against the block's schema), the run that
  uses it fails with our message as the first line of its state message;
- the same for a block whose scope names another project, which no schema can catch;
- a completed customers run shows, in the UI, the counts, window and watermark of its report in
  its table artifact and our "Plan:" and "Done:" lines in its logs.

Playwright (PyPI) and Debian's Chromium are required: without them the module fails, saying how
to install them (tests/browser/prefect_ui.py INSTALL_HINT); it never skips.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from blocks import CommercetoolsCredentials, HubDatabase
from sandbox import Sandbox
from tests.browser.prefect_ui import (
    CREDENTIALS_SLUG,
    FlowOutcome,
    PrefectServer,
    StackError,
    chromium,
    fill_credentials_form,
    flow_run_detail,
    form_field,
    new_page,
    open_block_form,
    open_flow_run,
    read_table,
    run_flow,
)
from tests.prefect_servers import talking_to

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.sandbox,
    pytest.mark.timeout(300),
]

HUB_BLOCK = "browser-hub"
BLOCK_TYPE = "commercetools Credentials"


@dataclass
class UI:
    server: PrefectServer
    browser: Browser
    sandbox: Sandbox
    tmp: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, flow: str, **parameters: Any) -> FlowOutcome:
        started = time.monotonic()
        try:
            return run_flow(self.server, flow, **parameters)
        except StackError as error:
            pytest.fail(f"{error}\n{self.server.tail()}")
        finally:
            label = f"run {flow} {parameters.get('credentials', '')}".rstrip()
            self.seconds[label] = time.monotonic() - started

    def block_document(self, name: str) -> Any:
        """The saved credentials block of that name, through the API; None when there is none."""
        with talking_to(self.server.api_url):
            with get_client(sync_client=True) as client:
                try:
                    return client.read_block_document_by_name(name, CREDENTIALS_SLUG)
                except ObjectNotFound:
                    return None

    def valid_fields(self, **changes: str) -> dict[str, str]:
        """The block form's fields as the sandbox's API client has them, with `changes`."""
        fields = {
            "API URL": self.sandbox.api_url,
            "Client ID": self.sandbox.client_id,
            "Client Secret": self.sandbox.client_secret,
            "Scope": self.sandbox.scope,
        }
        return {**fields, **changes}


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, sandbox_server: Sandbox) -> Iterator[UI]:
    tmp = tmp_path_factory.mktemp("browser")
    started = time.monotonic()
    with ExitStack() as stack:
        try:
            browser = stack.enter_context(chromium())  # first: a missing browser fails at once
            server = PrefectServer(tmp / "prefect-home")
            stack.callback(server.stop)
            server.start()
            ui = UI(server, browser, sandbox_server, tmp)
            ui.seconds["server"] = time.monotonic() - started
            server.register_blocks()
        except StackError as error:
            pytest.fail(str(error))
        sandbox_server.clear_faults()
        with talking_to(server.api_url):
            HubDatabase(url=f"sqlite:///{tmp / 'hub.db'}").save(
                HUB_BLOCK, overwrite=True, _sync=True
            )
        ui.seconds["setup"] = time.monotonic() - started
        yield ui
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in ui.seconds.items())
    print(f"\nbrowser module: {time.monotonic() - started:.0f} s ({timings})")


@pytest.fixture
def page(ui: UI, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context's page; kept as a PNG in the module's tmp dir when the test fails."""
    page = new_page(ui.browser)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = ui.tmp / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nthe page as the test failed: {shot} ({page.url})")
    page.context.close()


def _save_from_form(ui: UI, page: Page, name: str, fields: dict[str, str]) -> bool:
    """Blocks > + > commercetools Credentials > Create, fill, Save. True: the UI saved it;
    False: it refused it with an error at the API URL field."""
    from playwright.sync_api import expect

    open_block_form(page, ui.server, BLOCK_TYPE)
    fill_credentials_form(page, name, fields)
    secret = page.get_by_label("Client Secret", exact=True)
    expect(secret).to_have_attribute("type", "password")  # masked while typed
    page.get_by_role("button", name="Save", exact=True).click()
    saved = page.get_by_text("Block created successfully")
    refused = form_field(page, "API URL").locator(".text-destructive")
    expect(saved.or_(refused).first).to_be_visible()
    if refused.count():
        return False
    expect(page).to_have_url(re.compile(r"/blocks/block/[0-9a-f-]{36}$"))
    return True


def _first_line_of_state_message(ui: UI, page: Page, outcome: FlowOutcome) -> str:
    """The failed run's page, Details tab: the first line of its State Message as shown."""
    from playwright.sync_api import expect

    open_flow_run(page, ui.server, outcome.flow_run_id, "Details")
    expect(page.get_by_text("Failed", exact=True).first).to_be_visible()
    message = flow_run_detail(page, "State Message")
    expect(message).not_to_be_empty()
    return message.inner_text().strip().splitlines()[0]


def test_a_block_without_project_key_made_in_the_ui_is_refused_or_its_run_says_why(
    ui: UI, page: Page
) -> None:
    from playwright.sync_api import expect

    name = "ui-no-project-key"
    no_key = ui.sandbox.api_url.rsplit("/", 1)[0]  # http://127.0.0.1:<port>: no project key
    started = time.monotonic()
    saved = _save_from_form(ui, page, name, ui.valid_fields(**{"API URL": no_key}))
    ui.seconds["block form"] = time.monotonic() - started

    if not saved:  # the schema's pattern held at save time
        expect(form_field(page, "API URL").locator(".text-destructive").first).not_to_be_empty()
        assert ui.block_document(name) is None, "refused in the form, yet saved"
        print("\nthe UI refused the API URL without a project key at save time")
        return

    # Saved (Prefect 3.9): the run that uses it must say what is wrong, first.
    print("\nthe UI saved a block whose API URL has no project key; checking the run's message")
    document = ui.block_document(name)
    assert document is not None and document.data["api_url"] == no_key
    outcome = ui.run("check_connection", credentials=name)
    assert outcome.type == "FAILED", outcome.output[-3000:]
    first_line = _first_line_of_state_message(ui, page, outcome)
    assert f"credentials block '{name}' cannot be used: API URL" in first_line, first_line
    assert "no project key" in first_line, first_line
    assert "Unable to load" not in first_line and "validate=False" not in first_line


def test_a_block_with_another_projects_scope_saves_and_its_run_says_why(ui: UI, page: Page) -> None:
    name = "ui-other-scope"
    fields = ui.valid_fields(Scope="manage_project:other-shop")
    assert _save_from_form(ui, page, name, fields), "a valid API URL was refused by the form"
    document = ui.block_document(name)
    assert document is not None and document.data["scope"] == "manage_project:other-shop"

    outcome = ui.run("sync_customers", credentials=name, hub=HUB_BLOCK)
    assert outcome.type == "FAILED", outcome.output[-3000:]
    first_line = _first_line_of_state_message(ui, page, outcome)
    assert f"credentials block '{name}' cannot be used: Scope" in first_line, first_line
    assert "other-shop" in first_line, first_line
    assert "Unable to load" not in first_line and "validate=False" not in first_line


def test_a_completed_customers_run_shows_its_counts_window_and_watermark(
    ui: UI, page: Page
) -> None:
    from playwright.sync_api import expect

    name = "ui-sandbox"
    with talking_to(ui.server.api_url):
        CommercetoolsCredentials(
            api_url=ui.sandbox.api_url,
            client_id=ui.sandbox.client_id,
            client_secret=ui.sandbox.client_secret,
            scope=ui.sandbox.scope,
        ).save(name, overwrite=True, _sync=True)  # Playwright keeps a loop running
    outcome = ui.run("sync_customers", credentials=name, hub=HUB_BLOCK, mode="full")
    assert outcome.completed, outcome.output[-3000:]
    report = outcome.report
    assert report is not None and report["mode"] == "full"
    started = time.monotonic()

    # The run's page: its name says what ran; the Artifacts tab lists the table by key.
    open_flow_run(page, ui.server, outcome.flow_run_id, "Artifacts")
    expect(page.get_by_text(re.compile(r"^customers-full-\d{8}-\d{6}$")).first).to_be_visible()
    key = f"ct-{report['project_key']}-customers"
    card = page.get_by_text(key, exact=True)
    expect(card).to_be_visible()
    card.click()
    expect(page).to_have_url(re.compile(r"/artifacts/artifact/"))
    shown = read_table(page)
    assert shown["status"] == "completed", shown
    assert shown["fetched"] == str(report["fetched"]), shown
    assert shown["window"] == report["window"], shown
    assert shown["watermark"] == report["watermark"], shown
    assert report["watermark"].startswith("moved from "), report["watermark"]
    assert shown["retries"] == str(report["retries"]), shown  # a row of the table's 2nd page

    # The Logs tab: the plan, then the outcome with the watermark.
    open_flow_run(page, ui.server, outcome.flow_run_id, "Logs")
    expect(page.get_by_text(re.compile(r"^Plan: customers full \(")).first).to_be_visible()
    done = page.get_by_text(
        re.compile(
            rf"^Done: customers full: fetched {report['fetched']}\b.*; watermark moved from "
        )
    )
    expect(done.first).to_be_visible()
    assert f"watermark {report['watermark']}" in done.first.inner_text()
    ui.seconds["completed run pages"] = time.monotonic() - started
