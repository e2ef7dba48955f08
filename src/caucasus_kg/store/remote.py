"""A SPARQL 1.1 server as the store: queries over the protocol, graphs written with the graph store
protocol (or SPARQL Update where the server has none).

The server may hold other data (Virtuoso keeps its own system graphs), so the project's graphs are
listed in a small manifest graph written by every build, with the build's fingerprint. Each query
names exactly those graphs as its dataset (``default-graph-uri`` and ``named-graph-uri`` for each),
which gives the embedded store's semantics: the default graph is the union of the project's graphs
and nothing else.

A store URL may end in ``#NAME`` to keep several projects (or test runs) apart on one server: the
manifest and the graphs are then stored under ``https://w3id.org/caucasus-kg/store/NAME/``. Queries
still name the project's graphs (``https://w3id.org/caucasus-kg/graph/...``): they are renamed on
the way to the server and back, so a query gets the embedded store's graph names.

On Virtuoso, queries are rewritten before they are sent (:func:`virtuoso_text`) so that they get
the embedded store's answers despite Virtuoso's known differences (docs/stores.md), and an answer
Virtuoso cut short at its time limit is refused rather than taken as the whole answer.

Answers come back as pyoxigraph terms, so the rest of the code does not care which store it reads:
:meth:`RemoteStore.query` takes the same arguments as ``pyoxigraph.Store.query`` and returns rows
that index like ``QuerySolution``, a boolean for ASK, or triples for CONSTRUCT and DESCRIBE.

:class:`ServerStore` is the server as a :class:`caucasus_kg.store.backend.Backend`: builds replace
every graph, and additions are uploaded under staging names and moved into place, with the
manifest, by one update (docs/stores.md says what is atomic there).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import pyoxigraph as ox

from caucasus_kg.core.project import Project
from caucasus_kg.core.sparql_text import QueryRefused, SparqlSyntaxError, check_query, tokens
from caucasus_kg.model.iris import BASE, GRAPH
from caucasus_kg.store.backend import (
    Addition,
    Backend,
    BuildInfo,
    Plan,
    RemoteQuerySyntaxError,
    RemoteStoreError,
    StoreError,
)
from caucasus_kg.store.embedded import quads
from caucasus_kg.store.transaction import commit
from caucasus_kg.store.virtuoso import VirtuosoLimit, virtuoso_text
from caucasus_kg.store.xml_results import read_xml_results

if TYPE_CHECKING:
    from caucasus_kg.sources.dataset import NamedGraph

STORE_NS = BASE + "store"
_M = STORE_NS + "#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TIMEOUT = 300.0
_UPDATE_CHUNK = 2000
"""Triples per INSERT DATA request when the server has no graph store protocol."""
_DEADLOCK_PAUSES = (0.1, 0.3, 1.0, 3.0)
"""Seconds to wait before sending again a request the server ended in a deadlock (SQLSTATE
40001; Virtuoso's SR172 "Transaction deadlocked", met when several writers use one server): its
transaction was rolled back, so a request that means the same sent twice is sent again."""
_DEADLOCK = re.compile(r"\b40001\b|\bSR172\b")


class _Deadlocked(Exception):
    """The server ended a request in a deadlock (the message: how it said so)."""


def is_remote(spec: str | None) -> bool:
    """True when a ``--store`` value names a SPARQL server rather than a folder."""
    return bool(spec) and re.match(r"^https?://", str(spec), re.IGNORECASE) is not None


@dataclass(frozen=True)
class Manifest:
    """What the last build or addition put on the server: its fingerprint, size and graphs
    (server names), and the token of the write that left it."""

    fingerprint: str
    triples: int
    graphs: tuple[str, ...]
    commit: str = ""


class Solution:
    """One row of a SELECT answer; ``row["name"]`` or ``row[ox.Variable("name")]``, None if unbound."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, object]):
        self._values = values

    def __getitem__(self, key: object) -> object:
        if isinstance(key, ox.Variable):
            key = key.value
        if isinstance(key, int):
            raise TypeError("index a row by variable name")
        return self._values.get(str(key))

    def __repr__(self) -> str:
        return f"<Solution {self._values!r}>"


class Solutions(list):
    """The rows of a SELECT answer, with ``variables`` as pyoxigraph's ``QuerySolutions`` has."""

    def __init__(self, variables: list[ox.Variable], rows: Iterable[Solution]):
        super().__init__(rows)
        self.variables = variables


class RemoteStore:
    """A project's graphs on a SPARQL 1.1 server."""

    def __init__(self, url: str, timeout: float = _TIMEOUT):
        endpoint, _, name = url.partition("#")
        if name and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise RemoteStoreError(f"'{name}' in {url} is not a dataset name; use letters, digits, "
                                   "'.', '_' and '-'")
        self.url = url
        self.endpoint = endpoint
        self.name = name or None
        self.timeout = timeout
        self.graph_store = endpoint + "-graph-crud" if endpoint.endswith("/sparql") else None
        self.excluded: frozenset[str] = frozenset()
        """Graphs (server names) left out of every query's dataset (see :meth:`without`)."""
        self._manifest: Manifest | None = None
        self._server: str | None = None

    def without(self, graphs: Collection[str]) -> RemoteStore:
        """The same store read as if it did not hold ``graphs`` (the project's names)."""
        view = RemoteStore(self.url, self.timeout)
        view.graph_store, view._server = self.graph_store, self._server
        view.excluded = frozenset(self.server_graph(g) for g in graphs)
        return view

    def __len__(self) -> int:
        """The triples of the project's graphs, as the manifest counts them."""
        return self.manifest().triples

    # ----------------------------------------------------------------------------------------
    # Names on the server

    @property
    def manifest_graph(self) -> str:
        return STORE_NS + (f"/{self.name}" if self.name else "")

    def server_graph(self, graph: str) -> str:
        """The name on the server of one of the project's graphs."""
        if self.name and graph.startswith(str(GRAPH)):
            return f"{self._graphs_ns}{graph[len(str(GRAPH)):]}"
        return graph

    @property
    def _graphs_ns(self) -> str:
        return f"{STORE_NS}/{self.name}/graph/"

    def project_graph(self, graph: str) -> str:
        """The project's name of a graph named ``graph`` on the server."""
        if self.name and graph.startswith(self._graphs_ns):
            return str(GRAPH) + graph[len(self._graphs_ns):]
        return graph

    def _to_server(self, text: str) -> str:
        """The query with the project's graph names (IRIs, and the namespace a prefix binds)
        as the server names them."""
        if not self.name or str(GRAPH) not in text:
            return text
        return "".join(f"<{self.server_graph(t.text[1:-1])}>"
                       if t.kind == "iri" and t.text[1:-1].startswith(str(GRAPH)) else t.text
                       for t in tokens(text))

    def _from_server(self, term: object) -> object:
        if self.name and isinstance(term, ox.NamedNode) and term.value.startswith(self._graphs_ns):
            return ox.NamedNode(self.project_graph(term.value))
        return term

    # ----------------------------------------------------------------------------------------
    # The protocol

    def _post(self, url: str, form: list[tuple[str, str]], accept: str,
              is_query: bool = False, again: bool | None = None) -> tuple[str, bytes]:
        """POST ``form``; ``again``: send it again after a deadlock (default: for a query)."""
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        query = any(name == "query" for name, _ in form)
        return self._send(request, is_query, query if again is None else again)

    def _send(self, request: urllib.request.Request, is_query: bool = False,
              again: bool = False) -> tuple[str, bytes]:
        """Send ``request``; with ``again``, once more after each deadlock the server reports
        (:data:`_DEADLOCK_PAUSES`), for a request that means the same sent twice."""
        pauses = iter(_DEADLOCK_PAUSES if again else ())
        tries = 0
        while True:
            tries += 1
            try:
                return self._send_once(request, is_query)
            except _Deadlocked as deadlock:
                pause = next(pauses, None)
                if pause is None:
                    sent = f"sent {tries} times" if tries > 1 else "which cannot be sent twice"
                    raise RemoteStoreError(
                        f"the SPARQL server at {self.endpoint} ended the request ({sent}) in a "
                        f"deadlock with another client writing to it ({deadlock}); run the "
                        "command again once the other writer is done") from deadlock
                time.sleep(pause)

    def _send_once(self, request: urllib.request.Request, is_query: bool
                   ) -> tuple[str, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                self._server = response.headers.get("Server", "")
                body = response.read()
                _check_complete(response.headers, self.endpoint)
                return response.headers.get("Content-Type", ""), body
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip()
            detail = detail.split("\n\nSPARQL query:")[0].strip()[:1000]
            if exc.code == 400 and is_query:
                raise RemoteQuerySyntaxError(detail or "the server refused the query") from exc
            if "SR203" in detail or "killed by SQLCancel" in detail:  # Virtuoso's other way
                raise RemoteStoreError(_time_limit_message(self.endpoint, "sent no answer",
                                                           detail[:200])) from exc
            if _DEADLOCK.search(detail):
                raise _Deadlocked(f"HTTP {exc.code}, SQLSTATE 40001"
                                  + (", Virtuoso SR172" if "SR172" in detail else "")) from exc
            raise RemoteStoreError(f"the SPARQL server at {self.endpoint} answered "
                                   f"{exc.code} {exc.reason}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteStoreError(
                f"cannot reach the SPARQL server at {self.endpoint}: {reason}; start it (for a "
                "local Virtuoso: scripts/virtuoso start) or point --store elsewhere") from exc

    def update(self, text: str, again: bool = False) -> None:
        """Run a SPARQL Update request; ``again``: it means the same sent twice (one DROP, an
        INSERT DATA), so it is sent again after a deadlock."""
        self._post(self.endpoint, [("update", text)], "*/*", again=again)

    def _dataset_form(self, graphs: Iterable[str]) -> list[tuple[str, str]]:
        form = []
        for graph in graphs:
            form.append(("default-graph-uri", graph))
            form.append(("named-graph-uri", graph))
        return form

    def query(self, text: str, prefixes: Mapping[str, str] | None = None,
              use_default_graph_as_union: bool = True, **_ignored: object) -> object:
        """Like ``pyoxigraph.Store.query`` over the project's graphs; read-only query forms only."""
        try:
            form = check_query(text).form
        except QueryRefused as exc:
            raise RemoteQuerySyntaxError(exc.message) from exc
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted((prefixes or {}).items()))
        text = self._to_server(head + text)
        graphs = self.dataset_graphs() if use_default_graph_as_union else ()
        if self._server is None:
            self.manifest()  # the first request tells which server this is
        if self.is_virtuoso:
            try:
                text = self._for_virtuoso(text, graphs)
            except SparqlSyntaxError as exc:  # located in the text as given, without ``head``
                message = str(exc).split(": ", 1)[-1]
                raise RemoteQuerySyntaxError(
                    f"line {exc.line - head.count(chr(10))}, column {exc.column}: {message} (the "
                    "query is read before it is sent to Virtuoso)") from exc
        fields = [("query", text), *self._dataset_form(graphs)]
        if form in ("CONSTRUCT", "DESCRIBE"):
            _, body = self._post(self.endpoint, fields, "application/n-triples", True)
            triples = parse_ntriples(body)
            if not self.name:
                return triples
            return [ox.Triple(t.subject, t.predicate, self._from_server(t.object))
                    for t in triples]
        media, body = self._post(self.endpoint, fields, RESULTS_ACCEPT, True)
        results = parse_results(body, media)
        if self.name and isinstance(results, Solutions):
            for row in results:
                row._values = {k: self._from_server(v) for k, v in row._values.items()}
        return results

    def dataset_graphs(self) -> tuple[str, ...]:
        """The graphs (server names) a query reads: the manifest's, but for any excluded."""
        return tuple(g for g in self.manifest().graphs if g not in self.excluded)

    def _for_virtuoso(self, text: str, graphs: Iterable[str]) -> str:
        """The query as it is sent to Virtuoso (:func:`virtuoso_text`); the queries that adjustment
        asks (a path's single steps) go to the same dataset."""
        graphs = tuple(graphs)

        def select(query: str) -> list[list[object]]:
            fields = [("query", self._for_virtuoso(query, graphs)), *self._dataset_form(graphs)]
            media, body = self._post(self.endpoint, fields, RESULTS_ACCEPT, True)
            results = _parse_results(body, media)
            return [[row[v] for v in results.variables] for row in results]

        try:
            return virtuoso_text(text, select)
        except VirtuosoLimit as exc:
            raise RemoteStoreError(f"the query was not sent to the SPARQL server at "
                                   f"{self.endpoint}: {exc}") from exc

    def quads_for_pattern(self, subject: object = None, predicate: object = None,
                          obj: object = None, graph: object = None) -> Iterator[ox.Quad]:
        """Quads of the project's graphs matching a pattern (None matches anything)."""
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph}
        values = " ".join(f"VALUES ?{v} {{ {t} }}" for v, t in terms.items() if t is not None)
        text = f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}"
        for row in self.query(text):
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    @property
    def is_virtuoso(self) -> bool:
        """Whether the server says it is Virtuoso (known after the first request)."""
        return "virtuoso" in (self._server or "").lower()

    # ----------------------------------------------------------------------------------------
    # The manifest

    def manifest(self, refresh: bool = False) -> Manifest:
        """The manifest of the last build; an empty one (no graphs) when nothing was built."""
        if self._manifest is None or refresh:
            text = (f"SELECT ?p ?o WHERE {{ GRAPH <{self.manifest_graph}> "
                    f"{{ <{self.manifest_graph}> ?p ?o }} }}")
            media, body = self._post(self.endpoint, [("query", text)], RESULTS_ACCEPT)
            fingerprint, triples, graphs, token = "", 0, [], ""
            for row in parse_results(body, media):
                prop, value = row["p"].value, row["o"]
                if prop == _M + "fingerprint":
                    fingerprint = value.value
                elif prop == _M + "triples":
                    triples = int(value.value)
                elif prop == _M + "graph":
                    graphs.append(value.value)
                elif prop == _M + "commit":
                    token = value.value
            self._manifest = Manifest(fingerprint, triples, tuple(sorted(graphs)), token)
        return self._manifest

    def check(self) -> Manifest:
        """Reach the server and read the manifest: a clear error now rather than mid-command."""
        return self.manifest(refresh=True)

    # ----------------------------------------------------------------------------------------
    # Writing a build

    def replace_content(self, graphs: Mapping[str, list[ox.Triple]], fingerprint: str
                        ) -> Manifest:
        """Make ``graphs`` (project graph name to triples) the project's whole content.

        Each graph is uploaded under a temporary name first; then one update request moves them
        into place, drops the graphs the project no longer has and rewrites the manifest. If an
        upload fails the temporary graphs are dropped and the previous build is untouched.
        """
        old = self.manifest(refresh=True)
        token = secrets.token_hex(6)
        staged: dict[str, str] = {}
        try:
            for n, (name, triples) in enumerate(sorted(graphs.items())):
                temporary = f"{STORE_NS}/staging/{token}/{n}"
                staged[self.server_graph(name)] = temporary
                self.put_graph(temporary, triples)
            total = sum(len(t) for t in graphs.values())
            manifest = Manifest(fingerprint, total, tuple(sorted(staged)), token)
            operations = [f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{final}>"
                          for final, tmp in sorted(staged.items())]
            operations += [f"DROP SILENT GRAPH <{g}>" for g in old.graphs if g not in staged]
            operations += self._manifest_update(manifest)
            self.update(" ;\n".join(operations))
        except BaseException:
            for temporary in staged.values():
                with contextlib.suppress(RemoteStoreError):
                    self.drop_graph(temporary)
            raise
        self._manifest = manifest
        return manifest

    def _manifest_update(self, manifest: Manifest) -> list[str]:
        """The update operations that replace the manifest with ``manifest``."""
        return [f"DROP SILENT GRAPH <{self.manifest_graph}>",
                f"INSERT DATA {{ GRAPH <{self.manifest_graph}> {{ "
                + " ".join(_manifest_triples(self.manifest_graph, manifest)) + " } }"]

    def put_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """Replace one graph's content: graph store protocol PUT, else SPARQL Update."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if self.graph_store is not None:
            url = self.graph_store + "?" + urllib.parse.urlencode({"graph": graph})
            # N-Triples is Turtle; every graph store implementation reads Turtle.
            request = urllib.request.Request(url, data=body, method="PUT",
                                             headers={"Content-Type": "text/turtle"})
            try:
                self._send(request, again=True)  # a PUT replaces the graph: the same twice
                return
            except RemoteStoreError as exc:
                if not re.search(r"answered (404|405|501)", str(exc)):
                    raise
                self.graph_store = None  # no graph store protocol here: use SPARQL Update
        lines = body.decode("utf-8").splitlines()
        self.update(f"DROP SILENT GRAPH <{graph}>", again=True)
        for start in range(0, len(lines), _UPDATE_CHUNK):
            chunk = "\n".join(lines[start:start + _UPDATE_CHUNK])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}\n}} }}", again=True)

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>", again=True)

    def drop_all(self) -> None:
        """Remove the project's graphs and its manifest from the server."""
        graphs = self.manifest(refresh=True).graphs
        self.update(" ;\n".join([*(f"DROP SILENT GRAPH <{g}>" for g in graphs),
                                 f"DROP SILENT GRAPH <{self.manifest_graph}>"]),
                    again=True)  # drops only: the same when sent twice, even half done
        self._manifest = Manifest("", 0, ())


    def count(self, graph: str) -> int:
        """The triples in ``graph`` (a server name)."""
        return self._count(f"GRAPH <{graph}> {{ ?s ?p ?o }}")

    def count_present(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """How many of ``triples`` (without blank nodes) ``graph`` (a server name) holds."""
        rows = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in triples)
        if not rows:
            return 0
        return self._count(f"VALUES (?s ?p ?o) {{ {rows} }} GRAPH <{graph}> {{ ?s ?p ?o }}")

    def _count(self, pattern: str) -> int:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
        media, body = self._post(self.endpoint, [("query", text)], RESULTS_ACCEPT)
        results = parse_results(body, media)
        assert isinstance(results, Solutions)
        return int(results[0]["n"].value) if results else 0


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in quads:
        by_graph[quad.graph_name.value].append(quad.triple)
    return by_graph


