"""The query page (YASGUI: the YASQE editor and YASR results) in a real browser: Debian's headless
Chromium driven by Playwright. Every request the page makes must go to the server itself.

Needs the `chromium` Debian package (`apt-get install -y chromium`, binary /usr/bin/chromium) and
the `playwright` Python package from the test extra. Playwright's own browser downloads are never
used. Without Chromium the test fails (it does not skip), saying what to install.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_server import RunningServer, served_store_path, start_server, stop_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WEB = Path(__file__).resolve().parents[1] / "src" / "caucasus_kg" / "web"
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


@contextlib.contextmanager
def headless_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; closed on leaving."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser(server: RunningServer) -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


def set_query(page: Page, text: str) -> None:
    """Replace the editor's text as a person would: select all, delete, type (as text input, so
    that the editor's bracket closing does not add to it)."""
    page.click("#editor .CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def editor_text(page: Page) -> str:
    return page.evaluate("queryPage.yasqe.getValue()")


class Watched:
    """A page that records console errors and warnings, page errors and every URL requested."""

    def __init__(self, browser: Browser, **options: object) -> None:
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.requested: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("request", lambda r: self.requested.append(r.url))

    def open(self, url: str) -> Page:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='true']")
        return self.page

    def check(self, server: RunningServer) -> None:
        assert not self.problems, self.problems
        assert self.requested, "no request recorded"
        elsewhere = [u for u in self.requested if not u.startswith(server.url + "/")]
        assert not elsewhere, f"the page asked another host: {elsewhere}"


ROWS = "#results table.dataTable tbody tr"
ENTITY_NS = "https://w3id.org/caucasus-kg/id/"


def test_query_page_runs_a_catalogue_question(server: RunningServer, browser: Browser,
                                              tmp_path: Path) -> None:
    from playwright.sync_api import expect

    watched = Watched(browser, accept_downloads=True)
    page = watched.open(server.url + "/")
    try:
        # the vendored YASGUI is what draws the editor and the results
        expect(page.locator("#editor .yasqe .CodeMirror")).to_have_count(1)
        expect(page.locator("#results .yasr")).to_have_count(1)
        page.click('[data-query="who-suspended-cfe"]')
        assert re.search(r"SELECT .*\?actor", editor_text(page), re.S)
        expect(page.locator("#param-treaty")).to_have_value("cfe-treaty")
        expect(page.locator("#query-title")).to_contain_text("CFE Treaty")
        # the catalogue's text uses the predeclared prefixes without PREFIX lines: no syntax
        # error is marked
        expect(page.locator("#editor .CodeMirror-gutter-elt .parseErrorIcon")).to_have_count(0)
        page.click("#run")

        # the page shows the endpoint's answer, row by row and in its order
        answer = json.loads(urllib.request.urlopen(urllib.request.Request(
            server.url + "/queries/who-suspended-cfe?treaty=cfe-treaty",
            headers={"Accept": "application/sparql-results+json"})).read())
        columns = answer["head"]["vars"]
        expected = [[row[c]["value"] if c in row else "" for c in columns]
                    for row in answer["results"]["bindings"]]
        assert columns[:2] == ["actor", "action"] and columns[-1] == "fact"
        assert len(expected) >= 3
        rows = page.locator(ROWS)
        expect(rows).to_have_count(len(expected))
        expect(page.locator("#results table.dataTable thead th")).to_have_text(columns)
        expect(page.locator(f"{ROWS} td:first-child")).to_have_text([r[0] for r in expected])
        expect(page.locator(f"{ROWS} td:nth-child(2)")).to_have_text([r[1] for r in expected])
        withdrawal = f"{ENTITY_NS}russia-withdraws-from-cfe-2023"
        index = [r[-1] for r in expected].index(withdrawal)
        russia = rows.nth(index)
        expect(russia).to_contain_text("Russia")
        expect(russia).to_contain_text("withdrawal")
        expect(russia).to_contain_text("2023-11-07")
        fact = russia.get_by_role("link", name="id:russia-withdraws-from-cfe-2023")
        expect(fact).to_have_attribute("href", "/entity/russia-withdraws-from-cfe-2023")
        expect(page.locator("#status")).to_contain_text(f"{len(expected)} rows")

        # the result views: the table, a pivot, the raw response; no chart (nothing numeric)
        expect(page.locator(".yasr .select_pivot")).not_to_have_class(re.compile("disabled"))
        expect(page.locator(".yasr .select_chart")).to_have_class(re.compile("disabled"))
        page.click(".yasr .select_pivot")
        pivot = page.locator(".ckg-pivot table")  # actors down, kinds of action across
        expect(pivot.locator("thead th").first).to_have_text("actor \\ action")
        expect(pivot.locator("tbody th")).to_have_count(len({r[0] for r in expected}))
        assert set(pivot.locator("tbody th").all_inner_texts()) == {r[0] for r in expected}
        assert set(pivot.locator("thead th").all_inner_texts()[1:]) == {r[1] for r in expected}
        counts = [int(c) for c in pivot.locator("tbody td").all_inner_texts() if c]
        assert sum(counts) == len(expected)
        page.click(".yasr .select_table")
        expect(rows).to_have_count(len(expected))

        with page.expect_download() as download:
            page.click("#download-csv")
        csv_path = tmp_path / "answer.csv"
        download.value.save_as(csv_path)
        lines = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8"), newline="")))
        assert lines == [columns, *expected]  # no cell here starts like a formula
        assert download.value.suggested_filename == "who-suspended-cfe.csv"

        fact.click()
        expect(page.locator("h1")).to_have_text("Russia withdraws from the CFE Treaty")
        expect(page.locator("blockquote").first).to_have_text(
            "On 7 November 2023, Russia withdrew from the treaty")
        expect(page.locator("body")).to_contain_text("attributed to: Armenpress")
    finally:
        watched.context.close()
    watched.check(server)


