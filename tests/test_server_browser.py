"""The query page in a real browser: Debian's headless Chromium driven by Playwright.

Needs the `chromium` Debian package (`apt-get install -y chromium`, binary /usr/bin/chromium) and
the `playwright` Python package from the test extra. Playwright's own browser downloads are never
used. Without Chromium the test fails (it does not skip), saying what to install.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_server import RunningServer, served_store_path, start_server, stop_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed ({CHROMIUM} is missing): run "
                    "`apt-get update && apt-get install -y chromium` (Debian's package; do not "
                    "run `playwright install`)", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the playwright Python package is missing: pip install -e '.[test]'",
                    pytrace=False)


def test_chromium_and_playwright_are_installed() -> None:
    """Fails (never skips) on a machine without the browser, saying what to install."""
    _require_browser()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    _require_browser()
    running = start_server(served_store_path(tmp_path_factory))
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser(server: RunningServer) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_query_page_runs_a_canned_query(server: RunningServer, browser: Browser,
                                        tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        page.goto(server.url + "/")
        page.click('[data-query="who-suspended-cfe"]')
        expect(page.locator("#editor")).to_have_value(re.compile(r"SELECT .*\?actor", re.S))
        expect(page.locator("#param-treaty")).to_have_value("cfe-treaty")
        expect(page.locator("#query-title")).to_contain_text("CFE Treaty")
        page.click("#run")

        rows = page.locator("#results tbody tr")
        expect(rows).to_have_count(3)
        expect(page.locator("#results thead th")).to_have_text(
            ["actor", "action", "date", "in_response_to", "fact"])
        expect(page.locator("#results tbody td:first-child")).to_have_text(
            ["NATO allies of the United States", "Russia", "United States"])
        russia = rows.nth(1)
        expect(russia).to_contain_text("withdrawal")
        expect(russia).to_contain_text("2023-11-07")
        fact = russia.get_by_role("link", name="id:russia-withdraws-from-cfe-2023")
        expect(fact).to_have_attribute("href", "/entity/russia-withdraws-from-cfe-2023")
        expect(page.locator("#status")).to_contain_text("3 rows")

        with page.expect_download() as download:
            page.click("#download-csv")
        csv_path = tmp_path / "answer.csv"
        download.value.save_as(csv_path)
        rows = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8"), newline="")))
        assert rows[0] == ["actor", "action", "date", "in_response_to", "fact"]
        assert rows[2][:3] == ["Russia", "withdrawal", "2023-11-07"]
        assert download.value.suggested_filename == "who-suspended-cfe.csv"

        fact.click()
        expect(page.locator("h1")).to_have_text("Russia withdraws from the CFE Treaty")
        expect(page.locator("blockquote").first).to_have_text(
            "On 7 November 2023, Russia withdrew from the treaty")
        expect(page.locator("body")).to_contain_text("attributed to: Armenpress")
    finally:
        context.close()
    assert not problems, problems
    assert requested and all(url.startswith(server.url + "/") for url in requested), requested


def test_query_page_runs_edited_sparql_and_shows_refusals(server: RunningServer,
                                                          browser: Browser) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(server.url + "/")
        page.fill("#editor", "SELECT ?label WHERE { ?s a ckg:State ; rdfs:label ?label } "
                  "ORDER BY ?label")
        page.press("#editor", "Control+Enter")
        expect(page.locator("#results tbody td").first).to_have_text("Afghanistan")
        expect(page.locator("#results tbody td", has_text="Russia")).to_have_count(1)

        page.fill("#editor", "INSERT DATA { id:x rdfs:label 'x' }")
        page.click("#run")
        expect(page.locator("#error")).to_contain_text("400")
        expect(page.locator("#error")).to_contain_text("read-only")
        expect(page.locator("#results")).to_be_empty()
    finally:
        page.close()