class ServerStore(Backend):
    """The project's graphs on a SPARQL 1.1 server (``project.store_url``)."""

    kind: ClassVar[str] = "server"

    def __init__(self, project: Project, remote: RemoteStore | None = None) -> None:
        assert project.store_url is not None
        self.project = project
        self.remote = remote or RemoteStore(project.store_url)

    @property
    def location(self) -> str:
        return self.remote.url

    def info(self) -> BuildInfo | None:
        manifest = self.remote.manifest(refresh=True)
        if not manifest.graphs:
            return None
        return BuildInfo(manifest.fingerprint, manifest.triples, len(manifest.graphs))

    def reader(self, without: Collection[str] = ()) -> RemoteStore:
        return self.remote.without(without) if without else self.remote

    def replace_graphs(self, graphs: list[NamedGraph], fingerprint: str,
                       extra_quads: list[ox.Quad] | None = None) -> BuildInfo:
        by_graph = _by_graph([*quads(graphs), *(extra_quads or [])])
        for named in graphs:
            by_graph.setdefault(str(named.name), [])
        try:
            manifest = self.remote.replace_content(dict(by_graph), fingerprint)
        except RemoteStoreError as exc:
            raise StoreError(f"{exc}; the store was not changed") from exc
        return BuildInfo(fingerprint, manifest.triples, len(manifest.graphs))

    def add_graphs(self, addition: Addition) -> BuildInfo:
        return commit(self.project, self, addition)

    # The steps of an addition: staging graphs, then one update

    def begin_addition(self, addition: Addition) -> Plan:
        """Staging names for the new graphs (moved onto their names, replacing any graph of
        that name) and for the derived quads (added to their graphs)."""
        token = secrets.token_hex(6)
        staging = f"{STORE_NS}/staging/{token}/"
        moved = sorted(str(g.name) for g in addition.graphs)
        added = sorted(_by_graph(addition.extra_quads))
        return {"kind": self.kind, "url": self.remote.url, "token": token,
                "move": {self.remote.server_graph(g): f"{staging}{n}"
                         for n, g in enumerate(moved)},
                "add": {self.remote.server_graph(g): f"{staging}add-{n}"
                        for n, g in enumerate(added)}}

    def stage_addition(self, addition: Addition, plan: Plan) -> None:
        for named in addition.graphs:
            self.remote.put_graph(plan["move"][self.remote.server_graph(str(named.name))],
                                  [q.triple for q in named.quads()])
        for graph, triples in _by_graph(addition.extra_quads).items():
            self.remote.put_graph(plan["add"][self.remote.server_graph(graph)], triples)

    def publish_addition(self, addition: Addition, plan: Plan, fingerprint: str) -> BuildInfo:
        """One update moves the staging graphs into place and rewrites the manifest, whose
        ``commit`` is then this addition's token (how :meth:`recover_addition` knows)."""
        old = self.remote.manifest(refresh=True)
        triples = old.triples + sum(len(g) for g in addition.graphs)
        triples -= sum(self.remote.count(g) for g in plan["move"] if g in old.graphs)
        for graph, added in _by_graph(addition.extra_quads).items():
            distinct = set(added)
            triples += len(distinct) - self.remote.count_present(
                self.remote.server_graph(graph), distinct)
        graphs = tuple(sorted({*old.graphs, *plan["move"], *plan["add"]}))
        manifest = Manifest(fingerprint, triples, graphs, plan["token"])
        operations = [f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{final}>"
                      for final, tmp in sorted(plan["move"].items())]
        for final, tmp in sorted(plan["add"].items()):
            operations += [f"ADD SILENT GRAPH <{tmp}> TO GRAPH <{final}>",
                           f"DROP SILENT GRAPH <{tmp}>"]
        operations += self.remote._manifest_update(manifest)
        self.remote.update(" ;\n".join(operations))
        self.remote._manifest = manifest
        return BuildInfo(fingerprint, triples, len(graphs))

    def recover_addition(self, plan: Plan) -> bool:
        """Published if the manifest carries this addition's token; otherwise the staging
        graphs, which no query reads, are dropped and the server is as it was."""
        if self.remote.manifest(refresh=True).commit == plan["token"]:
            return True
        staging = [*plan.get("move", {}).values(), *plan.get("add", {}).values()]
        if staging:
            self.remote.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staging))
        return False


