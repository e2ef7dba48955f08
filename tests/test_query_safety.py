"""What a query may make this program do: no request to another host, no update, the dataset
the protocol asks for, and no answers for pages on other origins.

The attacks are sent as an attacker would, to a real server on loopback, with a listener on
loopback that must receive nothing. Generated texts are checked against Oxigraph itself: each one
is first shown to make Oxigraph open a connection, so the refusal is of a live attack.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from project_files import copy_project
from test_server import (
    RunningServer,
    assert_still_serving,
    get_query,
    post_form,
    request,
)

from caucasus_kg.core.sparql_text import (
    QueryRefused,
    SparqlSyntaxError,
    check_query,
    query_shape,
    substitute,
    substitute_checked,
    tokens,
    tokens_one_by_one,
)
from caucasus_kg.read.queries import catalogue
from caucasus_kg.store.embedded import open_store


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    trap = Listener()
    yield trap
    trap.close()


def _nothing_received(listener: Listener) -> None:
    time.sleep(0.3)
    assert listener.connections == [], listener.connections


# --- The reported bypasses, exactly ---------------------------------------------------------

def reported_attacks(target: str) -> list[str]:
    return [
        # a carriage return ends a comment
        f"SELECT ?x WHERE {{ #c\rSERVICE <{target}> {{ ?x ?y ?z }} }}",
        # an escaped '#' in a prefixed name before SERVICE
        f"PREFIX e: <http://example.org/>\nSELECT * WHERE {{ BIND(e:a\\#b AS ?q) "
        f"SERVICE <{target}> {{ ?x ?y ?z }} }}",
        # an escaped quote in a prefixed name before SERVICE
        f"PREFIX e: <http://example.org/>\nSELECT * WHERE {{ BIND(e:a\\'b AS ?q) "
        f"SERVICE <{target}> {{ ?x ?y ?z }} }} # '",
    ]


def test_reported_attacks_make_oxigraph_connect() -> None:
    """The texts are live: given to Oxigraph directly, each one opens a connection."""
    closed = _closed_port_url()
    for text in reported_attacks(closed):
        with pytest.raises(OSError, match="refused"):
            list(ox.Store().query(text))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_reported_attacks_are_refused_by_the_server(server: RunningServer, listener: Listener,
                                                    method: str) -> None:
    for text in reported_attacks(listener.url):
        answer = get_query(server, text) if method == "GET" else post_form(server, {"query": text})
        assert answer.status == 400, (text, answer.text)
        assert "SERVICE is not allowed" in answer.text
    _nothing_received(listener)
    assert_still_serving(server)


def test_reported_attacks_are_refused_by_the_cli(listener: Listener, tmp_path: Path) -> None:
    for text in reported_attacks(listener.url):
        done = _cli("query", text, store=tmp_path / "store")
        assert done.returncode == 2, done.stderr
        assert "SERVICE is not allowed" in done.stderr and "--allow-service" in done.stderr
        assert "Traceback" not in done.stderr
    _nothing_received(listener)


def test_cli_allow_service_reports_a_refused_connection_without_traceback(tmp_path: Path) -> None:
    done = _cli("query", "--allow-service",
                f"SELECT * WHERE {{ SERVICE <{_closed_port_url()}> {{ ?s ?p ?o }} }}",
                store=tmp_path / "store")
    assert done.returncode == 1
    assert "failed: Connection refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_query_workers_cannot_reach_the_network(server: RunningServer, listener: Listener
                                                ) -> None:
    """Even a SERVICE query that got past the checks cannot leave the worker: the job goes
    straight to a worker pool, as a parser gap would let it."""
    text = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from caucasus_kg.server.config import ServerConfig\n"
        "from caucasus_kg.server.workers import Job, WorkerPool\n"
        "async def main():\n"
        "    pool = WorkerPool(Path(sys.argv[1]), ServerConfig(workers=1))\n"
        "    await pool.start()\n"
        "    try:\n"
        "        reply = await pool.run(Job('sparql', text=sys.argv[2]))\n"
        "    finally:\n"
        "        await pool.close()\n"
        "    print(reply.status, reply.body.decode())\n"
        "asyncio.run(main())\n")
    done = subprocess.run([sys.executable, "-c", script, str(server.store_path), text],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("500 the query failed: Permission denied"), done.stdout
    _nothing_received(listener)


def _isolated_child(conn: object, url: str) -> None:
    from caucasus_kg.server.sandbox import deny_network

    isolated = deny_network()
    outcome = []
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            outcome.append("created")
        except PermissionError:
            outcome.append("refused")
    a, b = socket.socketpair()
    a.close()
    b.close()
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
        outcome.append("queried")
    except OSError as exc:
        outcome.append(str(exc))
    conn.send((isolated, outcome))  # type: ignore[attr-defined]


def test_the_network_filter(listener: Listener) -> None:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_isolated_child, args=(child, listener.url))
    process.start()
    isolated, outcome = parent.recv()
    process.join(30)
    assert isolated is True
    assert outcome == ["refused", "refused", "Permission denied (os error 13)"]
    _nothing_received(listener)


# --- Generated texts ------------------------------------------------------------------------

def _closed_port_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/sparql"


_BREAKS = st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "\n\r"])
_COMMENT_TEXT = st.text(alphabet=st.sampled_from(list("ab #\"'<>{}\\SERVICEservice:")),
                        max_size=12)


@st.composite
def _gap(draw: st.DrawFn) -> str:
    """What may stand between two tokens: white space, and comments ended by CR or LF."""
    parts = [draw(_BREAKS)]
    for _ in range(draw(st.integers(0, 2))):
        parts.append("#" + draw(_COMMENT_TEXT) + draw(st.sampled_from(["\n", "\r", "\r\n"])))
        parts.append(draw(st.sampled_from(["", " ", "\t"])))
    return "".join(parts)


_LOCAL_ESCAPES = st.sampled_from(["\\'", "\\-", "\\.x", "\\?", "%23", "\\~", "\\&"])
"""Escapes in a local name; '\\#' is added at most once, since an IRI has one fragment."""


@st.composite
def _filler(draw: st.DrawFn) -> str:
    """Valid SPARQL that gives one row, so that the SERVICE after it runs: prefixed names with
    escapes, strings holding comment and keyword characters."""
    local = ("a" + "".join(draw(st.lists(_LOCAL_ESCAPES, max_size=3)))
             + draw(st.sampled_from(["", "\\#", "\\#\\'"])) + "z")
    literal = draw(st.sampled_from(['"#x"', "'#'", '"\\"#SERVICE"', "'''a'b\"#'''",
                                    '"""x""y#"""', "'\\'#'", '"<http://a/>"']))
    return f"BIND(e:{local} AS ?q){draw(_gap())}BIND({literal} AS ?w)"


