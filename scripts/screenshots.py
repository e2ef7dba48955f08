"""Redraw the pictures of the README and the docs with headless Chromium (`make screenshots`).

- docs/images/network.png: the page of a default `caucasus-kg export html` (no option but
  `-o`) of the shipped project, Russia's withdrawal from the CFE Treaty clicked, so that what the
  picture shows (title and all) is what a reader's own export shows;
- docs/images/query-page.png: the query page of `caucasus-kg serve`, the catalogue question
  `who-suspended-cfe` run.

The project is built into a fresh store in a temporary folder, so a store or imports of the
working copy do not change the pictures. Needs Debian's Chromium (/usr/bin/chromium) and the
playwright Python package (the test extra).

    python scripts/screenshots.py [--out FOLDER] [--only network|query-page]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
WITHDRAWAL = "id:russia-withdraws-from-cfe-2023"
VIEWPORT = {"width": 1400, "height": 860}


@dataclass
class Shot:
    path: Path
    title: str
    """The heading the picture shows."""


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command on the project at the top of this repository with ``store``."""
    return subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(ROOT),
                           "--store", str(store), *args], capture_output=True, text=True,
                          check=True, stdin=subprocess.DEVNULL)


def _browser(playwright):  # noqa: ANN001, ANN202 - playwright is imported only when run
    if not CHROMIUM.exists():
        sys.exit(f"Chromium is not installed ({CHROMIUM} is missing): apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def network(store: Path, out: Path, work: Path) -> Shot:
    """The exported network page with Russia's withdrawal selected, the whole graph in view."""
    from playwright.sync_api import sync_playwright  # lazy: a test dependency, only when run

    page_file = work / "network.html"
    cli(store, "export", "html", "-o", str(page_file))
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                          offline=True)
            page = context.new_page()
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready='true']", timeout=60_000)
            where = page.evaluate("""(id) => {
              const node = cy.getElementById(id);
              cy.zoom(1.6);
              cy.center(node);
              const p = node.renderedPosition();
              const box = cy.container().getBoundingClientRect();
              return {x: box.left + p.x, y: box.top + p.y};
            }""", WITHDRAWAL)
            page.mouse.click(where["x"], where["y"])  # as a reader does
            page.get_by_text("On 7 November 2023, Russia withdrew from the treaty").wait_for()
            page.evaluate("cy.fit(undefined, 30); if (cy.zoom() > 1.5) { cy.zoom(1.5); "
                          "cy.center(); }")
            page.screenshot(path=str(out))
            return Shot(out, page.inner_text("h1"))
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def query_page(store: Path, out: Path, work: Path) -> Shot:
    """The query page with the catalogue question who-suspended-cfe run."""
    from playwright.sync_api import sync_playwright  # lazy: a test dependency, only when run

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "caucasus_kg.cli", "--project",
                                   str(ROOT), "--store", str(store), "serve", "--port",
                                   str(port)], stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/queries", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start: "
                             + (work / "server.log").read_text(errors="replace")[-2000:])
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = _browser(playwright)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1180},
                                        device_scale_factor=1)
                page.goto(url + "/")
                page.wait_for_selector("body[data-ready='true']")
                page.click('[data-query="who-suspended-cfe"]')
                page.click("#run")
                page.wait_for_selector("#results table.dataTable tbody tr")
                page.evaluate("queryPage.yasqe.scrollTo(0, 0)")
                page.screenshot(path=str(out))
                return Shot(out, page.inner_text("#query-title"))
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


PICTURES = {"network": network, "query-page": query_page}


def main(argv: list[str] | None = None) -> list[Shot]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the pictures")
    parser.add_argument("--only", choices=sorted(PICTURES), help="draw this picture only")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory(prefix="caucasus-kg-screenshots-") as folder:
        work = Path(folder)
        store = work / "store"
        cli(store, "build")
        for name, draw in PICTURES.items():
            if args.only in (None, name):
                shot = draw(store, args.out / f"{name}.png", work)
                print(f"wrote {shot.path} ({shot.title})")
                shots.append(shot)
    return shots


if __name__ == "__main__":
    main()
