"""A SPARQL 1.1 server as the store: queries over the protocol, graphs written with the graph store
protocol (or SPARQL Update where the server has none).

The server may hold other data (Virtuoso keeps its own system graphs), so the project's graphs are
listed in a small manifest graph written by every build, with the build's fingerprint. Each query
names exactly those graphs as its dataset (``default-graph-uri`` and ``named-graph-uri`` for each),
which gives the embedded store's semantics: the default graph is the union of the project's graphs
and nothing else.

A store URL may end in ``#NAME`` to keep several projects (or test runs) apart on one server: the
manifest and the graphs are then stored under ``https://w3id.org/caucasus-kg/store/NAME/``.

On Virtuoso, queries are rewritten before they are sent (:func:`virtuoso_text`) so that they get
the embedded store's answers despite Virtuoso's known differences (docs/stores.md), and an answer
Virtuoso cut short at its time limit is refused rather than taken as the whole answer.

Answers come back as pyoxigraph terms, so the rest of the code does not care which store it reads:
:meth:`RemoteStore.query` takes the same arguments as ``pyoxigraph.Store.query`` and returns rows
that index like ``QuerySolution``, a boolean for ASK, or triples for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from .namespaces import BASE, GRAPH
from .sparqltext import QueryRefused, check_query, scan

STORE_NS = BASE + "store"
_M = STORE_NS + "#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TIMEOUT = 300.0
_UPDATE_CHUNK = 2000
"""Triples per INSERT DATA request when the server has no graph store protocol."""

PATH_DEPTH = 6
"""How many steps ``P*`` and ``P+`` follow on Virtuoso, where they are rewritten (docs/stores.md)."""
_MAX_ALTERNATIVES = 4
"""Paths with more alternatives than this are left as they are: bounded, they compile to more SQL
than Virtuoso accepts."""


class RemoteStoreError(OSError):
    """The server cannot be reached, refused a request, or sent something unreadable."""


class RemoteQuerySyntaxError(SyntaxError):
    """The server rejected the query text (HTTP 400)."""


def is_remote(spec: str | None) -> bool:
    """True when a ``--store`` value names a SPARQL server rather than a folder."""
    return bool(spec) and re.match(r"^https?://", str(spec), re.IGNORECASE) is not None


@dataclass(frozen=True)
class Manifest:
    """What the last build put on the server: its fingerprint, size and graphs (server names)."""

    fingerprint: str
    triples: int
    graphs: tuple[str, ...]


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
        self._manifest: Manifest | None = None
        self._server: str | None = None

    # ----------------------------------------------------------------------------------------
    # Names on the server

    @property
    def manifest_graph(self) -> str:
        return STORE_NS + (f"/{self.name}" if self.name else "")

    def server_graph(self, graph: str) -> str:
        """The name on the server of one of the project's graphs."""
        if self.name and graph.startswith(str(GRAPH)):
            return f"{STORE_NS}/{self.name}/graph/{graph[len(str(GRAPH)):]}"
        return graph

    # ----------------------------------------------------------------------------------------
    # The protocol

    def _post(self, url: str, form: list[tuple[str, str]], accept: str,
              is_query: bool = False) -> tuple[str, bytes]:
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        return self._send(request, is_query)

    def _send(self, request: urllib.request.Request, is_query: bool = False
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
            raise RemoteStoreError(f"the SPARQL server at {self.endpoint} answered "
                                   f"{exc.code} {exc.reason}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteStoreError(
                f"cannot reach the SPARQL server at {self.endpoint}: {reason}; start it (for a "
                "local Virtuoso: scripts/virtuoso start) or point --store elsewhere") from exc

    def update(self, text: str) -> None:
        """Run a SPARQL Update request."""
        self._post(self.endpoint, [("update", text)], "*/*")

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
        if prefixes:
            text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(prefixes.items())) + text
        graphs = self.manifest().graphs if use_default_graph_as_union else ()
        if self.is_virtuoso:
            text = virtuoso_text(text)
        fields = [("query", text), *self._dataset_form(graphs)]
        if form in ("CONSTRUCT", "DESCRIBE"):
            _, body = self._post(self.endpoint, fields, "application/n-triples", True)
            return parse_ntriples(body)
        _, body = self._post(self.endpoint, fields, "application/sparql-results+json", True)
        return parse_json_results(body)

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
            _, body = self._post(self.endpoint, [("query", text)], "application/sparql-results+json")
            fingerprint, triples, graphs = "", 0, []
            for row in parse_json_results(body):
                prop, value = row["p"].value, row["o"]
                if prop == _M + "fingerprint":
                    fingerprint = value.value
                elif prop == _M + "triples":
                    triples = int(value.value)
                elif prop == _M + "graph":
                    graphs.append(value.value)
            self._manifest = Manifest(fingerprint, triples, tuple(sorted(graphs)))
        return self._manifest

    def check(self) -> Manifest:
        """Reach the server and read the manifest: a clear error now rather than mid-command."""
        return self.manifest(refresh=True)

    # ----------------------------------------------------------------------------------------
    # Writing a build

    def replace_graphs(self, graphs: Mapping[str, list[ox.Triple]], fingerprint: str) -> Manifest:
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
            manifest = Manifest(fingerprint, total, tuple(sorted(staged)))
            operations = [f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{final}>"
                          for final, tmp in sorted(staged.items())]
            operations += [f"DROP SILENT GRAPH <{g}>" for g in old.graphs if g not in staged]
            operations.append(f"DROP SILENT GRAPH <{self.manifest_graph}>")
            operations.append(f"INSERT DATA {{ GRAPH <{self.manifest_graph}> {{ "
                              + " ".join(_manifest_triples(self.manifest_graph, manifest))
                              + " } }")
            self.update(" ;\n".join(operations))
        except BaseException:
            for temporary in staged.values():
                with contextlib.suppress(RemoteStoreError):
                    self.drop_graph(temporary)
            raise
        self._manifest = manifest
        return manifest

    def put_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """Replace one graph's content: graph store protocol PUT, else SPARQL Update."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if self.graph_store is not None:
            url = self.graph_store + "?" + urllib.parse.urlencode({"graph": graph})
            # N-Triples is Turtle; every graph store implementation reads Turtle.
            request = urllib.request.Request(url, data=body, method="PUT",
                                             headers={"Content-Type": "text/turtle"})
            try:
                self._send(request)
                return
            except RemoteStoreError as exc:
                if not re.search(r"answered (404|405|501)", str(exc)):
                    raise
                self.graph_store = None  # no graph store protocol here: use SPARQL Update
        lines = body.decode("utf-8").splitlines()
        self.update(f"DROP SILENT GRAPH <{graph}>")
        for start in range(0, len(lines), _UPDATE_CHUNK):
            chunk = "\n".join(lines[start:start + _UPDATE_CHUNK])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}\n}} }}")

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def drop_all(self) -> None:
        """Remove the project's graphs and its manifest from the server."""
        graphs = self.manifest(refresh=True).graphs
        self.update(" ;\n".join([*(f"DROP SILENT GRAPH <{g}>" for g in graphs),
                                 f"DROP SILENT GRAPH <{self.manifest_graph}>"]))
        self._manifest = Manifest("", 0, ())