def test_completion_asked_before_the_terms_arrive_offers_only_matching_terms(
        server: RunningServer, browser: Browser) -> None:
    """Ctrl+Space pressed while the page still waits for the graph's terms shows the terms that
    start with what was typed once they arrive, not every term."""
    from playwright.sync_api import Route, expect

    watched = Watched(browser)
    held: list[Route] = []

    def hold_terms(route: Route) -> None:
        if "%3Fterm+%3Fkind" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    watched.context.route("**/sparql", hold_terms)
    page = watched.open(server.url + "/")
    try:
        set_query(page, "SELECT * WHERE {\n  ?s a ckg:Stat")
        page.keyboard.press("Control+Space")
        assert len(held) == 1, "the terms were not asked for, or not held"
        held[0].continue_()
        expect(page.locator(".CodeMirror-hints li")).to_have_text(["ckg:State"])
    finally:
        watched.context.close()
    watched.check(server)


def test_typed_query_completes_terms_and_runs(server: RunningServer, browser: Browser) -> None:
    from playwright.sync_api import expect

    watched = Watched(browser)
    page = watched.open(server.url + "/")
    try:
        set_query(page, "SELECT ?label ?n WHERE {\n  ?s a ckg:Stat")
        page.keyboard.press("Control+Space")
        hints = page.locator(".CodeMirror-hints li")
        expect(hints).to_have_text(["ckg:State"])  # a class of the ontology, from the graph
        page.keyboard.press("Enter")
        page.keyboard.insert_text(" ; rdfs:lab")
        page.keyboard.press("Control+Space")
        expect(hints.first).to_have_text("rdfs:label")  # a property
        page.keyboard.press("Enter")
        page.keyboard.insert_text(" ?label . BIND(STRLEN(?label) AS ?n) }\nORDER BY ?label")
        assert editor_text(page) == ("SELECT ?label ?n WHERE {\n  ?s a ckg:State ; rdfs:label "
                                     "?label . BIND(STRLEN(?label) AS ?n) }\nORDER BY ?label")
        page.keyboard.press("Control+Enter")
        cells = page.locator(f"{ROWS} td:first-child")
        expect(cells.first).to_have_text("Afghanistan")
        expect(cells.filter(has_text="Russia")).to_have_count(1)
        labels = cells.all_inner_texts()
        assert labels == sorted(labels) and len(labels) >= 5
        expect(page.locator("#status")).to_contain_text(f"{len(labels)} rows")

        # a numeric column can be drawn: one bar per row, as long as the number
        page.click(".yasr .select_chart")
        bars = page.locator(".ckg-chart rect.bar")
        expect(bars).to_have_count(len(labels))
        widths = [float(w) for w in bars.evaluate_all("bs => bs.map(b => b.getAttribute('width'))")]
        lengths = [len(label) for label in labels]
        longest = lengths.index(max(lengths))
        assert widths[longest] == max(widths)
        assert widths[lengths.index(min(lengths))] < max(widths)
    finally:
        watched.context.close()
    watched.check(server)


def test_refusals_and_limits_are_shown(server: RunningServer, browser: Browser) -> None:
    from playwright.sync_api import expect

    watched = Watched(browser)
    page = watched.open(server.url + "/")
    try:
        set_query(page, "SELECT ?label WHERE { ?s a ckg:State ; rdfs:label ?label }")
        page.click("#run")
        expect(page.locator(ROWS).first).to_be_visible()

        set_query(page, "INSERT DATA { id:x rdfs:label 'x' }")
        page.click("#run")
        expect(page.locator("#error")).to_contain_text("400")
        expect(page.locator("#error")).to_contain_text("read-only")
        expect(page.locator("#results")).to_be_hidden()
        expect(page.locator("#download-csv")).to_be_disabled()

        set_query(page, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
        page.click("#run")
        expect(page.locator("#error")).to_contain_text(
            "the answer has more than 10000 rows, the limit of this")
        expect(page.locator("#results")).to_be_hidden()
    finally:
        watched.context.close()
    # the refusals are answers with an error status, which Chromium reports on the console
    watched.problems = [p for p in watched.problems
                        if "the server responded with a status of 400" not in p]
    watched.check(server)


def test_vendored_yasgui_is_served_and_its_one_inline_style_is_allowed(
        server: RunningServer) -> None:
    """The page's policy allows no inline style but the one YASGUI's column resizer adds, by its
    hash: the hash of that stylesheet in the vendored bundle, so an update that changes it fails
    here rather than in a reader's console."""
    for name, media in (("vendor/yasgui/yasgui.min.js", "text/javascript"),
                        ("vendor/yasgui/yasgui.min.css", "text/css"),
                        ("results.js", "text/javascript")):
        with urllib.request.urlopen(f"{server.url}/static/{name}") as response:
            assert response.headers["Content-Type"].startswith(media), name
            body = response.read()
        assert body == (WEB / name).read_bytes()
    assert b"sourceMappingURL" not in (WEB / "vendor/yasgui/yasgui.min.js").read_bytes()
    with urllib.request.urlopen(server.url + "/") as response:
        policy = response.headers["Content-Security-Policy"]
    bundle = (WEB / "vendor/yasgui/yasgui.min.js").read_text("utf-8")
    style = re.search(r"createStyle\(a,`([^`]*)`\)", bundle)
    assert style, "the column resizer's stylesheet is not in the bundle any more"
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}';" in policy
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "unsafe" not in policy