def _case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.lower() if f else c.upper() for c, f in zip(word, flips, strict=True))


@st.composite
def service_queries(draw: st.DrawFn, target: str) -> str:
    g = [draw(_gap()) for _ in range(8)]
    service = _case(draw, "SERVICE") + (draw(_gap()) + _case(draw, "SILENT")
                                        if draw(st.booleans()) else "")
    endpoint = draw(st.sampled_from([f"<{target}>", "e2:"]))
    return (f"PREFIX e: <http://example.org/>{g[0]}PREFIX e2: <{target}>{g[1]}"
            f"{_case(draw, 'SELECT')} *{g[2]}{_case(draw, 'WHERE')}{g[3]}{{{g[4]}"
            f"{draw(_filler())}{g[5]}{service}{g[6]}{endpoint}{g[7]}{{ ?x ?y ?z }} }}")


@st.composite
def update_texts(draw: st.DrawFn) -> str:
    g = [draw(_gap()) for _ in range(4)]
    body = draw(st.sampled_from([
        "INSERT DATA { e:a e:b e:c }", "DELETE WHERE { ?s ?p ?o }", "DROP ALL",
        "CLEAR DEFAULT", "LOAD <http://127.0.0.1:1/x>", "WITH e:g DELETE { ?s ?p ?o } WHERE "
        "{ ?s ?p ?o }", "CREATE GRAPH e:g", "ADD e:a TO e:b", "MOVE DEFAULT TO e:b",
        "COPY e:a TO e:b", "DELETE DATA { e:a e:b e:c } ; INSERT DATA { e:a e:b e:d }"]))
    verb, _, rest = body.partition(" ")
    return f"PREFIX e: <http://example.org/>{g[0]}{g[1]}{_case(draw, verb)}{g[2]}{rest}{g[3]}"