def _check_complete(headers: Mapping[str, str], endpoint: str) -> None:
    """Refuse an answer the server cut short.

    When a query runs past its time limit, Virtuoso answers ``200 OK`` with the rows found so far
    and says so only in ``X-SQL-State: S1TAT`` ("anytime query"). Taken as the answer, those rows
    would silently be too few.
    """
    state = (headers.get("X-SQL-State") or "").strip()
    message = (headers.get("X-SQL-Message") or "").strip()
    if state == "S1TAT" or "incomplete results" in message.lower():
        raise RemoteStoreError(_time_limit_message(endpoint, "sent only part of the answer",
                                                   f"{state}: {message[:200]}"))


def _time_limit_message(endpoint: str, outcome: str, detail: str) -> str:
    """A query stopped at the server's time limit: Virtuoso sends the rows found so far (flagged
    in a header) or, when it cancels the statement, an error."""
    return (f"the SPARQL server at {endpoint} stopped the query at its time limit and {outcome} "
            f"({detail}); raise the server's limit (Virtuoso: MaxQueryExecutionTime in [SPARQL] "
            "of virtuoso.ini) or ask a narrower question")


def _manifest_triples(subject: str, manifest: Manifest) -> list[str]:
    lines = [f"<{subject}> <{_M}fingerprint> {_nt(ox.Literal(manifest.fingerprint))} .",
             f"<{subject}> <{_M}triples> \"{manifest.triples}\"^^<{_XSD}integer> ."]
    if manifest.commit:
        lines.append(f"<{subject}> <{_M}commit> {_nt(ox.Literal(manifest.commit))} .")
    lines += [f"<{subject}> <{_M}graph> <{g}> ." for g in manifest.graphs]
    return lines


