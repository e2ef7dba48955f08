"""`caucasus-kg serve` over real HTTP on loopback: protocol, formats, limits and refusals.

One server (a subprocess running the real command: 2 s query timeout, at most 1,000 rows, two
query workers) serves every test in this
module; it builds its store from the shipped project into a temporary folder, as the CLI does when
there is none. `start_server` is also used by the browser test.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from project_files import ROOT, copy_project
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

from caucasus_kg.cli import command_parser
from caucasus_kg.core.sparql_text import QueryRefused as Refused
from caucasus_kg.core.sparql_text import substitute
from caucasus_kg.read.queries import bind_parameters, catalogue, run_query
from caucasus_kg.read.results import ASK_FORMATS, GRAPH_FORMATS, SELECT_FORMATS
from caucasus_kg.server.app import check_query_text
from caucasus_kg.server.negotiation import negotiate
from caucasus_kg.store.embedded import open_store

CATALOGUE = catalogue(ROOT / "queries")
EXAMPLES = {"provenance": {"fact": "russia-withdraws-from-cfe-2023"},
            "according-to": {"actor": "cawat"}}
"""Values for parameters that have no default, and for those whose default answers nothing on
the shipped graph (no fact rests on the interviewed analyst's word alone)."""
DATASET_QUERIES = {"deliveries-per-year", "top-suppliers"}
"""Questions about imported SIPRI data, which the served (shipped) graph does not hold: here they
prove the clients get the same columns and no rows; tests/test_queries.py checks their rows."""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ENDLESS = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
NORMAL = "SELECT ?label WHERE { id:russia rdfs:label ?label }"


# --- Running the server -------------------------------------------------------------------

@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    store_path: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(store_path: Path, *options: str, timeout: float = 90.0) -> RunningServer:
    """Start `caucasus-kg serve` on a free loopback port and wait until it answers, serving the
    shipped project copied beside the store."""
    project = store_path.parent / "project"
    if not project.exists():
        copy_project(project)
    for _attempt in range(3):
        port = _free_port()
        log = store_path.parent / f"server-{port}.log"
        command = [sys.executable, "-m", "caucasus_kg.cli", "--project", str(project),
                   "--store", str(store_path), "serve", "--port", str(port), *options]
        with open(log, "wb") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        server = RunningServer(f"http://127.0.0.1:{port}", process, log, store_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(server.url + "/queries", timeout=2) as response:
                    if response.status == 200:
                        return server
            except OSError:
                time.sleep(0.2)
        stop_server(server)
        if "address already in use" not in server.log_tail().lower():
            break
    raise AssertionError(f"the server did not start:\n{server.log_tail()}")


def stop_server(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(5)


_STORE_PATHS: list[Path] = []


def served_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store folder for every server of the session (this module's and the browser test's):
    the first server to start builds it, the others open it read-only."""
    if not _STORE_PATHS:
        _STORE_PATHS.append(tmp_path_factory.mktemp("served") / "store")
    return _STORE_PATHS[0]


@pytest.fixture(scope="module")
def store(server: RunningServer) -> ox.Store:
    """The store the server built, opened read-only beside it: the CLI's view of the graph."""
    return open_store(server.store_path)


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip()


def request(server: RunningServer, path: str, *, data: bytes | None = None,
            headers: dict[str, str] | None = None, method: str | None = None) -> Answer:
    req = urllib.request.Request(server.url + path, data=data, headers=headers or {},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return Answer(response.status, response.headers.get("Content-Type", ""),
                          response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.headers.get("Content-Type", ""), exc.read())


def get_query(server: RunningServer, query: str, accept: str | None = None,
              **extra: str) -> Answer:
    params = urllib.parse.urlencode({"query": query, **extra})
    return request(server, f"/sparql?{params}", headers={"Accept": accept} if accept else {})


def post_form(server: RunningServer, fields: dict[str, str], accept: str | None = None) -> Answer:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return request(server, "/sparql", data=urllib.parse.urlencode(fields).encode(),
                   headers=headers)


def assert_plain_error(answer: Answer, status: int, *phrases: str) -> None:
    assert answer.status == status, (answer.status, answer.text)
    assert answer.media_type == "text/plain"
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    for phrase in phrases:
        assert phrase in answer.text, answer.text


def assert_still_serving(server: RunningServer) -> None:
    answer = get_query(server, NORMAL, "application/sparql-results+json")
    assert answer.status == 200, answer.text
    assert json.loads(answer.body)["results"]["bindings"][0]["label"]["value"] == "Russia"


# --- Rows as comparable values ------------------------------------------------------------

def norm_ox(term: object) -> tuple[str, ...] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    assert isinstance(term, ox.Literal), term
    if term.language:
        return ("literal", term.value, "@" + term.language)
    return ("literal", term.value, term.datatype.value)


def norm_json(binding: dict[str, str] | None) -> tuple[str, ...] | None:
    if binding is None:
        return None
    if binding["type"] == "uri":
        return ("uri", binding["value"])
    if binding["type"] == "bnode":
        return ("bnode",)
    if "xml:lang" in binding:
        return ("literal", binding["value"], "@" + binding["xml:lang"])
    return ("literal", binding["value"], binding.get("datatype", XSD_STRING))


def norm_rdflib(term: object) -> tuple[str, ...] | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    assert isinstance(term, Literal), term
    if term.language:
        return ("literal", str(term), "@" + term.language)
    return ("literal", str(term), str(term.datatype or XSD_STRING))


def json_rows(document: dict) -> list[tuple]:
    variables = document["head"]["vars"]
    return [tuple(norm_json(b.get(v)) for v in variables) for b in document["results"]["bindings"]]


def cli_answer(name: str, store: ox.Store) -> tuple[list[str], list[tuple], str]:
    """What `caucasus-kg query NAME` answers (columns and rows), and the SPARQL it runs."""
    query = CATALOGUE[name]
    params = EXAMPLES.get(name, {})
    missing = [p.name for p in query.parameters if p.default is None and p.name not in params]
    assert not missing, f"add example values for {name}'s parameters {missing} to EXAMPLES"
    result = run_query(query, store, params)
    bound = bind_parameters(query, params, store)
    text = substitute(query.text, {v.value: str(t) for v, t in bound.items()})
    return result.columns, [tuple(norm_ox(t) for t in row) for row in result.rows], text


# --- Same rows as the CLI, through real SPARQL clients ------------------------------------

@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_sparqlwrapper_gets_the_cli_rows(server: RunningServer, store: ox.Store, name: str
                                         ) -> None:
    columns, rows, text = cli_answer(name, store)
    assert rows or name in DATASET_QUERIES, \
        f"{name} answers nothing with its default parameters; the test proves little"
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(text)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    document = client.queryAndConvert()
    assert document["head"]["vars"] == columns
    assert json_rows(document) == rows

    client = SPARQLWrapper(server.url + "/sparql")  # GET, SPARQL XML results
    client.setQuery(text)
    client.setReturnFormat(XML)
    xml = client.query().response.read()
    parsed = ox.parse_query_results(xml, ox.QueryResultsFormat.XML)
    assert [v.value for v in parsed.variables] == columns
    assert [tuple(norm_ox(s[c]) for c in columns) for s in parsed] == rows


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_rdflib_sparqlstore_gets_the_cli_rows(server: RunningServer, store: ox.Store, name: str
                                              ) -> None:
    columns, rows, text = cli_answer(name, store)
    for method, result_format in (("GET", "xml"), ("POST", "json")):
        endpoint = SPARQLStore(server.url + "/sparql", method=method,
                               returnFormat=result_format, context_aware=False)
        graph = Graph(store=endpoint, bind_namespaces="none")
        result = graph.query(text)
        assert [str(v) for v in result.vars] == columns, method
        assert [tuple(norm_rdflib(t) for t in row) for row in result] == rows, method


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_canned_endpoint_gets_the_cli_rows(server: RunningServer, store: ox.Store, name: str
                                           ) -> None:
    columns, rows, _ = cli_answer(name, store)
    params = urllib.parse.urlencode(EXAMPLES.get(name, {}))
    answer = request(server, f"/queries/{name}" + (f"?{params}" if params else ""),
                     headers={"Accept": "application/sparql-results+json"})
    assert answer.status == 200, answer.text
    document = json.loads(answer.body)
    assert document["head"]["vars"] == columns
    assert json_rows(document) == rows


def test_canned_parameters_are_bound_as_the_cli_binds_them(server: RunningServer,
                                                           store: ox.Store) -> None:
    query = CATALOGUE["treaty-status-as-of"]
    params = {"date": "2023-12-01", "treaty": "CFE Treaty"}  # a label, as --param accepts
    expected = [tuple(norm_ox(t) for t in row) for row in run_query(query, store, params).rows]
    answer = request(server, "/queries/treaty-status-as-of?" + urllib.parse.urlencode(params))
    assert answer.status == 200, answer.text
    assert json_rows(json.loads(answer.body)) == expected

    assert_plain_error(request(server, "/queries/treaty-status-as-of?date=2023-13-01"), 400,
                       "month 13")
    assert_plain_error(request(server, "/queries/provenance"), 400, "needs parameter fact")
    assert_plain_error(request(server, "/queries/who-suspended-cfe?nope=1"), 400,
                       "no parameter 'nope'")
    assert_plain_error(request(server, "/queries/who-suspended"), 404, "who-suspended-cfe")
    assert_plain_error(request(server, "/queries/..%2F..%2Fetc%2Fpasswd.rq"), 404)


def test_catalogue_matches_the_cli(server: RunningServer, cli, project) -> None:
    code, out, _ = cli("--project", project.root, "queries", "--format", "json")
    assert code == 0
    answer = request(server, "/queries")
    assert answer.status == 200 and answer.media_type == "application/json"
    served = json.loads(answer.body)
    cli_view = json.loads(out)
    assert [{k: q[k] for k in ("name", "title", "description", "parameters")} for q in served] \
        == cli_view
    assert all(q["text"] == CATALOGUE[q["name"]].text for q in served)


# --- Content negotiation ------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
])
def test_select_results_in_each_format(server: RunningServer, accept: str | None,
                                       media_type: str) -> None:
    answer = get_query(server, "SELECT ?s ?label WHERE { ?s a ckg:State ; rdfs:label ?label } "
                       "ORDER BY ?s", accept)
    assert answer.status == 200, answer.text
    assert answer.media_type == media_type
    if media_type.endswith("json"):
        assert json.loads(answer.body)["head"]["vars"] == ["s", "label"]
    elif media_type.endswith("xml"):
        parsed = ox.parse_query_results(answer.body, ox.QueryResultsFormat.XML)
        assert any(s["label"].value == "Russia" for s in parsed)
    elif media_type == "text/csv":
        assert answer.text.splitlines()[0] == "s,label"
        assert "https://w3id.org/caucasus-kg/id/russia,Russia" in answer.text
        assert answer.content_type.endswith("charset=utf-8")
    else:
        assert answer.text.splitlines()[0] == "?s\t?label"
        assert '<https://w3id.org/caucasus-kg/id/russia>\t"Russia"@en' in answer.text


@pytest.mark.parametrize(("accept", "fmt", "media_type", "parse_as"), [
    (None, None, "text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", None, "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", None, "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", None, "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/sparql-results+json", "ntriples", "application/n-triples",
     ox.RdfFormat.N_TRIPLES),
])
def test_construct_and_describe_in_each_format(server: RunningServer, accept: str | None,
                                               fmt: str | None, media_type: str,
                                               parse_as: ox.RdfFormat) -> None:
    extra = {"format": fmt} if fmt else {}
    for query in ("CONSTRUCT WHERE { id:russia ?p ?o }", "DESCRIBE id:russia"):
        answer = get_query(server, query, accept, **extra)
        assert answer.status == 200, answer.text
        assert answer.media_type == media_type
        triples = [q.triple for q in ox.parse(answer.body, parse_as)]
        label = ox.Triple(ox.NamedNode("https://w3id.org/caucasus-kg/id/russia"),
                          ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                          ox.Literal("Russia", language="en"))
        assert label in triples


def test_ask_and_format_parameter(server: RunningServer) -> None:
    answer = get_query(server, "ASK { id:russia a ckg:State }")
    assert (answer.media_type, json.loads(answer.body)) == (
        "application/sparql-results+json", {"head": {}, "boolean": True})
    answer = get_query(server, "ASK { id:russia a ckg:Alliance }",
                       "application/sparql-results+xml")
    assert answer.media_type == "application/sparql-results+xml"
    assert "<boolean>false</boolean>" in answer.text
    answer = get_query(server, NORMAL, "application/sparql-results+json", format="csv")
    assert (answer.media_type, answer.text) == ("text/csv", "label\r\nRussia\r\n")


def test_unacceptable_and_unknown_formats(server: RunningServer) -> None:
    assert_plain_error(get_query(server, NORMAL, "image/png"), 406, "text/csv")
    assert_plain_error(get_query(server, "DESCRIBE id:russia", format="csv"), 406, "turtle")
    assert_plain_error(get_query(server, NORMAL, format="pdf"), 400, "unknown format")


def test_direct_post_and_graph_parameters(server: RunningServer) -> None:
    answer = request(server, "/sparql", data=NORMAL.encode(),
                     headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert (answer.status, answer.text) == (200, "label\r\nRussia\r\n")
    graph = "https://w3id.org/caucasus-kg/graph/ontology"
    answer = get_query(server, NORMAL, "text/csv", **{"default-graph-uri": graph})
    assert (answer.status, answer.text) == (200, "label\r\n"), "russia is not in the ontology"
    assert_plain_error(get_query(server, NORMAL, **{"default-graph-uri": "not an iri"}), 400,
                       "not an IRI")
    assert_plain_error(request(server, "/sparql", data=b"ASK {}",
                               headers={"Content-Type": "text/plain"}), 415)
    assert_plain_error(request(server, "/sparql", data=b"",
                               headers={"Content-Type": "application/x-www-form-urlencoded"}),
                       400, "no query")
    assert_plain_error(get_query(server, "SELECT ?x WHERE {"), 400, "not valid SPARQL")


def test_service_description(server: RunningServer) -> None:
    answer = request(server, "/sparql")
    assert answer.status == 200 and answer.media_type == "text/turtle"
    triples = [q.triple for q in ox.parse(answer.body, ox.RdfFormat.TURTLE)]
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = ox.NamedNode(server.url + "/sparql")
    assert ox.Triple(endpoint, ox.NamedNode(sd + "endpoint"), endpoint) in triples
    assert ox.Triple(endpoint, ox.NamedNode(sd + "supportedLanguage"),
                     ox.NamedNode(sd + "SPARQL11Query")) in triples
    names = {t.object.value for t in triples if t.predicate.value == sd + "name"}
    assert "https://w3id.org/caucasus-kg/graph/ontology" in names
    assert not any("SPARQL11Update" in str(t) or "BasicFederatedQuery" in str(t) for t in triples)


# --- Safe by default ----------------------------------------------------------------------

@pytest.mark.parametrize("send", ["query", "update", "sparql-update"])
def test_update_is_refused(server: RunningServer, send: str) -> None:
    update = "PREFIX ex: <http://example.org/>\n# a comment\ninsert data { ex:a ex:b ex:c }"
    if send == "sparql-update":
        answer = request(server, "/sparql", data=update.encode(),
                         headers={"Content-Type": "application/sparql-update"})
    else:
        answer = post_form(server, {send: update})
    # the update operation is forbidden; update text sent as a query is no query (protocol: 400)
    assert_plain_error(answer, 400 if send == "query" else 403, "SPARQL Update is not allowed",
                       "read-only")
    assert_plain_error(request(server, "/sparql?update=DROP%20ALL"), 403, "read-only")
    assert_still_serving(server)


def test_service_is_refused_and_nothing_is_contacted(server: RunningServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(1)
        trap.settimeout(0.3)
        target = f"http://127.0.0.1:{trap.getsockname()[1]}/sparql"
        for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ ?x ?y ?z .SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
                      f"select * where {{ service\n# comment\n<{target}> {{ ?s ?p ?o }} }}"):
            assert_plain_error(get_query(server, query), 400, "SERVICE is not allowed",
                               "other servers")
        with pytest.raises(TimeoutError):
            trap.accept()
    assert_still_serving(server)


def test_query_text_checks() -> None:
    for update in ("INSERT DATA { <a:b> <a:c> <a:d> }", "  # c\nPREFIX x: <a:>\nBASE <a:b>\n"
                   "DELETE WHERE { ?s ?p ?o }", "LOAD <http://example.org/data.ttl>",
                   "drop all", "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"):
        with pytest.raises(Refused) as info:
            check_query_text(update)
        assert info.value.status == 400 and info.value.reason == "update"
    for service in ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
                    "SELECT * { SERVICE ex:endpoint { ?s ?p ?o } }",
                    "SELECT * { SERVICE :e { ?s ?p ?o } }",
                    "SELECT * { ?s ?p ?o } ; \\u0053ERVICE <a:b> {}"):
        with pytest.raises(Refused) as info:
            check_query_text(service)
        assert info.value.status == 400
    for harmless in ("SELECT ?service WHERE { ?service a ex:Service }",
                     'SELECT * WHERE { ?s ?p "SERVICE <a:b> { }" } # SERVICE <a:b>',
                     "SELECT * WHERE { <http://example.org/service> ?p ex:SERVICE }",
                     "SELECT * WHERE { ?s ex:insert ?o ; ex:delete ?x }",
                     "PREFIX insert: <a:> SELECT * WHERE { ?s insert:x ?o }"):
        check_query_text(harmless)


def test_result_limit(server: RunningServer) -> None:
    answer = post_form(server, {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1001"})
    assert_plain_error(answer, 400, "more than 1000 rows", "LIMIT", "--max-results")
    answer = post_form(server, {"query": "CONSTRUCT { ?a <urn:x:p> ?d } "
                                         "WHERE { ?a ?b ?c . ?d ?e ?f }"})
    assert_plain_error(answer, 400, "more than 1000 rows")
    answer = post_form(server, {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000"},
                       "text/tab-separated-values")
    assert answer.status == 200 and len(answer.text.splitlines()) == 1001
    assert_still_serving(server)


def test_endless_queries_are_stopped_and_workers_replaced(server: RunningServer) -> None:
    """Two endless queries at once occupy both workers; both are killed at the 2 s deadline, so
    the normal query after them is answered by a replacement worker."""
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        answers = list(pool.map(lambda _: post_form(server, {"query": ENDLESS}), range(2)))
        elapsed = time.monotonic() - started
    for answer in answers:
        assert_plain_error(answer, 504, "longer than the 2 s limit", "stopped")
    assert elapsed < 8, elapsed
    assert_still_serving(server)
    assert_still_serving(server)


def test_request_body_limit(server: RunningServer) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * 300_000
    answer = request(server, "/sparql", data=big.encode(),
                     headers={"Content-Type": "application/sparql-query"})
    assert_plain_error(answer, 413, "262144-byte limit")
    assert_still_serving(server)


def test_only_loopback_host_names_are_served(server: RunningServer) -> None:
    answer = request(server, "/queries", headers={"Host": "attacker.example"})
    assert answer.status == 400
    assert request(server, "/queries", headers={"Host": "localhost"}).status == 200


def test_binds_loopback_by_default() -> None:
    defaults = command_parser("serve").parse_args([])
    assert defaults.host == "127.0.0.1"
    assert (defaults.query_timeout, defaults.max_results) == (10.0, 10_000)


def test_unknown_paths_and_methods(server: RunningServer) -> None:
    assert_plain_error(request(server, "/nothing"), 404)
    assert_plain_error(request(server, "/sparql", method="DELETE"), 405)


# --- Entity pages and the query page's files ----------------------------------------------

def test_entity_page(server: RunningServer) -> None:
    answer = request(server, "/entity/russia-withdraws-from-cfe-2023")
    assert answer.status == 200 and answer.media_type == "text/html"
    page = answer.text
    assert "Russia withdraws from the CFE Treaty" in page
    assert "On 7 November 2023, Russia withdrew from the treaty" in page
    assert "attributed to: Armenpress" in page
    assert 'href="/entity/russia"' in page
    assert 'href="/entity/united-states-suspends-cfe-2023"' in page

    answer = request(server, "/entity/russia-withdraws-from-cfe-2023",
                     headers={"Accept": "application/json"})
    data = json.loads(answer.body)
    assert data["id"] == "id:russia-withdraws-from-cfe-2023"
    assert data["evidence"][0]["attributed_to"] == "Armenpress"

    missing = request(server, "/entity/no-such-thing")
    assert missing.status == 404 and "unknown entity" in missing.text

    misspelt = request(server, "/entity/rusia")
    assert misspelt.status == 404
    assert "did you mean &#x27;Russia&#x27;? /queries/entities lists them" in misspelt.text
    assert "`" not in misspelt.text and "caucasus-kg query" not in misspelt.text


def test_page_assets_are_local(server: RunningServer) -> None:
    answer = request(server, "/")
    assert answer.status == 200 and answer.media_type == "text/html"
    assert "Content-Security-Policy" not in answer.text
    for asset in ("/static/app.js", "/static/style.css", "/static/favicon.svg", "/favicon.ico"):
        assert request(server, asset).status == 200, asset
    for other in ("/static/index.html", "/static/entity.html", "/static/..%2F__init__.py",
                  "/static/../server.py"):
        assert request(server, other).status == 404, other
    for text in (answer.text, request(server, "/static/app.js").text,
                 request(server, "/static/style.css").text):
        assert "http://" not in text.replace("http://www.w3.org", "")
        assert "https://" not in text.replace("https://w3id.org/caucasus-kg/", "")


# --- Pure pieces --------------------------------------------------------------------------

def test_negotiation_rules() -> None:
    assert negotiate(SELECT_FORMATS, "text/*").media_type == "text/csv"
    assert negotiate(ASK_FORMATS, "text/*").media_type == "text/xml"
    assert negotiate(SELECT_FORMATS, "").media_type == "application/sparql-results+json"
    assert negotiate(ASK_FORMATS, "text/csv, */*;q=0.1").media_type \
        == "application/sparql-results+json"
    assert negotiate(GRAPH_FORMATS, "application/*;q=0.5, text/turtle;q=0.4").media_type \
        == "application/n-triples"
    assert negotiate(GRAPH_FORMATS, "*/*", "json").media_type == "application/ld+json"
    with pytest.raises(Refused):
        negotiate(SELECT_FORMATS, "text/csv;q=0")
    with pytest.raises(Refused):
        negotiate(ASK_FORMATS, "text/csv")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_stopping_the_server_ends_its_workers(server: RunningServer) -> None:
    """A second server on the same store (read-only, so both can open it); when it stops, its
    query workers stop too."""
    second = start_server(server.store_path, "--workers", "1")
    try:
        assert get_query(second, NORMAL).status == 200
        match = re.search(r"query workers ready \(pids ([\d, ]+)\)", second.log_tail())
        assert match, second.log_tail()
        pids = [int(p) for p in match.group(1).split(",")]
        assert len(pids) == 1 and _alive(pids[0])
    finally:
        stop_server(second)
    assert second.process.returncode in (0, -signal.SIGTERM), second.log_tail()
    assert "Application shutdown complete" in second.log_tail()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)
