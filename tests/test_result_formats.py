"""`caucasus-kg query --format` writes the standard SPARQL 1.1 result formats, byte for byte what
`caucasus-kg serve` sends for the same question and format; an independent parser (rdflib's) reads
them back into the rows of the table people see; a format that does not fit the answer is refused
with the same words on both sides."""

from __future__ import annotations

import io
import urllib.parse

import pyoxigraph as ox
import pytest
from cli_run import invoke
from rdflib import BNode, Literal, URIRef
from rdflib.query import Result
from test_server import (
    CATALOGUE,
    EXAMPLES,
    ROOT,
    RunningServer,
    cli_answer,
    get_query,
    norm_ox,
    norm_rdflib,
    request,
)

from caucasus_kg.model.namespaces import PREFIXES, compact
from caucasus_kg.read.queries import QueryResult
from caucasus_kg.read.query_formats import QUERY_FORMATS
from caucasus_kg.read.results import (
    ASK_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMAT_NAMES,
    SELECT_FORMATS,
    FormatError,
    serialize,
    table,
)
from caucasus_kg.store.embedded import open_store

FORMATS = ("csv", "tsv", "json", "xml")
MEDIA_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values",
               "json": "application/sparql-results+json", "xml": "application/sparql-results+xml"}


@pytest.fixture(scope="module")
def store(server: RunningServer) -> ox.Store:
    """The store the server built, opened read-only beside it."""
    return open_store(server.store_path)


