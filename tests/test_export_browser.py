"""The exported HTML page in a real browser: headless Chromium (Debian's package) driven by
Playwright, opened from a file:// URL with the network off.

It checks that the nodes are drawn, that clicking Russia's withdrawal shows its evidence quote in
the side panel, that search and the claims switch work, that the layout is the same on every
load, and that nothing is requested from outside or logged as an error.

The picture in docs/images/network.png is drawn by ``make screenshots`` (scripts/screenshots.py)
from a default export; tests/test_page_screenshots.py checks that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_export import FIXTURE, make_project, make_register, store_of

from caucasus_kg.read.export import export_html, export_timeline
from caucasus_kg.read.network import Filters, build_network

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
WITHDRAWAL = "id:russia-withdraws-from-cfe-2023"
QUOTE = "On 7 November 2023, Russia withdrew from the treaty"


@pytest.fixture(scope="module")
def launch() -> Iterator[Callable[[], object]]:
    """Launches Chromium on first use, inside the test, so that a missing browser fails the test
    (with what to install) rather than skipping it or erroring in set-up."""
    state: dict[str, object] = {}

    def get() -> object:
        if "browser" not in state:
            if not CHROMIUM.exists():
                pytest.fail(f"headless Chromium is not installed ({CHROMIUM} is missing): "
                            "apt-get install chromium")
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                pytest.fail("the Python package playwright is missing: .venv/bin/pip install -e "
                            "'.[test]' (the test uses Debian's chromium: never run "
                            "`playwright install`)")
            state["playwright"] = sync_playwright().start()
            state["browser"] = state["playwright"].chromium.launch(
                executable_path=str(CHROMIUM), args=ARGS)
        return state["browser"]

    yield get
    if "browser" in state:
        state["browser"].close()
        state["playwright"].stop()


class Page:
    """A page opened offline, recording console errors and any request that is not file://."""

    def __init__(self, browser, path: Path, width: int = 1400, height: int = 860,
                 ready: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           device_scale_factor=1, offline=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        if ready:  # the network page says when it has drawn; the timeline is drawn on load
            self.page.wait_for_selector("body[data-ready='true']", timeout=30_000)

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, script: str, arg: object = None) -> object:
        return self.page.evaluate(script, arg)

    def close(self) -> None:
        self.context.close()


PAINTED = """() => {
  let painted = 0;
  for (const canvas of document.querySelectorAll('#cy canvas')) {
    const ctx = canvas.getContext('2d');
    if (!ctx || !canvas.width || !canvas.height) continue;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  }
  return painted;
}"""

CENTRE_ON = """(id) => {
  const node = cy.getElementById(id);
  cy.zoom(1.6);
  cy.center(node);
  const p = node.renderedPosition();
  const box = cy.container().getBoundingClientRect();
  return {x: box.left + p.x, y: box.top + p.y};
}"""


def test_page_draws_the_graph_offline_and_shows_evidence(launch, store, tmp_path: Path) -> None:
    browser = launch()
    # The founding article's facts and claims and what they refer to: its 57 entries and the
    # denunciation law that authorised Russia's withdrawal (graphs/cfe-participation.yaml).
    graph = build_network(store, Filters(source="armenpress-azerbaijan-arms-imports"))
    path = tmp_path / "graph.html"
    path.write_text(export_html(graph, "caucasus-kg: the founding article"), "utf-8")
    view = Page(browser, path)
    try:
        assert view.js("cy.nodes().length") == graph.number_of_nodes() == 57 + 1
        assert view.js("cy.edges().length") == graph.number_of_edges()
        assert view.js(PAINTED) > 20_000, "the canvas is blank"

        where = view.js(CENTRE_ON, WITHDRAWAL)
        view.page.mouse.click(where["x"], where["y"])
        panel = view.page.locator("#panel")
        panel.get_by_text(QUOTE).wait_for(timeout=5_000)
        text = panel.inner_text()
        assert "Russia withdraws from the CFE Treaty" in text
        assert "attributed to Armenpress" in text and "characters 2866\u20132917" in text
        assert "quote of a stored text" in text  # the evidence's kind
        assert "Azerbaijan named one of biggest arms importers in the world" in text
        assert view.js("cy.$(':selected').map(e => e.id())") == [WITHDRAWAL]
        view.js("cy.fit(undefined, 30); if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }")
        shot = tmp_path / "network.png"
        view.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000

        zoom = view.js("cy.zoom()")
        view.page.click("#zoom-in")
        assert view.js("cy.zoom()") > zoom
        view.page.click("#fit")
        assert view.js("cy.zoom()") < zoom * 1.3

        view.page.fill("#search", "Russia withdraws")
        assert view.page.inner_text("#search-count") == "1 match"
        view.page.press("#search", "Escape")
        view.page.uncheck("#show-claims")
        assert view.js("cy.nodes('[kind = \"claim\"]').filter(n => n.visible()).length") == 0
        assert view.js("cy.nodes(':visible').length") == 57 + 1 - 24

        assert view.blocked == [], "the page tried to load something from outside"
        assert view.errors == []
    finally:
        view.close()