def _check_complete(headers: Mapping[str, str], endpoint: str) -> None:
    """Refuse an answer the server cut short.

    When a query runs past its time limit, Virtuoso answers ``200 OK`` with the rows found so far
    and says so only in ``X-SQL-State: S1TAT`` ("anytime query"). Taken as the answer, those rows
    would silently be too few.
    """
    state = (headers.get("X-SQL-State") or "").strip()
    message = (headers.get("X-SQL-Message") or "").strip()
    if state == "S1TAT" or "incomplete results" in message.lower():
        raise RemoteStoreError(
            f"the SPARQL server at {endpoint} stopped the query at its time limit and sent only "
            f"part of the answer ({state}: {message[:200]}); raise the server's limit (Virtuoso: "
            "MaxQueryExecutionTime in [SPARQL] of virtuoso.ini) or ask a narrower question")


def _manifest_triples(subject: str, manifest: Manifest) -> list[str]:
    lines = [f"<{subject}> <{_M}fingerprint> {_nt(ox.Literal(manifest.fingerprint))} .",
             f"<{subject}> <{_M}triples> \"{manifest.triples}\"^^<{_XSD}integer> ."]
    lines += [f"<{subject}> <{_M}graph> <{g}> ." for g in manifest.graphs]
    return lines


def _nt(term: object) -> str:
    return str(term)  # pyoxigraph terms print as N-Triples


def virtuoso_text(text: str) -> str:
    """A query as it is sent to Virtuoso: the rewrites that give it Oxigraph's answers
    (docs/stores.md lists the differences they work around)."""
    return concat_of_unbound(boolean_binds(bounded_paths(zero_length_paths(text))))