def run_cli(server: RunningServer, *args: str) -> tuple[int, bytes, str]:
    """`caucasus-kg query ...` on the server's store; returns (exit code, stdout bytes, stderr)."""
    result = invoke(["--project", str(ROOT), "--store", str(server.store_path), *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def param_args(name: str) -> list[str]:
    return [a for k, v in EXAMPLES.get(name, {}).items() for a in ("-p", f"{k}={v}")]


def table_cell(term: object) -> str:
    """An rdflib term as the table shows it (prefixed IRIs, literal text, nothing if unbound)."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal), term
    return str(term)


# --- The command line prints what the server sends ------------------------------------------

@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_answers_are_the_servers_bytes(server: RunningServer, store: ox.Store,
                                                 name: str) -> None:
    _, _, text = cli_answer(name, store)
    params = EXAMPLES.get(name, {})
    for fmt in FORMATS:
        code, out, err = run_cli(server, "query", name, *param_args(name), "--format", fmt)
        assert code == 0, err
        canned = request(server, f"/queries/{name}?"
                         + urllib.parse.urlencode({**params, "format": fmt}))
        assert canned.status == 200, canned.text
        assert canned.media_type == MEDIA_TYPES[fmt]
        assert out == canned.body, fmt
        sparql = get_query(server, text, format=fmt)
        assert sparql.status == 200, sparql.text
        assert out == sparql.body, fmt


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_format_reads_back_as_the_rows_of_the_table(server: RunningServer, store: ox.Store,
                                                         name: str) -> None:
    columns, rows, _ = cli_answer(name, store)
    code, shown, err = run_cli(server, "query", name, *param_args(name))
    assert code == 0, err
    for fmt in FORMATS:
        _, out, _ = run_cli(server, "query", name, *param_args(name), "-f", fmt)
        parsed = Result.parse(io.BytesIO(out), format=fmt)
        assert [str(v) for v in parsed.vars] == columns, fmt
        parsed_rows = [tuple(row) for row in parsed]
        assert table(columns, [[table_cell(t) for t in row] for row in parsed_rows]) \
            == shown.decode("utf-8"), fmt
        if fmt != "csv":  # CSV keeps no datatypes or language tags
            assert [tuple(norm_rdflib(t) for t in row) for row in parsed_rows] == rows, fmt


INLINE = "SELECT ?s ?label WHERE { ?s a ckg:State ; rdfs:label ?label } ORDER BY ?s"
ASK = "ASK { id:russia a ckg:State }"
CONSTRUCT = "CONSTRUCT WHERE { id:russia ?p ?o }"


@pytest.mark.parametrize(("query", "formats"), [
    (INLINE, FORMATS),
    (ASK, ("json", "xml")),
    (CONSTRUCT, ("turtle", "ntriples", "rdfxml", "jsonld", "json", "xml")),
    ("DESCRIBE id:nato", ("turtle", "ntriples")),
])
def test_inline_queries_are_the_servers_bytes(server: RunningServer, query: str,
                                              formats: tuple[str, ...]) -> None:
    for fmt in formats:
        code, out, err = run_cli(server, "query", query, "-f", fmt)
        assert code == 0, err
        answer = get_query(server, query, format=fmt)
        assert answer.status == 200, answer.text
        assert out == answer.body, fmt
        assert out  # an answer, not an empty page


def test_inline_answers_read_back(server: RunningServer, store: ox.Store) -> None:
    _, out, _ = run_cli(server, "query", INLINE, "-f", "tsv")
    parsed = ox.parse_query_results(out, ox.QueryResultsFormat.TSV)
    expected = [tuple(norm_ox(s[v]) for v in ("s", "label")) for s in
                store.query(INLINE, prefixes=PREFIXES, use_default_graph_as_union=True)]
    assert [tuple(norm_ox(s[v]) for v in ("s", "label")) for s in parsed] == expected
    assert len(expected) > 3
    _, out, _ = run_cli(server, "query", ASK, "-f", "xml")
    assert bool(ox.parse_query_results(out, ox.QueryResultsFormat.XML)) is True
    _, out, _ = run_cli(server, "query", "ASK { id:russia a ckg:Alliance }", "-f", "json")
    assert bool(ox.parse_query_results(out, ox.QueryResultsFormat.JSON)) is False
    _, out, _ = run_cli(server, "query", CONSTRUCT, "-f", "turtle")
    triples = {q.triple for q in ox.parse(out, ox.RdfFormat.TURTLE)}
    assert triples == {q.triple for q in store.quads_for_pattern(
        ox.NamedNode("https://w3id.org/caucasus-kg/id/russia"), None, None)}
    _, out, _ = run_cli(server, "query", CONSTRUCT)  # the table: N-Triples lines, sorted
    assert out.decode().splitlines() == sorted(str(t) + " ." for t in triples)


@pytest.mark.parametrize(("query", "fmt", "says"), [
    (ASK, "csv", "format 'csv' does not fit an ASK answer (true or false; CSV and TSV are for "
     "rows only); give"),
    (ASK, "turtle", "give table, json or xml"),
    ("DESCRIBE id:russia", "csv", "does not fit a CONSTRUCT or DESCRIBE answer (triples); give "
     "table, turtle, ntriples, rdfxml or jsonld"),
    (INLINE, "jsonld", "does not fit a SELECT answer (rows); give table, json, xml, csv or tsv"),
])
def test_a_format_that_does_not_fit_is_refused(server: RunningServer, query: str, fmt: str,
                                               says: str) -> None:
    code, out, err = run_cli(server, "query", query, "-f", fmt)
    assert (code, out) == (2, b"")
    assert says in err
    answer = get_query(server, query, format=fmt)
    assert answer.status == 406 and answer.media_type == "text/plain"
    assert says.replace("table, ", "") in answer.text


def test_the_server_refuses_csv_for_ask_by_accept_too(server: RunningServer) -> None:
    answer = get_query(server, ASK, "text/csv")
    assert answer.status == 406
    assert "an ASK answer" in answer.text and "application/sparql-results+json" in answer.text
    answer = get_query(server, ASK, "text/csv, application/sparql-results+xml;q=0.5")
    assert answer.status == 200 and answer.media_type == "application/sparql-results+xml"


def test_unknown_format_names_are_usage_errors(server: RunningServer) -> None:
    code, out, err = run_cli(server, "query", INLINE, "-f", "pdf")
    assert (code, out) == (2, b"")
    assert "error: argument -f/--format: invalid choice: 'pdf'" in err
    assert all(name in err for name in QUERY_FORMATS)


# --- The formats themselves -----------------------------------------------------------------

TRICKY = [ox.Literal("tab\there\nnew \"quoted\" \\ back ünï ✓", language="hy"),
          ox.Literal("12.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
          ox.NamedNode("https://w3id.org/caucasus-kg/id/russia"), ox.BlankNode("b0"), None,
          ox.Triple(ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p"),
                    ox.Triple(ox.NamedNode("http://a.example/t"),
                              ox.NamedNode("http://a.example/p"), ox.Literal("x", language="en"))),
          ox.Literal("rtl", language="ar", direction=ox.BaseDirection.RTL)]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_every_term_survives_serialization(fmt: str) -> None:
    columns = [f"c{i}" for i in range(len(TRICKY))]
    result = QueryResult(columns=columns, rows=[tuple(TRICKY), (None,) * len(TRICKY)])
    data = serialize(result, SELECT_FORMATS.named(fmt))
    parsed = ox.parse_query_results(data, SELECT_FORMATS.named(fmt).format)
    assert [v.value for v in parsed.variables] == columns
    assert [tuple(s[c] for c in columns) for s in parsed] == [tuple(TRICKY), (None,) * len(TRICKY)]


def test_edge_answers() -> None:
    assert serialize(QueryResult(columns=["x"]), SELECT_FORMATS.named("csv")) == b"x\r\n"
    assert serialize(QueryResult(columns=[], rows=[()]), SELECT_FORMATS.named("json")) \
        == b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
    assert serialize(QueryResult(boolean=False), ASK_FORMATS.named("json")) \
        == b'{"head":{},"boolean":false}'
    assert serialize(QueryResult(triples=[]), GRAPH_FORMATS.named("ntriples")) == b""


def test_format_names() -> None:
    assert QUERY_FORMATS == ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples",
                             "rdfxml", "jsonld", "csv-safe")
    # the command line's list (kept apart from pyoxigraph) is what the answers can be written in
    writes_jsonld = "jsonld" in RESULT_FORMAT_NAMES  # pyoxigraph 0.5 writes JSON-LD, 0.4 does not
    assert ("table", *RESULT_FORMAT_NAMES, *(() if writes_jsonld else ("jsonld",)),
                             "csv-safe") == QUERY_FORMATS
    assert GRAPH_FORMATS.named("json").media_type == "application/ld+json"
    assert GRAPH_FORMATS.named("XML").media_type == "application/rdf+xml"
    assert SELECT_FORMATS.named("text/csv").names == ("csv",)
    with pytest.raises(FormatError, match="give json or xml"):
        ASK_FORMATS.named("tsv")
    with pytest.raises(FormatError):  # a format object of another kind of answer
        serialize(QueryResult(boolean=True), SELECT_FORMATS.named("csv"))