def _nt(term: object) -> str:
    return str(term)  # pyoxigraph terms print as N-Triples


# --------------------------------------------------------------------------------------------
# Reading answers: pyoxigraph's parsers, then the server's quirks undone in one place

RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
"""What SELECT and ASK answers are asked for in: XML first, since Virtuoso writes it about three
times faster than JSON (0.10 s against 0.34 s for the 4,800 quads of the curated graph)."""


def parse_results(body: bytes, media_type: str = "application/sparql-results+json"
                  ) -> Solutions | bool:
    """SPARQL 1.1 XML or JSON results (by ``media_type``, the response's Content-Type; JSON in
    the older ``typed-literal`` form too) as the embedded store gives them: each term passed
    through :func:`as_oxigraph_gives_it`."""
    return _parse_results(body, media_type, as_oxigraph_gives_it)


def _parse_results(body: bytes, media_type: str,
                   term: Callable[[object], object] = lambda t: t) -> Solutions | bool:
    """XML results read by :func:`read_xml_results`, JSON results by pyoxigraph, each term
    passed through ``term`` (by default exactly as the server sent it, blank node labels aside,
    see :func:`_bnode_id`); Virtuoso's fake variable of ``SELECT *`` left out."""
    try:
        if "xml" in media_type.split(";")[0].lower():
            read = read_xml_results(body, _bnode_id)
            if isinstance(read, bool):
                return read
            names, rows = read
        else:
            parsed = ox.parse_query_results(_valid_blank_nodes(body),
                                            format=ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QueryBoolean):
                return bool(parsed)
            names = [v.value for v in parsed.variables]
            rows = [{v: row[v] for v in names if row[v] is not None} for row in parsed]
    except (SyntaxError, ValueError) as exc:
        raise RemoteStoreError(f"the SPARQL server sent results that do not parse: {exc}: "
                               f"{body[:200]!r}") from exc
    names = [v for v in names if v != _STAR_FAKE]
    return Solutions([ox.Variable(v) for v in names],
                     [Solution({k: term(v) for k, v in row.items() if k != _STAR_FAKE})
                      for row in rows])