LABEL_OVERLAPS = """() => {
  const view = cy.extent();
  const boxes = cy.nodes(':visible').filter(n => n.data('display')).map(n => ({
    id: n.id(), shown: n.boundingBox({includeLabels: true}),
    b: n.renderedBoundingBox({includeLabels: true, includeNodes: false, includeOverlays: false})
  })).filter(x => x.b.w > 0 && x.shown.x2 > view.x1 && x.shown.x1 < view.x2
                  && x.shown.y2 > view.y1 && x.shown.y1 < view.y2);
  const pairs = [];
  let area = 0, total = 0;
  for (const x of boxes) total += x.b.w * x.b.h;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].b, c = boxes[j].b;
    const w = Math.min(a.x2, c.x2) - Math.max(a.x1, c.x1);
    const h = Math.min(a.y2, c.y2) - Math.max(a.y1, c.y1);
    if (w > 0.5 && h > 0.5) { pairs.push([boxes[i].id, boxes[j].id, Math.round(w * h)]); area += w * h; }
  }
  return {labels: boxes.length, pairs, share: area / total};
}"""
"""The labels drawn in the current view (rendered boxes of each node's label) and the pairs of them
that overlap, with the overlapping area as a share of all their area."""


def test_labels_do_not_overlap_on_the_article_graph(launch, store, tmp_path: Path) -> None:
    """The founding article's graph drew its labels around Azerbaijan and the United States into
    a knot. Measured on the rendered label boxes: at the whole-graph view and zoomed in on both."""
    browser = launch()
    graph = build_network(store)
    path = tmp_path / "article.html"
    path.write_text(export_html(graph), "utf-8")
    view = Page(browser, path)
    try:
        whole = view.js(LABEL_OVERLAPS)
        assert whole["labels"] == graph.number_of_nodes() >= 57
        assert whole["pairs"] == [], whole  # the threshold: no pair overlaps by half a pixel
        for centre in ("id:azerbaijan", "id:united-states"):
            view.js(CENTRE_ON, centre)
            close = view.js(LABEL_OVERLAPS)
            assert close["labels"] >= 8, close
            assert close["pairs"] == [], (centre, close)
        assert view.errors == [] and view.blocked == []
    finally:
        view.close()


def test_layout_is_the_same_on_every_load(launch, tmp_path: Path) -> None:
    browser = launch()
    root = make_project(tmp_path / "project", FIXTURE / "graphs")
    path = tmp_path / "mini.html"
    path.write_text(export_html(build_network(store_of(root))), "utf-8")
    positions = []
    for _ in range(2):
        view = Page(browser, path, 900, 700)
        positions.append(view.js("cy.nodes().map(n => [n.id(), n.position('x'), "
                                 "n.position('y')])"))
        assert view.errors == [] and view.blocked == []
        # an aggregated transfer edge shows its transfers and their quotes when clicked
        view.js("void cy.getElementById('id:israel|ckg:ArmsTransfer|id:azerbaijan').emit('tap')")
        text = view.page.inner_text("#panel")
        assert "Israeli drones for Azerbaijan (2016)" in text
        assert "In 2018 Israel delivered more drones" in text
        view.close()
    assert positions[0] == positions[1]


def test_hundreds_of_nodes_are_drawn(launch, tmp_path: Path) -> None:
    browser = launch()
    graph = build_network(make_register(tmp_path / "project"), Filters(aggregate=False))
    path = tmp_path / "register.html"
    path.write_text(export_html(graph), "utf-8")
    view = Page(browser, path)
    try:
        assert view.js("cy.nodes().length") == 308
        assert view.js(PAINTED) > 20_000
        assert view.errors == [] and view.blocked == []
    finally:
        view.close()


LANE_NAMES = """() => Array.from(document.querySelectorAll('g.lane')).map(lane => {
  const label = lane.querySelector('text.lane-label');
  const band = lane.querySelector('rect').getBBox();
  const box = label.getBBox();
  const firstYear = Math.min(...Array.from(document.querySelectorAll('g.axis line'))
    .map(l => Number(l.getAttribute('x1'))));
  const lines = Array.from(label.querySelectorAll('tspan'));
  return {lane: lane.dataset.lane,
          shown: lines.length ? lines.map(t => t.textContent).join(' ') : label.textContent,
          widest: Math.max(...(lines.length ? lines : [label]).map(t => t.getComputedTextLength())),
          left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height,
          bandTop: band.y, bandBottom: band.y + band.height, plotLeft: firstYear};
})"""


def test_timeline_lane_names_are_wrapped_not_cut(launch, store, tmp_path: Path) -> None:
    """Lane names such as "Presidential authority to waive Section 907" were cut with an
    ellipsis; each is now shown whole, on as many lines as it needs, inside its lane and left
    of the time axis."""
    browser = launch()
    path = tmp_path / "timeline.html"
    path.write_text(export_timeline(build_network(store), group_by="treaty"), "utf-8")
    view = Page(browser, path, ready=False)
    try:
        lanes = view.js(LANE_NAMES)
        names = [lane["lane"] for lane in lanes]
        assert "Presidential authority to waive Section 907" in names
        assert any(len(name) > 40 for name in names)
        for lane in lanes:
            assert lane["shown"] == lane["lane"] and "\u2026" not in lane["shown"], lane
            assert lane["left"] >= 0 and lane["right"] <= lane["plotLeft"] - 2, lane
            assert lane["top"] >= lane["bandTop"] and lane["bottom"] <= lane["bandBottom"], lane
            assert lane["widest"] <= lane["plotLeft"] - 12, lane
        assert view.errors == [] and view.blocked == []
    finally:
        view.close()
