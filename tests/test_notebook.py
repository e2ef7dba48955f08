"""The example notebook (docs/notebooks/caucasus-kg-tour.md, jupytext Markdown) runs from a clean
kernel on a copy of the project, imports the SIPRI excerpt, answers its questions with the
expected rows and writes its pictures."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient
from project_files import ROOT

pytestmark = pytest.mark.slow  # the tour runs in a kernel of its own: about 15 s

NOTEBOOK = ROOT / "docs" / "notebooks" / "caucasus-kg-tour.md"
SIPRI = ROOT / "tests" / "fixtures" / "import" / "sipri_deliveries_AZE_ARM.csv"


def sipri_totals() -> dict[str, tuple[Decimal, set[int]]]:
    """Per recipient, the TIV delivered and the delivery years, read from the export itself."""
    lines = SIPRI.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SIPRI AT Database ID"))
    totals: dict[str, tuple[Decimal, set[int]]] = defaultdict(lambda: (Decimal(0), set()))
    for row in csv.DictReader(lines[start:]):
        tiv, years = totals[row["Recipient"]]
        totals[row["Recipient"]] = (tiv + Decimal(row["TIV delivery values"]),
                                    years | {int(row["Delivery year"])})
    return dict(totals)


def text_of(cell: dict) -> str:
    """Everything a cell printed or displayed as text."""
    parts = []
    for output in cell["outputs"]:
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory, built_template: Path):
    """The notebook executed by a kernel of this Python (a kernel spec written to a temporary
    Jupyter path), with the project, the SIPRI export and the output folder given by the
    environment variables its parameter cell reads."""
    work = tmp_path_factory.mktemp("notebook")
    project = work / "project"
    shutil.copytree(built_template, project)
    output = work / "out"
    output.mkdir()
    kernels = work / "jupyter" / "kernels" / "caucasus-kg-test"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "caucasus-kg tests", "language": "python",
        "env": {"PYTHONPATH": str(ROOT / "src")}}), "utf-8")
    patch = pytest.MonkeyPatch()
    for name, value in {"JUPYTER_PATH": str(work / "jupyter"),
                        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
                        "IPYTHONDIR": str(work / "ipython"),
                        "MPLCONFIGDIR": str(work / "matplotlib"),
                        "CAUCASUS_KG_PROJECT": str(project), "CAUCASUS_KG_SIPRI": str(SIPRI),
                        "CAUCASUS_KG_TOUR_OUTPUT": str(output)}.items():
        patch.setenv(name, value)
    patch.delenv("CAUCASUS_KG_STORE", raising=False)
    try:
        notebook = jupytext.read(NOTEBOOK)
        NotebookClient(notebook, timeout=120, kernel_name="caucasus-kg-test",
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        patch.undo()
    cells = {tag: cell for cell in notebook.cells if cell.cell_type == "code"
             for tag in cell.metadata.get("tags", [])}
    return cells, output, project


def test_the_notebook_is_kept_as_markdown_only() -> None:
    assert jupytext.read(NOTEBOOK).metadata["jupytext"]["formats"] == "ipynb,md"
    assert not list(NOTEBOOK.parent.glob("*.ipynb"))


def test_it_imports_the_sipri_export_into_its_project(executed) -> None:
    _, _, project = executed
    assert (project / "imports" / "sipri-sipri_deliveries_AZE_ARM.nt").is_file()


def test_the_three_questions_have_their_answers(executed, cli) -> None:
    cells, _, project = executed
    who = text_of(cells["who-suspended-cfe"])
    assert "Russia" in who and "withdrawal" in who and who.count("2023-11-07") == 3
    code, out, _ = cli("--project", project, "query", "claims-about", "-p", "entity=Azerbaijan",
                       "-f", "csv")
    assert code == 0
    counts = Counter(row["claimant"] for row in csv.DictReader(out.splitlines()))
    shown = text_of(cells["claims-about"]).splitlines()
    assert shown[0] == "claimant" and len(shown) == len(counts) + 2  # and a "Name:" line
    for line in shown[1:-1]:
        name, count = line.rsplit(maxsplit=1)
        assert counts[name.strip()] == int(count), line
    suppliers = text_of(cells["top-suppliers"])
    for name, tiv in (("Georgia", "69.00"), ("Israel", "46.00"), ("Türkiye", "28.80")):
        assert name in suppliers and tiv in suppliers, suppliers


def test_the_deliveries_per_year_add_up_to_the_export(executed) -> None:
    """The years and each recipient's total TIV in the notebook's table are the export's own
    (the table spreads a deal over its years, so only the totals are compared)."""
    cells, _, _ = executed
    table = text_of(cells["deliveries"]).splitlines()
    header = table[0].split()
    assert header == ["recipient", "Armenia", "Azerbaijan"]
    rows = {int(line.split()[0]): [Decimal(v) for v in line.split()[1:]]
            for line in table[2:]}
    expected = sipri_totals()
    assert set(rows) == expected["Armenia"][1] | expected["Azerbaijan"][1]
    for column, recipient in enumerate(header[1:]):
        total = sum(values[column] for values in rows.values())
        assert abs(total - expected[recipient][0]) < Decimal("0.05"), recipient
        assert {year for year, values in rows.items() if values[column]} == expected[recipient][1]


def test_the_pictures_are_written(executed) -> None:
    cells, output, _ = executed
    for name in ("sipri-deliveries.png", "cfe-network.png"):
        data = (output / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, name
    assert any("image/png" in o.get("data", {}) for o in cells["plot"]["outputs"])
    network = text_of(cells["network"])
    assert "Russia withdraws from the CFE Treaty" in network
    assert "Harutyunov" not in network  # claims are left out


def test_the_explanation_cell_shows_the_quote(executed) -> None:
    cells, _, _ = executed
    shown = text_of(cells["explain"])
    assert "On 7 November 2023, Russia withdrew from the treaty" in shown
    assert "Armenpress" in shown