def parse_ntriples(body: bytes) -> list[ox.Triple]:
    """N-Triples from a CONSTRUCT or DESCRIBE as pyoxigraph triples, read by pyoxigraph, each
    object passed through :func:`as_oxigraph_gives_it`."""
    try:
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise RemoteStoreError(f"the SPARQL server sent N-Triples that do not parse: {exc}") \
            from exc
    return [ox.Triple(t.subject, t.predicate, as_oxigraph_gives_it(t.object)) for t in triples]


# Virtuoso's quirks, and what is done about them (docs/stores.md lists them too):
# - blank nodes in XML and JSON results are labelled "nodeID://b10000", which is no blank node id:
#   read as "b10000" (_bnode_id in XML, _valid_blank_nodes in JSON);
# - booleans come back as "1"^^xsd:boolean and "0"^^xsd:boolean: read as true and false;
# - xsd:int, xsd:positiveInteger and the other types derived from xsd:integer keep their type,
#   where Oxigraph stores xsd:integer: read as xsd:integer (as_oxigraph_gives_it);
# - SELECT * over a pattern without variables is answered with a column "_star_fake": left out;
# - results in the older JSON form ("typed-literal") and plain strings without a datatype are
#   read by pyoxigraph as they are, as xsd:string and typed literals.

