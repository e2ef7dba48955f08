"""The review page of a draft in a real browser (Debian's headless Chromium driven by Playwright,
opened from a file:// URL with the network off): every drafted entry is highlighted on its
sentence, clicking an entry scrolls the article to its sentence and marks its quote, clicking a
highlight selects its entry, and nothing is requested from outside or logged as an error.

``CAUCASUS_KG_UPDATE_SCREENSHOT=1`` also saves docs/images/draft-review.png.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from conftest import ROOT
from test_export_browser import Page, launch  # noqa: F401  (launch is a fixture)

ARTICLE = ROOT / "graphs" / "sources" / "armenpress-azerbaijan-arms-imports.txt"
SCREENSHOT = ROOT / "docs" / "images" / "draft-review.png"

VISIBLE = """(id) => {
  const pane = document.getElementById('article').getBoundingClientRect();
  const box = document.getElementById(id).getBoundingClientRect();
  return box.top >= pane.top && box.bottom <= pane.bottom;
}"""


def test_review_page_highlights_entries_and_scrolls_to_their_sentences(
        launch, built_template: Path, tmp_path: Path, cli, monkeypatch) -> None:  # noqa: F811
    root = tmp_path / "project"
    shutil.copytree(built_template, root, symlinks=True)
    monkeypatch.chdir(root)
    code, out, err = cli("draft", ARTICLE, "--publisher", "armenpress", "-o", "d/article.yaml",
                         "--page", "d/review.html", "-f", "json")
    assert code == 0, err
    report = json.loads(out)
    entries = report["entries"]
    assert len(entries) > 20
    view = Page(launch(), root / "d" / "review.html", width=1200, height=600)
    try:
        marked = view.js("""() => Array.from(document.querySelectorAll('mark.q'))
            .map(m => [m.getAttribute('data-entries'), m.textContent])""")
        covered = {name for names, _ in marked for name in names.split()}
        assert covered == {f"e{n + 1}" for n in range(len(entries))}  # every entry drawn
        for n, entry in enumerate(entries):  # its marks spell its quote
            text = "".join(t for names, t in marked if f"e{n + 1}" in names.split())
            assert entry["quote"] in text.replace("\n", " ") or text in entry["quote"]
        assert view.js("document.getElementById('article').scrollTop") == 0
        assert view.js("document.getElementById('article').scrollHeight > "
                       "document.getElementById('article').clientHeight")

        last = len(entries)
        sentence = view.js(f"document.querySelector('.entry[data-entry=\"e{last}\"]')"
                           ".getAttribute('data-sentence')")
        assert not view.js(VISIBLE, sentence)
        view.page.locator(f'.entry[data-entry="e{last}"]').click()
        view.page.wait_for_function(
            f"document.getElementById('{sentence}').classList.contains('current')")
        assert view.js("document.getElementById('article').scrollTop") > 0
        assert view.js(VISIBLE, sentence)
        active = view.js("""() => Array.from(document.querySelectorAll('mark.q.active'))
            .map(m => m.getAttribute('data-entries'))""")
        assert active and all(f"e{last}" in a.split() for a in active)

        view.page.locator('mark.q[data-entries~="e1"]').first.click()
        assert view.js("document.querySelector('.entry.active').getAttribute('data-entry')") \
            == "e1"
        if os.environ.get("CAUCASUS_KG_UPDATE_SCREENSHOT"):
            view.page.screenshot(path=str(SCREENSHOT))
        assert view.errors == []
        assert view.blocked == []
    finally:
        view.close()