def bounded_paths(text: str, depth: int = PATH_DEPTH) -> str:
    """``P*`` as ``(P|P/P|...)?`` and ``P+`` as ``(P|P/P|...)``, up to ``depth`` steps.

    Virtuoso 7.2 drops rows when a ``*`` path is joined with other patterns (a row for the first
    binding, none for the next); the bounded form gives the right rows on chains up to ``depth``.
    Only path operators are touched: the ``*`` of ``SELECT *``, ``COUNT(*)`` and multiplication,
    and everything in strings, IRIs and comments, are left alone.
    """
    out: list[tuple[str, str]] = []
    for kind, piece in scan(text):
        if kind == "text" and piece in "*+" and out:
            start = _path_primary_start(out)
            if start is not None:
                primary = "".join(p for _, p in out[start:])
                if primary.count("|") >= _MAX_ALTERNATIVES:
                    out.append((kind, piece))  # Virtuoso cannot compile the bounded form
                    continue
                steps = "|".join("/".join([primary] * n) for n in range(1, depth + 1))
                del out[start:]
                out.append(("text", f"(({steps}){'?' if piece == '*' else ''})"))
                continue
        out.append((kind, piece))
    return "".join(p for _, p in out)


def _path_primary_start(out: list[tuple[str, str]]) -> int | None:
    """Where the path primary that ends ``out`` starts: an IRI, a prefixed name, ``a``, or a
    parenthesised path; None when what precedes is not a path."""
    kind, last = out[-1]
    if kind == "iri":
        return len(out) - 1
    if kind != "text":
        return None
    if last == ")":
        level = 0
        for i in range(len(out) - 1, -1, -1):
            k, p = out[i]
            if k == "var":
                return None  # an expression, e.g. (?a + ?b) * 2
            if k == "text" and p == ")":
                level += 1
            elif k == "text" and p == "(":
                level -= 1
                if level == 0:
                    inner = "".join(q for _, q in out[i:])
                    if i > 0 and out[i - 1][0] == "text" and out[i - 1][1].isalpha():
                        return None  # a function call such as COUNT(...)
                    return i if re.search(r"[A-Za-z]:|<|\ba\b", inner) else None
        return None
    i = len(out)
    while i > 0 and out[i - 1][0] == "text" and re.fullmatch(r"[\w:.\-^]", out[i - 1][1]):
        i -= 1
    name = "".join(p for _, p in out[i:])
    if name == "a" or re.fullmatch(r"\^?[A-Za-z][\w.\-]*:[\w.\-]*|\^?[A-Za-z]?:[\w.\-]+", name):
        return i
    return None


