"""`make screenshots` (scripts/screenshots.py) draws the README's network picture from a default
`export html`: the heading it shows is the one a reader's own export shows."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from caucasus_kg.read.export import export

IMAGES = ROOT / "docs" / "images"


def _script():  # noqa: ANN202 - a module loaded from scripts/
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" /
                                                  "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.browser
@pytest.mark.slow
def test_the_network_picture_is_a_default_export(tmp_path: Path) -> None:
    import networkx as nx

    default_title = export("html", nx.MultiDiGraph()).split("<h1>")[1].split("</h1>")[0]
    shots = _script().main(["--out", str(tmp_path), "--only", "network"])
    assert [s.path.name for s in shots] == ["network.png"]
    assert shots[0].title == default_title == "caucasus-kg network"
    assert _png_size(shots[0].path) == _png_size(IMAGES / "network.png") == (1400, 860)
    assert shots[0].path.stat().st_size > 50_000  # drawn, not blank


def test_the_readme_pictures_are_committed() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in ("network.png",):
        assert f"(docs/images/{name})" in readme
        assert 50_000 < (IMAGES / name).stat().st_size < 600_000  # a picture, not a bloat
    assert _png_size(IMAGES / "query-page.png") == (1400, 1180)
    assert "(images/query-page.png)" in (ROOT / "docs" / "server.md").read_text("utf-8")