@pytest.fixture(scope="module")
def live() -> Iterator[Listener]:
    """The listener that generated texts are first sent to, to show they are live attacks."""
    trap = Listener()
    yield trap
    trap.close()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_service_queries_are_live_and_refused(live: Listener, data: st.DataObject
                                                        ) -> None:
    text = data.draw(service_queries(live.url))
    before = len(live.connections)
    with contextlib.suppress(OSError):  # SERVICE SILENT swallows the failed answer
        list(ox.Store().query(text))
    deadline = time.monotonic() + 5
    while len(live.connections) == before and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(live.connections) > before, "Oxigraph did not connect: not an attack"
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert refused.value.status == 400 and refused.value.reason == "service"


@settings(max_examples=200, deadline=None)
@given(update_texts())
def test_generated_updates_are_real_updates_and_refused(text: str) -> None:
    try:
        ox.Store().update(text)  # Oxigraph reads it as an update (a SyntaxError fails the test)
    except OSError:
        assert "LOAD" in text.upper()  # it tried to fetch the file
    with pytest.raises(SyntaxError):  # not a query for Oxigraph either
        ox.Store().query(text)
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert refused.value.status == 400 and refused.value.reason == "update"


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_attacks_through_the_server(server: RunningServer, listener: Listener,
                                              data: st.DataObject) -> None:
    text = data.draw(st.one_of(service_queries(listener.url), update_texts()))
    answer = (get_query(server, text) if data.draw(st.booleans())
              else post_form(server, {"query": text}))
    assert answer.status == 400, (text, answer.text)
    assert listener.connections == []


def test_tokens_give_the_text_back_and_harmless_texts_pass() -> None:
    for text in ("SELECT ?service WHERE { ?service a e:Service }",
                 'SELECT * WHERE { ?s ?p "SERVICE <a:b> { }" } # SERVICE <a:b>',
                 "SELECT * WHERE { <http://example.org/service> ?p e:SERVICE }",
                 "SELECT * WHERE { ?s e:insert ?o ; e:delete ?x }",
                 "PREFIX insert: <a:> SELECT * WHERE { ?s insert:x ?o }",
                 "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o >= 1.5e3) }",
                 "ASK { ?s e:p\\#q ?o } # \r"):
        assert "".join(t.text for t in tokens(text)) == text
        assert check_query(text).form in ("SELECT", "ASK")


def test_substitution_respects_carriage_return_comments() -> None:
    text = "SELECT * WHERE { #?x\r?s ?p ?x }"
    assert substitute(text, {"x": "<http://a/b>"}) == "SELECT * WHERE { #?x\r?s ?p <http://a/b> }"


def _read_twice(query: str, bindings: dict[str, str]) -> tuple[str, object]:
    """What :func:`substitute_checked` must give: the text substituted, then read again."""
    text = substitute(query, bindings)
    try:
        return text, check_query(text)
    except QueryRefused as refused:
        return text, (refused.status, refused.reason)


def _read_once(query: str, bindings: dict[str, str]) -> tuple[str, object]:
    try:
        return substitute_checked(query, bindings)
    except QueryRefused as refused:
        return substitute(query, bindings), (refused.status, refused.reason)


CATALOGUE = Path(__file__).resolve().parents[1] / "queries"

_TEMPLATES = (
    "SELECT ?s WHERE { ?s ?p ?x }",
    "SELECT * WHERE { ?s ?p ?x-SERVICE }",  # a language tag would take in '-SERVICE'
    "SELECT * WHERE { ?s ?p ?x . ?s ?q $x FILTER(?x != ?y) } # ?x",
    "PREFIX e: <http://e/> ASK { ?x e:p ?y }",
    "CONSTRUCT { ?x ?p ?o } WHERE { GRAPH ?x { ?x ?p ?o } }",
    "SELECT * WHERE {SERVICE?x{?s ?p ?y}}",  # the keyword right before a bound variable
)


@settings(max_examples=300, deadline=None)
@example(template=_TEMPLATES[0], value="\\u0053ERVICE", kind="plain", language="en")
@example(template=_TEMPLATES[1], value="a", kind="language", language="en")
@given(template=st.sampled_from(_TEMPLATES), value=st.text(max_size=30),
       kind=st.sampled_from(["plain", "language", "typed", "iri"]),
       language=st.from_regex(r"[a-z]{2}(-[a-z]{2,8})?", fullmatch=True))