_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger",
    "int", "long", "short", "byte", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_BOOLEAN = ox.NamedNode(_XSD + "boolean")
_STAR_FAKE = "_star_fake"
_INTEGER = ox.NamedNode(_XSD + "integer")


def as_oxigraph_gives_it(term: object) -> object:
    """A term from the server as the embedded store gives it: integers of the types derived from
    ``xsd:integer`` as ``xsd:integer``, booleans ``1``/``0`` as ``true``/``false``."""
    if not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    text = term.value.strip()
    if datatype in _INTEGER_TYPES and re.fullmatch(r"[+-]?\d+", text):
        return ox.Literal(str(int(text)), datatype=_INTEGER)
    if datatype == _BOOLEAN.value and text in ("1", "0"):
        return ox.Literal("true" if text == "1" else "false", datatype=_BOOLEAN)
    return term


def _valid_blank_nodes(body: bytes) -> bytes:
    """JSON results with each blank node labelled as a valid blank node id."""
    if b'"bnode"' not in body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body  # left to the parser, which says where it fails
    for binding in data.get("results", {}).get("bindings", []):
        for value in binding.values():
            if isinstance(value, dict) and value.get("type") == "bnode":
                value["value"] = _bnode_id(str(value.get("value", "")))
    return json.dumps(data).encode()


def _bnode_id(text: str) -> str:
    """A valid blank node id from a server's label (Virtuoso sends ``nodeID://b10000``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "", text.rsplit("/", 1)[-1])
    return cleaned or "b"