_BOOLEAN_CALLS = {"BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM",
                  "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "LANGMATCHES", "EXISTS"}
"""Functions whose value is a boolean (SPARQL 1.1, 17.4)."""
_BOOLEAN_TYPE = f"<{_XSD}boolean>"


def _masked(text: str, keep_iri_brackets: bool = False) -> str:
    """``text`` with comments, strings and IRIs overwritten (same length), so that operators,
    parentheses and keywords can be found by position without looking inside them."""
    fill = {"comment": " ", "string": '"', "iri": "_"}
    out = []
    for kind, piece in scan(text):
        if kind == "iri" and keep_iri_brackets:
            out.append("<" + "_" * (len(piece) - 2) + ">")
        else:
            out.append(fill[kind] * len(piece) if kind in fill else piece)
    return "".join(out)


_TERM = r"(?:[?$]\w+|<_*>|[A-Za-z][\w.\-]*:[\w.\-]*|:[\w.\-]+)"
_PRIMARY = r"(?:<_*>|[A-Za-z][\w.\-]*:[\w.\-]*|:[\w.\-]+|a\b|\((?:[^()]|\([^()]*\))*\))"


def _group_bounds(masked: str, at: int) -> tuple[int, int]:
    """The span inside the innermost ``{...}`` around position ``at``."""
    level, start = 0, 0
    for i in range(at - 1, -1, -1):
        if masked[i] == "}":
            level += 1
        elif masked[i] == "{":
            if level == 0:
                start = i + 1
                break
            level -= 1
    end = _closing(masked, start - 1) if start else len(masked)
    return start, end


def _bound_elsewhere(masked: str, var: str, start: int, end: int) -> bool:
    """Whether ``var`` occurs in the innermost group around ``start``..``end`` (at that group's
    own level, not in nested groups or FILTERs) outside that span."""
    g_start, g_end = _group_bounds(masked, start)
    outside = masked[g_start:start] + " " * (end - start) + masked[end:g_end]
    level, own = 0, []
    for ch in outside:
        if ch == "{":
            level += 1
        elif ch == "}":
            level -= 1
        own.append(ch if level == 0 and ch != "}" else " ")
    own_text = re.sub(r"(?i)\b(?:FILTER|BIND)\s*\((?:[^()]|\([^()]*\))*\)", " ", "".join(own))
    return re.search(re.escape(var) + r"(?!\w)", own_text) is not None


def _statement_subject(masked: str, at: int) -> tuple[int, str] | None:
    """The subject of the statement whose property list contains position ``at``."""
    level = 0
    for i in range(at - 1, -1, -1):
        ch = masked[i]
        if ch in ")]}" and not (ch == "}" and level == 0):
            level += 1
        elif ch in "([{":
            if level == 0:
                break
            level -= 1
        elif ch in ".}" and level == 0:
            break
    else:
        i = -1
    found = re.match(r"\s*(" + _TERM + r")\s", masked[i + 1:])
    if found is None:
        return None
    return i + 1 + found.start(1), found.group(1)


def _is_path(*primaries: str) -> bool:
    """Whether masked path primaries are paths (no variables, so not an expression)."""
    return not any(re.search(r"[?$]\w", p) for p in primaries)


def _opens_subquery(masked: str, at: int) -> bool:
    """Whether position ``at`` is the first thing in the WHERE group of a sub-select."""
    before = masked[:at].rstrip()
    if not before.endswith("{"):
        return False
    head = before[:-1].rstrip()
    return re.search(r"(?i)\bWHERE$", head) is not None and \
        re.search(r"(?i)\bSELECT\b", masked[:len(head)]) is not None and \
        masked[:len(head)].count("{") > 0


def zero_length_paths(text: str, depth: int = PATH_DEPTH) -> str:
    """Take the zero-length step out of ``P*`` where that can be done without ``?``.

    Virtuoso 7.2 drops rows of ``P?`` joined with other patterns as it does those of ``P*``,
    depending on the plan it picks (and so on the rest of the database). So ``X/P*`` becomes
    ``(X|X/P|X/P/P...)``, and a triple ``S P* O`` with one end a fixed term and the other a
    variable bound by another pattern of the same group becomes
    ``FILTER(sameTerm(S, O) || EXISTS { S P+ O })``. Other ``*`` paths are left to
    :func:`bounded_paths`.
    """
    masked = _masked(text, keep_iri_brackets=True)
    edits: list[tuple[int, int, str]] = []
    sequence = re.compile(r"(?<=\s)(" + _PRIMARY + r")/(" + _PRIMARY + r")\*(?=\s)")
    for found in sequence.finditer(masked):
        first, star = (text[found.start(g):found.end(g)] for g in (1, 2))
        if star.count("|") >= _MAX_ALTERNATIVES or not _is_path(found.group(1), found.group(2)):
            continue
        steps = "|".join("/".join([first] + [star] * n) for n in range(depth + 1))
        edits.append((found.start(), found.end(), f"({steps})"))
    triple = re.compile(r"(?<=[\s{}.;])(?:(" + _TERM + r")|;)\s*(" + _PRIMARY
                        + r")\*\s+(" + _TERM + r")(?=\s*([.;}]))")
    for found in triple.finditer(masked):
        if any(a < found.end() and found.start() < b for a, b, _ in edits):
            continue
        path = text[found.start(2):found.end(2)]
        if not _is_path(found.group(2)):
            continue
        if found.group(1) is not None:
            subject_at, subject_masked = found.start(1), found.group(1)
        else:
            located = _statement_subject(masked, found.start())
            if located is None:
                continue
            subject_at, subject_masked = located
        subject = text[subject_at:subject_at + len(subject_masked)]
        obj = text[found.start(3):found.end(3)]
        variable = [t for t in (subject, obj) if t[0] in "?$"]
        if len(variable) != 1:
            continue
        if path.count("|") < _MAX_ALTERNATIVES and _bound_elsewhere(
                masked, variable[0], found.start(), found.end()):
            condition = (f"FILTER(sameTerm({subject}, {obj}) || "
                         f"EXISTS {{ {subject} {path}+ {obj} }})")
        elif found.group(1) is not None and _opens_subquery(masked, found.start()):
            # The first pattern of a sub-select: nothing outside binds the variable yet.
            fixed = obj if variable[0] == subject else subject
            condition = (f"{{ {subject} {path}+ {obj} }} UNION "
                         f"{{ BIND({fixed} AS {variable[0]}) }}")
        else:
            continue
        follows = found.group(4)
        if found.group(1) is not None:
            # S P* O ; rest  ->  FILTER(...) S rest      S P* O .  ->  FILTER(...) .
            replacement = f" {condition} " + (subject if follows == ";" else "")
            end = found.end() + (masked[found.end():].index(";") + 1 if follows == ";" else 0)
        else:
            # S p o ; P* O ; rest  ->  S p o . FILTER(...) S rest
            replacement = f" . {condition} " + (subject if follows == ";" else "")
            end = found.end() + (masked[found.end():].index(";") + 1 if follows == ";" else 0)
        edits.append((found.start(), end, replacement))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _top_level(masked: str) -> str:
    """``masked`` with everything inside parentheses and braces blanked out."""
    out, level = [], 0
    for ch in masked:
        if ch in "({[":
            level += 1
        elif ch in ")}]":
            level -= 1
        out.append(ch if level == 0 or (level == 1 and ch in "({[") else " ")
    return "".join(out)


def _arguments(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the comma-separated arguments between the parentheses at ``start``..``end``."""
    spans, level, begin = [], 0, start + 1
    for i in range(start + 1, end):
        ch = masked[i]
        if ch in "({[":
            level += 1
        elif ch in ")}]":
            level -= 1
        elif ch == "," and level == 0:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, end))
    return spans


def _closing(masked: str, start: int) -> int:
    """The index of the bracket closing the one at ``start``."""
    level = 0
    for i in range(start, len(masked)):
        if masked[i] in "({[":
            level += 1
        elif masked[i] in ")}]":
            level -= 1
            if level == 0:
                return i
    return len(masked)


def _is_boolean(masked: str, start: int, end: int) -> bool:
    """Whether the expression at ``masked[start:end]`` has a boolean value."""
    while start < end and masked[start].isspace():
        start += 1
    while end > start and masked[end - 1].isspace():
        end -= 1
    expr = masked[start:end]
    if not expr:
        return False
    top = _top_level(expr)
    if re.search(r"\|\||&&|!=|<=|>=|[=<>]|\bIN\b", top, re.IGNORECASE):
        return True  # the operators that bind least tightly are boolean ones
    if re.search(r"[-+*/]", top.lstrip("!")):
        return False  # arithmetic
    if expr.startswith("!"):
        return True
    if re.fullmatch(r"(?i)true|false", expr):
        return True
    call = re.match(r"(?i)(NOT\s+)?([A-Za-z_][\w:]*)\s*([({])", expr)
    if call is None:
        if expr.startswith("(") and _closing(expr, 0) == len(expr) - 1:
            return _is_boolean(masked, start + 1, end - 1)
        return False
    open_at = start + call.start(3)
    if _closing(masked, open_at) != end - 1:
        return False  # something follows the call
    name = call.group(2).upper()
    if name in _BOOLEAN_CALLS or name in ("XSD:BOOLEAN",):
        return True
    if name in ("IF", "COALESCE"):
        args = _arguments(masked, open_at, end - 1)
        branches = args[1:] if name == "IF" else args
        return any(_is_boolean(masked, a, b) for a, b in branches)
    return False


def boolean_binds(text: str) -> str:
    """Wrap each boolean-valued ``BIND(... AS ?v)`` or ``SELECT (... AS ?v)`` in ``xsd:boolean``.

    Virtuoso gives the value of a boolean expression (``EXISTS {...}``, ``?a = ?b``, ``true``) as
    the integer 1 or 0; cast to ``xsd:boolean`` it comes back as a boolean, as on Oxigraph.
    """
    masked = _masked(text)
    edits: list[tuple[int, int]] = []
    for found in re.finditer(r"(?i)(?<![\w?$])AS\s+[?$]\w+\s*\)", masked):
        level, i = 0, found.start() - 1
        while i >= 0:
            ch = masked[i]
            if ch in ")}]":
                level += 1
            elif ch in "({[":
                if level == 0:
                    break
                level -= 1
            i -= 1
        if i < 0 or masked[i] != "(" or not _is_boolean(masked, i + 1, found.start()):
            continue
        edits.append((i + 1, found.start()))
    for start, end in sorted(edits, reverse=True):
        expr = text[start:end].rstrip()
        text = f"{text[:start]}{_BOOLEAN_TYPE}({expr}){text[start + len(expr):]}"
    return text


_UNBOUND = "?ckg_remote_unbound"
"""A variable no pattern binds: the value of an expression that would be an error."""


def concat_of_unbound(text: str) -> str:
    """``CONCAT(..., ?v, ...)`` in a BIND as ``IF(BOUND(?v), CONCAT(...), ?unbound)``.

    SPARQL makes CONCAT of an unbound variable an error, so ``COALESCE(CONCAT("after ", ?d),
    "")`` falls through to ``""``; Virtuoso 7.2 concatenates an empty string instead ("after ").
    Arguments that are a variable or ``STR(?variable)`` are tested for being bound first.
    """
    masked = _masked(text)
    binds = [(m.end() - 1, _closing(masked, m.end() - 1))
             for m in re.finditer(r"(?i)\bBIND\s*\(", masked)]
    inserts: list[tuple[int, str]] = []
    for found in re.finditer(r"(?i)(?<![\w:])CONCAT\s*\(", masked):
        if not any(a < found.start() < b for a, b in binds):
            continue
        open_at = found.end() - 1
        close_at = _closing(masked, open_at)
        variables = []
        for a, b in _arguments(masked, open_at, close_at):
            arg = re.fullmatch(r"\s*(?:STR\s*\(\s*)?([?$]\w+)\s*\)?\s*", masked[a:b],
                               re.IGNORECASE)
            if arg and (arg.group(0).count("(") == arg.group(0).count(")")):
                variables.append(arg.group(1))
        if not variables:
            continue
        test = " && ".join(f"BOUND({v})" for v in dict.fromkeys(variables))
        inserts.append((found.start(), f"IF({test}, "))
        inserts.append((close_at + 1, f", {_UNBOUND})"))
    for at, piece in sorted(inserts, key=lambda item: item[0], reverse=True):
        text = text[:at] + piece + text[at:]
    return text


# --------------------------------------------------------------------------------------------
# Reading answers

def parse_json_results(body: bytes) -> Solutions | bool:
    """SPARQL 1.1 JSON results (and the older ``typed-literal`` form) as pyoxigraph terms."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise RemoteStoreError(f"the SPARQL server sent results that are not JSON: "
                               f"{body[:200]!r}") from exc
    if "boolean" in data:
        return bool(data["boolean"])
    variables = [ox.Variable(v) for v in data.get("head", {}).get("vars", [])]
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        rows.append(Solution({name: _term(value) for name, value in binding.items()}))
    return Solutions(variables, rows)


def _term(value: dict[str, str]) -> object:
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(_bnode_id(text))
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return ox.Literal(text, language=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != _XSD + "string":
            value, canonical_type = _canonical(text, datatype)
            return ox.Literal(value, datatype=canonical_type)
        return ox.Literal(text)
    raise RemoteStoreError(f"unknown term type in the SPARQL server's results: {value!r}")


_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger",
    "int", "long", "short", "byte", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def _canonical(text: str, datatype: str) -> tuple[str, ox.NamedNode]:
    """A literal's value and datatype as Oxigraph stores them: the types derived from xsd:integer
    as ``xsd:integer``, booleans as ``true``/``false`` (Virtuoso sends ``1``/``0``)."""
    if datatype in _INTEGER_TYPES and re.fullmatch(r"\s*[+-]?\d+\s*", text):
        return str(int(text)), ox.NamedNode(_XSD + "integer")
    if datatype == _XSD + "boolean" and text.strip() in ("1", "0"):
        return ("true" if text.strip() == "1" else "false"), ox.NamedNode(datatype)
    return text, ox.NamedNode(datatype)


def _bnode_id(text: str) -> str:
    """A valid blank node id from a server's label (Virtuoso sends ``nodeID://b10000``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "", text.rsplit("/", 1)[-1])
    return cleaned or "b"


def parse_ntriples(body: bytes) -> list[ox.Triple]:
    """N-Triples from a CONSTRUCT or DESCRIBE, as sorted pyoxigraph triples."""
    text = re.sub(rb"_:([A-Za-z0-9_]*)[^A-Za-z0-9_\s.]+", rb"_:\1", body)
    try:
        return list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise RemoteStoreError(f"the SPARQL server sent N-Triples that do not parse: {exc}") \
            from exc