def test_a_query_read_once_is_checked_as_if_read_again(template: str, value: str, kind: str,
                                                       language: str) -> None:
    """Substituting a parameter and checking the result without reading it again gives the
    text and the verdict that reading it again gives, for any value a parameter can take."""
    if kind == "iri":
        iri = "http://e/" + "".join(c for c in value if c.isalnum() or c in "-._~/")
        term = str(ox.NamedNode(iri))
    elif kind == "language":
        term = str(ox.Literal(value, language=language))
    elif kind == "typed":
        term = str(ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
    else:
        term = str(ox.Literal(value))
    for bindings in ({"x": term}, {"x": term, "y": term}, {}):
        assert _read_once(template, bindings) == _read_twice(template, bindings)


def test_a_language_tag_before_a_hyphen_is_read_as_the_engine_reads_it() -> None:
    query = "SELECT * WHERE { ?s ?p ?x-SERVICE }"
    with pytest.raises(QueryRefused):
        check_query(query)  # as written, SERVICE is a word of its own
    text, shape = substitute_checked(query, {"x": '"a"@en'})
    assert text == 'SELECT * WHERE { ?s ?p "a"@en-SERVICE }' and not shape.service
    assert shape == check_query(text)


def test_bad_text_is_refused_with_its_place() -> None:
    for text, where in (("SELECT * { ?s ?p \"open }", "line 1, column 18"),
                        ("SELECT * {\n ?s ?p ?o . \\u0053ERVICE <a:b> {} }", "line 2, column 13"),
                        ("ASK { \\UFFFFFFFF }", "line 1, column 7"),
                        ("SELECT * { ?s ?p 'a\\q' }", "line 1, column 18")):
        with pytest.raises(QueryRefused) as refused:
            check_query(text)
        assert refused.value.status == 400 and where in refused.value.message, refused.value
    with pytest.raises(QueryRefused, match="SERVICE is not allowed"):  # decoded, it has one
        check_query('SELECT * { ?s ?p "\\u0022 . SERVICE <a:b> { ?a ?b ?c } #" }')


# --- FROM and FROM NAMED ----------------------------------------------------------------------

def _count(answer_text: str) -> int:
    return int(json.loads(answer_text)["results"]["bindings"][0]["n"]["value"])


def test_from_names_the_default_graph(server: RunningServer) -> None:
    store = open_store(server.store_path)
    graphs = sorted(g.value for g in store.named_graphs())
    sizes = {g: len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(g))))
             for g in graphs}
    total = sum(sizes.values())
    first, second = graphs[0], graphs[1]
    accept = "application/sparql-results+json"
    union = get_query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept)
    assert _count(union.text) == total
    one = get_query(server, f"SELECT (COUNT(*) AS ?n) FROM <{first}> WHERE {{ ?s ?p ?o }}",
                    accept)
    assert _count(one.text) == sizes[first] < total
    named_only = get_query(server, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{first}> "
                                   "WHERE { ?s ?p ?o }", accept)
    assert _count(named_only.text) == 0  # no FROM: the default graph is empty
    in_named = get_query(server, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{first}> "
                                 "WHERE { GRAPH ?g { ?s ?p ?o } }", accept)
    assert _count(in_named.text) == sizes[first]
    # the protocol's default-graph-uri overrides the query's own FROM
    overridden = get_query(server, f"SELECT (COUNT(*) AS ?n) FROM <{first}> WHERE {{ ?s ?p ?o }}",
                           accept, **{"default-graph-uri": second})
    assert _count(overridden.text) == sizes[second]


def test_cli_query_answers_from(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    _cli("build", store=store_path)
    store = open_store(store_path)
    graph = sorted(g.value for g in store.named_graphs())[0]
    size = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))
    del store
    done = _cli("query", "-f", "csv",
                f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}", store=store_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == str(size)


# --- Origins ----------------------------------------------------------------------------------

