"""The read-only SPARQL 1.1 endpoint and query page behind ``caucasus-kg serve``.

The HTTP side is a Starlette app (served by uvicorn). Queries never run in the HTTP process: each
one goes to a small pool of worker processes, each holding the store open read-only, and a worker
still busy at the deadline is killed and replaced. So an endless or memory-hungry query costs one
worker for at most the time limit and never blocks or crashes the server.

What the server refuses, and why, is decided here before a query reaches a worker: SPARQL Update
(the endpoint is read-only), ``SERVICE`` (it would make the server send requests to other hosts),
bodies over the size limit. See ``docs/server.md`` for the endpoints and statuses.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from urllib.parse import parse_qs, quote

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caucasus_kg.core.project import Project
from caucasus_kg.core.sparql_text import QueryRefused as Refused
from caucasus_kg.core.sparql_text import QueryShape, check_query
from caucasus_kg.core.suggest import did_you_mean
from caucasus_kg.model.namespaces import PREFIXES
from caucasus_kg.read.queries import CannedQuery, QueryError, catalogue
from caucasus_kg.read.results import GRAPH_FORMATS
from caucasus_kg.server.config import ASSETS, WEB_DIR, ServerConfig
from caucasus_kg.server.negotiation import (
    FORMAT_PARAMS,
    known_format,
    negotiate,
    parse_accept,
    quality,
)
from caucasus_kg.server.pages import entity_error_page, entity_page, html_response
from caucasus_kg.server.workers import (
    Job,
    PoolBusy,
    QueryTimeout,
    Reply,
    WorkerLost,
    WorkerPool,
)

log = logging.getLogger("caucasus_kg.server")

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def check_query_text(text: str) -> QueryShape:
    """Refuse SPARQL Update, ``SERVICE`` and text that is not a query (400) before anything runs;
    the rules are :func:`caucasus_kg.core.sparql_text.check_query`, the same for every command."""
    return check_query(text)


# --- HTTP -----------------------------------------------------------------------------------

# The one inline style allowed, by its hash: the stylesheet the vendored YASGUI's table
# column resizer adds to the page (web/vendor/yasgui/README.md).
_RESIZER_STYLE = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
_CSP = ("default-src 'none'; script-src 'self'; "
        f"style-src 'self' {_RESIZER_STYLE}; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class _SecurityHeaders:
    """nosniff on everything; a strict Content-Security-Policy on HTML (no inline code, no other
    origins: the page works offline and loads nothing from elsewhere)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", _CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _OriginGuard:
    """Refuse requests that a page on another origin makes: a request whose ``Origin`` is not
    this server's own (nor one allowed with ``--allow-origin``), and one the browser marks as
    cross-site or same-site (``Sec-Fetch-Site``) unless it is a top-level navigation. A page
    elsewhere can then neither read answers nor make the server run queries on its behalf."""

    def __init__(self, app: ASGIApp, allowed_origins: tuple[str, ...] = ()):
        self.app = app
        self.allowed = {o.rstrip("/").lower() for o in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal:
                await _text(403, refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is not None:
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
            if origin.rstrip("/").lower() in (own, *self.allowed):
                return None
            return (f"requests from another origin ({origin[:100]}) are refused; open the "
                    "query page of this server instead, or start it with "
                    "`caucasus-kg serve --allow-origin ORIGIN`")
        if (headers.get("sec-fetch-site") in ("cross-site", "same-site")
                and headers.get("sec-fetch-mode") != "navigate"):
            return ("requests from pages of other sites are refused; open the query page of "
                    "this server instead")
        return None


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status, headers=headers)


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    """Turn every failure into a short plain-text answer; details go to the log only."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as exc:
            return _text(exc.status, exc.message)
        except PoolBusy:
            return _text(503, "all query workers are busy; try again shortly",
                         {"Retry-After": "1"})
        except QueryTimeout:
            return _text(504, f"the query ran longer than the {_seconds(request)} limit and was "
                         "stopped; narrow it or add LIMIT")
        except WorkerLost:
            return _text(503, "the query worker stopped while answering (the query probably "
                         "needed more memory than allowed); narrow it or add LIMIT")
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return _text(500, "internal error; the server log has the details")

    return guarded


def _seconds(request: Request) -> str:
    timeout = request.app.state.config.query_timeout
    return f"{timeout:g} s"


class _Endpoints:
    def __init__(self, project: Project, config: ServerConfig, pool: WorkerPool):
        self.project = project
        self.config = config
        self.pool = pool
        self._known: dict[str, CannedQuery] = {}
        self._known_stamp: object = None
        self._known_checked = 0.0

    # /sparql ---------------------------------------------------------------------------
    async def sparql(self, request: Request) -> Response:
        if request.method == "POST":
            form, query = await self._post_query(request)
        else:
            form = {k: request.query_params.getlist(k) for k in request.query_params}
            query = None
        if "update" in form:
            raise Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if query is None:
            queries = form.get("query", [])
            if len(queries) > 1:
                raise Refused(400, "give one 'query' parameter, not several")
            query = queries[0] if queries else None
        fmt = _format_param(form)
        accept = request.headers.get("accept", "*/*")
        if query is None:
            if request.method == "POST":
                raise Refused(400, "no query: send 'query=...' (application/x-www-form-urlencoded) "
                              "or the query itself (application/sparql-query)")
            return await self._service_description(request, accept, fmt)
        if not query.strip():
            raise Refused(400, "the query is empty")
        shape = check_query_text(query)
        default_graphs = _graph_iris(form.get("default-graph-uri", []))
        named_graphs = _graph_iris(form.get("named-graph-uri", []))
        own_dataset = shape.has_dataset and not (default_graphs or named_graphs)
        job = Job("sparql", text=query, default_graphs=default_graphs, named_graphs=named_graphs,
                  own_dataset=own_dataset, fmt=fmt, accept=accept)
        return _response(await self.pool.run(job))

    async def _post_query(self, request: Request) -> tuple[dict[str, list[str]], str | None]:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise Refused(415, "send the query as application/x-www-form-urlencoded "
                          "(query=...) or as application/sparql-query")
        body = await _read_body(request, self.config.max_body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the request body is not UTF-8") from None
        url_params = {k: request.query_params.getlist(k) for k in request.query_params}
        if media == "application/sparql-query":
            return url_params, text
        try:
            form = parse_qs(text, keep_blank_values=True, strict_parsing=False,
                            max_num_fields=1000)
        except ValueError as exc:
            raise Refused(400, f"the form cannot be read: {exc}") from None
        for key, values in url_params.items():
            form.setdefault(key, values)
        return form, None

    async def _service_description(self, request: Request, accept: str,
                                   fmt: str | None) -> Response:
        offer = negotiate(GRAPH_FORMATS, accept, fmt)
        reply = await self.pool.run(Job("graphs"))
        if reply.status != 200:
            return _response(reply)
        graphs = json.loads(reply.body)
        endpoint = ox.NamedNode(str(request.url.replace(query="", fragment="")))
        sd = _service_description_triples(endpoint, graphs)
        body = ox.serialize(sd, format=offer.format, prefixes=_SD_PREFIXES
                            if offer.format == ox.RdfFormat.TURTLE else None)
        return Response(body, media_type=None, headers={"content-type": offer.content_type})

    # /queries ---------------------------------------------------------------------------
    def _catalogue(self) -> dict[str, CannedQuery]:
        """The catalogue, read again when a .rq file is added, removed or changed (looked for at
        most once a second: listing the folder costs more than answering a small query)."""
        now = time.monotonic()
        if self._known and now - self._known_checked < 1.0:
            return self._known
        self._known_checked = now
        try:
            stamp = sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                           for e in os.scandir(self.project.queries_dir)
                           if e.name.endswith(".rq"))
        except OSError:
            stamp = None
        if stamp is None or stamp != self._known_stamp:
            try:
                self._known = catalogue(self.project.queries_dir)
            except QueryError as exc:
                raise Refused(500, str(exc)) from None
            self._known_stamp = stamp
        return self._known

    async def list_queries(self, request: Request) -> Response:
        return JSONResponse([
            {"name": q.name, "title": q.title, "description": q.description,
             "parameters": [asdict(p) for p in q.parameters], "text": q.text,
             "url": f"/queries/{quote(q.name)}"}
            for q in self._catalogue().values()])

    async def run_canned(self, request: Request) -> Response:
        name = request.path_params["name"]
        known = self._catalogue()
        # By catalogue name only: find_query would also take a file path or inline SPARQL.
        if name not in known:
            hint = did_you_mean(name, known)
            raise Refused(404, f"unknown query '{name}'" + (f": {hint}" if hint else "")
                          + "; /queries lists the catalogue")
        canned = known[name]
        params: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            if key in FORMAT_PARAMS:
                continue
            if key in params:
                raise Refused(400, f"parameter '{key}' is given more than once")
            params[key.strip()] = value
        job = Job("canned", canned=canned, params=params,
                  fmt=_format_param({k: request.query_params.getlist(k)
                                     for k in FORMAT_PARAMS if k in request.query_params}),
                  accept=request.headers.get("accept", "*/*"))
        return _response(await self.pool.run(job))

    # /entity, /prefixes, the page ----------------------------------------------------------
    async def entity(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        reply = await self.pool.run(Job("explain", text=slug))
        ranges = parse_accept(request.headers.get("accept", "*/*"))
        fmt = request.query_params.get("format")
        wants_json = fmt == "json" or (fmt is None and quality("application/json", ranges)
                                       > max(quality("text/html", ranges), 0))
        if reply.status != 200:
            if wants_json:
                return _response(reply)
            return html_response(entity_error_page(slug, reply.body.decode()), reply.status)
        data = json.loads(reply.body)
        if wants_json:
            return JSONResponse(data)
        return html_response(entity_page(data))

    async def prefixes(self, request: Request) -> Response:
        return JSONResponse(PREFIXES)

    async def index(self, request: Request) -> Response:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def favicon(self, request: Request) -> Response:
        return FileResponse(WEB_DIR / "favicon.svg", media_type="image/svg+xml")

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            raise Refused(404, f"no file {name}")
        return FileResponse(WEB_DIR / name, media_type=ASSETS[name])


def _format_param(form: dict[str, list[str]]) -> str | None:
    for key in FORMAT_PARAMS:
        values = form.get(key)
        if values:
            if not known_format(values[-1]):
                raise Refused(400, f"unknown format '{values[-1]}'; use json, xml, csv, tsv "
                              "(SELECT; json, xml for ASK) or turtle, ntriples, rdfxml, jsonld "
                              "(CONSTRUCT, DESCRIBE), or a media type")
            return values[-1]
    return None


def _graph_iris(values: list[str]) -> tuple[str, ...]:
    iris = []
    for value in values:
        try:
            iris.append(ox.NamedNode(value.strip()).value)
        except ValueError:
            raise Refused(400, f"'{value}' is not an IRI (default-graph-uri and "
                          "named-graph-uri name graphs of this store)") from None
    return tuple(iris)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise Refused(400, "bad Content-Length") from None
        if size > limit:
            raise Refused(413, f"the request body is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"the request body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _response(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=None,
                    headers={"content-type": reply.content_type})


_SD_PREFIXES = {"sd": _SD, "formats": _FORMATS_NS, "graph": PREFIXES["graph"],
                "rdf": PREFIXES["rdf"]}


def _service_description_triples(endpoint: ox.NamedNode, graphs: list[str]) -> list[ox.Triple]:
    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(_SD + local)

    rdf_type = ox.NamedNode(_RDF_TYPE)
    triples = [
        ox.Triple(endpoint, rdf_type, sd("Service")),
        ox.Triple(endpoint, sd("endpoint"), endpoint),
        ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
    ]
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
               "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML"]
    if any(f.media_type == "application/ld+json" for f in GRAPH_FORMATS.formats):
        formats.append("JSON-LD")
    for name in formats:
        triples.append(ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(_FORMATS_NS + name)))
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("default")
    triples += [
        ox.Triple(endpoint, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
    ]
    for i, graph in enumerate(graphs):
        named = ox.BlankNode(f"graph{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), named),
                    ox.Triple(named, rdf_type, sd("NamedGraph")),
                    ox.Triple(named, sd("name"), ox.NamedNode(graph))]
    return triples


# --- The app --------------------------------------------------------------------------------

def create_app(project: Project, config: ServerConfig | None = None) -> Starlette:
    """The ASGI app; its lifespan starts and stops the worker pool.

    The store must exist (``caucasus-kg serve`` builds it first when it is missing).
    """
    config = config or ServerConfig()
    pool = WorkerPool(project.store_path, config, project.sources_dirs)
    endpoints = _Endpoints(project, config, pool)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        log.info("%d query workers ready (pids %s); query timeout %g s, at most %d rows",
                 config.workers, ", ".join(map(str, pool.pids)), config.query_timeout,
                 config.max_results)
        try:
            yield
        finally:
            await pool.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return _text(exc.status_code, exc.detail or "error",
                         getattr(exc, "headers", None))
        return _text(404, "not found")

    routes = [
        Route("/", _guarded(endpoints.index)),
        Route("/sparql", _guarded(endpoints.sparql), methods=["GET", "POST"]),
        Route("/queries", _guarded(endpoints.list_queries)),
        Route("/queries/{name}", _guarded(endpoints.run_canned)),
        Route("/entity/{slug:path}", _guarded(endpoints.entity)),
        Route("/prefixes", _guarded(endpoints.prefixes)),
        Route("/favicon.ico", _guarded(endpoints.favicon)),
        Route("/static/{name:path}", _guarded(endpoints.asset)),
    ]
    middleware = [Middleware(_SecurityHeaders)]
    if config.allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware,
                                     allowed_hosts=list(config.allowed_hosts)))
    middleware.append(Middleware(_OriginGuard, allowed_origins=config.allowed_origins))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: not_found})
    app.state.config = config
    app.state.pool = pool
    return app