def test_requests_from_other_origins_are_refused(server: RunningServer) -> None:
    query = "query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    evil = request(server, "/sparql", data=query.encode(),
                   headers={**form, "Origin": "http://evil.example"})
    assert evil.status == 403 and "another origin" in evil.text
    null = request(server, "/sparql", data=query.encode(), headers={**form, "Origin": "null"})
    assert null.status == 403
    # what fetch(url, {mode: "no-cors"}) from another site sends on a GET: no Origin
    no_cors = request(server, f"/sparql?{query}",
                      headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert no_cors.status == 403 and "other sites" in no_cors.text
    same_site = request(server, f"/sparql?{query}",
                        headers={"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"})
    assert same_site.status == 403
    # the server's own page, a link followed from elsewhere, an allowed origin, and plain clients
    own = request(server, "/sparql", data=query.encode(),
                  headers={**form, "Origin": server.url, "Sec-Fetch-Site": "same-origin"})
    assert own.status == 200, own.text
    link = request(server, f"/sparql?{query}",
                   headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert link.status == 200
    allowed = request(server, "/sparql", data=query.encode(),
                      headers={**form, "Origin": "http://localhost:3000"})
    assert allowed.status == 200
    assert request(server, f"/sparql?{query}").status == 200


# --- Helpers ----------------------------------------------------------------------------------

def _cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    """The command line on the shipped project, copied beside ``store``."""
    project = store.parent / "project"
    if not project.exists():
        copy_project(project)
    return subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(project),
                           "--store", str(store), *args], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_query_shape_reads_the_dataset() -> None:
    shape = query_shape("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <http://g/b> "
                        "FROM NAMED g:c WHERE { ?s ?p ?o }")
    assert shape.from_graphs == ("g:a",)
    assert shape.from_named_graphs == ("<http://g/b>", "g:c")
    assert not query_shape("SELECT * WHERE { ?s ?p ?o } # FROM <a:b>").has_dataset


def _either(read, text: str) -> object:
    """The tokens ``read`` gives for ``text``, or the error it raises (message and place)."""
    try:
        return read(text)
    except SparqlSyntaxError as error:
        return ("error", str(error), error.line, error.column)


_FRAGMENTS = tuple(sorted({t.text for q in catalogue(CATALOGUE).values() for t in tokens(q.text)}
                          | {"\\", "$", "%", "_:", "_:b0", "_:b.1", "@", "'", '"', '"""', "<a b>",
                             "\\u0041", "'''a'''", "'a\\'b'", "@en-GB--ltr", "<>", "$v", "1.5e3",
                             "e:p\\#q", "e:p\\", "1.", ".5", "1e", "?", "-", "--", "@en-",
                             "é", "\u0660", "\r", "#x\r", "_", "`"}))
"""The catalogue's tokens, and pieces that start no token or only a broken one."""


@settings(max_examples=400, deadline=None)
@example(pieces=["SELECT", " ", "?x", "\\"])
@example(pieces=["e:p", "\\", "u0041"])
@example(pieces=["\u0660", ":", "x"])
@given(pieces=st.lists(st.sampled_from(_FRAGMENTS), max_size=40))
def test_reading_all_terminals_at_once_gives_what_one_by_one_gives(pieces: list[str]) -> None:
    """:func:`tokens` cuts ASCII text with one pattern of all the terminals; it gives the
    tokens that reading one token at a time gives, or the same error at the same place."""
    text = "".join(pieces)
    assert _either(tokens, text) == _either(tokens_one_by_one, text)


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(
    list(" \t\r\n#<>\"'\\?$_:@.,;{}()[]=!|&+-*/^~%`aAeEfSu019") + ["é"]), max_size=60))
def test_any_text_is_read_at_once_as_one_by_one(text: str) -> None:
    assert _either(tokens, text) == _either(tokens_one_by_one, text)


def test_every_catalogue_query_is_read_at_once_as_one_by_one() -> None:
    for name, query in catalogue(CATALOGUE).items():
        assert tokens(query.text) == tokens_one_by_one(query.text), name
    every_kind = ("PREFIX e: <http://e/> SELECT ?x $y WHERE { _:b0 e:p\\#q '''x''' , \"a\"@en-GB , "
                  ".5, 1.5e3, : . ?x a ?y FILTER(?y < 3 && ?y != 'b') } # note\r")
    read = tokens(every_kind)
    assert {t.kind for t in read} == {"ws", "comment", "iri", "string", "var", "pname", "bnode",
                                      "langtag", "number", "word", "punct"}
    assert read == tokens_one_by_one(every_kind)
