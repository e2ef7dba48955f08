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

import asyncio
import contextlib
import html
import json
import logging
import multiprocessing
import os
import signal
import string
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
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

from .namespaces import ID, PREFIXES
from .project import Project
from .queries import CannedQuery, QueryError, QueryResult, catalogue, run_query
from .sandbox import deny_network
from .sparqltext import QueryRefused as Refused
from .sparqltext import QueryShape, check_query
from .store import info_path, open_store
from .suggest import did_you_mean

log = logging.getLogger("caucasus_kg.server")

WEB_DIR = Path(__file__).resolve().parent / "web"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8",
          "favicon.svg": "image/svg+xml"}
"""The query page's files in WEB_DIR served under /static/ (that folder holds other pages too)."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_TEXT = "text/plain; charset=utf-8"
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class ServerConfig:
    """Limits of one server; the defaults are the ``serve`` command's."""

    query_timeout: float = 10.0
    max_results: int = 10_000
    workers: int = 2
    max_body: int = 256 * 1024
    max_memory_mb: int | None = 2048
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS
    """Host headers accepted (DNS-rebinding guard); None accepts any."""
    allowed_origins: tuple[str, ...] = ()
    """Origins besides the server's own whose pages may call it (e.g. http://localhost:3000)."""

    @property
    def queue_timeout(self) -> float:
        """How long a request waits for a free worker: long enough for a busy one to finish or be
        killed at its deadline, and replaced."""
        return self.query_timeout + 5.0


def check_query_text(text: str) -> QueryShape:
    """Refuse SPARQL Update, ``SERVICE`` and text that is not a query (400) before anything runs;
    the rules are :func:`caucasus_kg.sparqltext.check_query`, the same for every command."""
    return check_query(text)


# --- Result formats and content negotiation ------------------------------------------------

@dataclass(frozen=True)
class Offer:
    media_type: str
    names: tuple[str, ...]
    format: Any  # ox.QueryResultsFormat or ox.RdfFormat

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type == "application/n-triples"
        return self.media_type + ("; charset=utf-8" if textual else "")


_QRF = ox.QueryResultsFormat
RESULT_OFFERS = (
    Offer("application/sparql-results+json", ("json", "srj"), _QRF.JSON),
    Offer("application/json", (), _QRF.JSON),
    Offer("application/sparql-results+xml", ("xml", "srx"), _QRF.XML),
    Offer("application/xml", (), _QRF.XML),
    Offer("text/csv", ("csv",), _QRF.CSV),
    Offer("text/tab-separated-values", ("tsv",), _QRF.TSV),
    Offer("text/xml", (), _QRF.XML),
)
"""For SELECT and ASK; the first is the default."""

GRAPH_OFFERS = (
    Offer("text/turtle", ("turtle", "ttl"), ox.RdfFormat.TURTLE),
    Offer("application/n-triples", ("ntriples", "nt"), ox.RdfFormat.N_TRIPLES),
    Offer("text/plain", (), ox.RdfFormat.N_TRIPLES),
    Offer("application/rdf+xml", ("rdfxml", "xml"), ox.RdfFormat.RDF_XML),
) + ((Offer("application/ld+json", ("jsonld", "json"), ox.RdfFormat.JSON_LD),)
     if hasattr(ox.RdfFormat, "JSON_LD") else ())  # pyoxigraph 0.5 writes JSON-LD, 0.4 does not
"""For CONSTRUCT and DESCRIBE (and the service description); the first is the default."""

FORMAT_PARAMS = ("format", "output")
"""Query-string parameters that override the Accept header, e.g. ``format=csv``."""


def _known_format(value: str) -> bool:
    value = value.strip().lower()
    return any(value in o.names or value == o.media_type for o in RESULT_OFFERS + GRAPH_OFFERS)


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in header.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind, _, sub = media.partition("/")
        ranges.append((kind.strip(), sub.strip(), q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific Accept range that matches ``media_type``; -1 if none does."""
    kind, _, sub = media_type.partition("/")
    best, specificity = -1.0, -1
    for rkind, rsub, q in ranges:
        if (rkind, rsub) == (kind, sub):
            level = 2
        elif rkind == kind and rsub == "*":
            level = 1
        elif rkind == "*" and rsub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def negotiate(offers: tuple[Offer, ...], accept: str | None, fmt: str | None = None) -> Offer:
    """The offer for a ``format=`` value, else the best for the Accept header (ties go to the
    earlier offer). Raises Refused(406) when nothing fits."""
    if fmt:
        wanted = fmt.strip().lower()
        for offer in offers:
            if wanted in offer.names or wanted == offer.media_type:
                return offer
        names = ", ".join(n for o in offers for n in o.names[:1])
        raise Refused(406, f"format '{fmt}' does not fit this answer; it can be given as "
                      f"{names}")
    ranges = _parse_accept(accept or "*/*") or [("*", "*", 1.0)]
    best, best_q = None, 0.0
    for offer in offers:
        q = _quality(offer.media_type, ranges)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        types = ", ".join(o.media_type for o in offers)
        raise Refused(406, f"none of the accepted media types can be produced for this answer; "
                      f"available: {types}")
    return best


# --- Jobs and the worker process -----------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One unit of work for a query worker (pickled across the pipe)."""

    kind: str  # "sparql", "canned", "explain" or "graphs"
    text: str = ""
    canned: CannedQuery | None = None
    params: dict[str, str] = field(default_factory=dict)
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    own_dataset: bool = False
    """The query names its dataset itself (FROM / FROM NAMED) and no protocol graphs override it."""
    fmt: str | None = None
    accept: str = "*/*"


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, message: str) -> Reply:
        return cls(status, _TEXT, (message.rstrip("\n") + "\n").encode())


class _TooMany(Exception):
    pass


class _StoreHandle:
    """The read-only store of one worker, reopened when a build swaps in a new store."""

    def __init__(self, store_path: Path):
        self.path = store_path
        self._stamp: tuple[int, int] | None = None
        self._store: ox.Store | None = None

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(info_path(self.path))
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def get(self) -> ox.Store:
        stamp = self._current_stamp()
        if self._store is None or stamp != self._stamp:
            self._store = None
            self._store = open_store(self.path)
            self._stamp = stamp
        return self._store


def _worker_main(conn: Any, store_path: str, max_results: int, max_memory_mb: int | None) -> None:
    """A query worker: open the store read-only, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    isolated = deny_network()  # before the store starts any thread: no query reaches the network
    handle = _StoreHandle(Path(store_path))
    try:
        handle.get()
    except Exception as exc:  # reported to the parent, which stops the server
        conn.send(("failed", str(exc)))
        return
    if max_memory_mb:
        import resource

        limit = max_memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    conn.send(("ready", (os.getpid(), isolated)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply = execute(job, handle, max_results)
        except MemoryError:
            reply = Reply.text(503, "the query needed more memory than a query worker may use; "
                               "narrow it or add LIMIT")
        except Exception:  # never a stack trace in a response
            print(f"caucasus-kg serve: worker {os.getpid()}: unexpected error\n"
                  + traceback.format_exc(), file=sys.stderr, flush=True)
            reply = Reply.text(500, "internal error while answering the query; the server log "
                               "has the details")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def execute(job: Job, handle: _StoreHandle, max_results: int) -> Reply:
    """Run one job against the store and render the reply (in a worker process)."""
    try:
        store = handle.get()
    except Exception as exc:  # e.g. a build is swapping the store in right now
        return Reply.text(503, f"the store cannot be opened right now ({exc}); try again")
    try:
        if job.kind == "sparql":
            return _run_sparql(job, store, max_results)
        if job.kind == "canned":
            assert job.canned is not None
            try:
                result = run_query(job.canned, store, job.params)
            except QueryError as exc:
                message = str(exc).replace("--param ", "parameter ")
                return Reply.text(400 if exc.usage else 500, message)
            return _result_reply(result, job, max_results)
        if job.kind == "explain":
            return _explain(job.text, store)
        if job.kind == "graphs":
            names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
            return Reply(200, "application/json", json.dumps(names).encode())
        return Reply.text(500, f"unknown job kind {job.kind!r}")
    except Refused as exc:
        return Reply.text(exc.status, exc.message)
    except _TooMany:
        return Reply.text(400, f"the answer has more than {max_results} rows, the limit of this "
                          "server; add LIMIT, or narrow the query (the limit is set with "
                          "`caucasus-kg serve --max-results`)")


def _run_sparql(job: Job, store: ox.Store, max_results: int) -> Reply:
    options: dict[str, Any] = {"prefixes": PREFIXES}
    if job.own_dataset:
        pass  # FROM / FROM NAMED in the query decide, as the protocol says
    elif job.default_graphs or job.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    else:
        options["use_default_graph_as_union"] = True
    try:
        return _evaluate(store.query(job.text, **options), job, max_results)
    except SyntaxError as exc:
        return Reply.text(400, f"the query is not valid SPARQL: {exc}")
    except OSError as exc:  # raised while the answer is read, too
        return Reply.text(500, f"the query failed: {exc}")


def _evaluate(answer: Any, job: Job, max_results: int) -> Reply:
    if isinstance(answer, ox.QueryBoolean):
        return _result_reply(QueryResult(boolean=bool(answer)), job, max_results)
    if isinstance(answer, ox.QuerySolutions):
        columns = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            if len(rows) >= max_results:
                raise _TooMany
            rows.append(tuple(solution[c] for c in columns))
        return _result_reply(QueryResult(columns=columns, rows=rows), job, max_results)
    triples = []
    for triple in answer:
        if len(triples) >= max_results:
            raise _TooMany
        triples.append(triple)
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return _result_reply(QueryResult(triples=triples), job, max_results)


def _solutions(columns: list[str], rows: list[tuple[object, ...]]) -> ox.QuerySolutions:
    """Rows as pyoxigraph solutions, so its own serializers write every format.

    The rows go through SPARQL TSV, which is lossless: each term is written in its N-Triples
    form (tabs and newlines in literals escaped), an unbound cell is empty.
    """
    lines = ["\t".join("?" + c for c in columns)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ox.parse_query_results(("\n".join(lines) + "\n").encode(), _QRF.TSV)


def _result_reply(result: QueryResult, job: Job, max_results: int) -> Reply:
    if result.boolean is not None:
        offer = negotiate(RESULT_OFFERS, job.accept, job.fmt)
        body = ox.parse_query_results(
            json.dumps({"head": {}, "boolean": result.boolean}), _QRF.JSON
        ).serialize(format=offer.format)
        return Reply(200, offer.content_type, body)
    if result.triples is not None:
        if len(result.triples) > max_results:
            raise _TooMany
        offer = negotiate(GRAPH_OFFERS, job.accept, job.fmt)
        body = ox.serialize(result.triples, format=offer.format, prefixes=_prefixes_for(offer))
        return Reply(200, offer.content_type, body)
    if len(result.rows) > max_results:
        raise _TooMany
    offer = negotiate(RESULT_OFFERS, job.accept, job.fmt)
    body = _solutions(result.columns, result.rows).serialize(format=offer.format)
    return Reply(200, offer.content_type, body)


def _prefixes_for(offer: Offer) -> dict[str, str] | None:
    return PREFIXES if offer.format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None


def _explain(slug: str, store: ox.Store) -> Reply:
    from .explain import explain
    from .queries import resolve_entity

    try:
        node = resolve_entity(slug, store)
    except QueryError as exc:
        return Reply.text(404, str(exc))
    result = explain(store, node)
    if not (result.types or result.statements or result.evidence or result.claims_about
            or result.involved_in):
        return Reply.text(404, f"the graph records nothing about '{slug}'")
    return Reply(200, "application/json",
                 json.dumps(result.to_dict(), ensure_ascii=False).encode())


# --- The pool of worker processes ----------------------------------------------------------

class PoolBusy(Exception):
    """No worker became free within the time limit."""


class QueryTimeout(Exception):
    """The query ran past the deadline; its worker was killed."""


class WorkerLost(Exception):
    """The worker died while answering (most likely out of memory)."""


class WorkerStartError(Exception):
    """A worker could not open the store."""


@dataclass
class _Worker:
    process: Any
    conn: Any

    def roundtrip(self, job: Job) -> Reply:
        self.conn.send(job)
        return self.conn.recv()


class WorkerPool:
    """A fixed number of query worker processes; one job per worker at a time.

    Workers come from a forkserver (a clean process that has imported the library), so none
    inherits the server's threads or sockets and a replacement starts in milliseconds.
    """

    STARTUP_TIMEOUT = 60.0

    def __init__(self, store_path: Path, config: ServerConfig):
        self.store_path = store_path
        self.config = config
        self._ctx = multiprocessing.get_context("forkserver")
        # What the workers and the command line import, so that a new worker starts fast (not
        # caucasus_kg.cli itself: a worker re-runs the main module, which may be that one).
        self._ctx.set_forkserver_preload(["caucasus_kg.server", "caucasus_kg.build",
                                          "caucasus_kg.results", "caucasus_kg.explain"])
        self._threads = ThreadPoolExecutor(max_workers=2 * config.workers + 2,
                                           thread_name_prefix="ckg-pool")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._warned_network = False

    @property
    def pids(self) -> list[int]:
        return sorted(self._workers)

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.config.workers)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def _spawn(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(self._threads, self._spawn_blocking)
        self._workers.add(worker.process.pid)
        return worker

    def _spawn_blocking(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main, name="caucasus-kg-query-worker", daemon=True,
            args=(child, str(self.store_path), self.config.max_results,
                  self.config.max_memory_mb))
        process.start()
        child.close()
        try:
            if not parent.poll(self.STARTUP_TIMEOUT):
                raise WorkerStartError("a query worker did not start in time")
            status, detail = parent.recv()
        except (EOFError, OSError) as exc:
            raise WorkerStartError(f"a query worker stopped while starting: {exc}") from exc
        except WorkerStartError:
            process.kill()
            raise
        if status != "ready":
            process.join(5)
            raise WorkerStartError(str(detail))
        _pid, isolated = detail
        if not isolated and not self._warned_network:
            self._warned_network = True
            log.warning("query workers keep network access on this platform (no seccomp "
                        "filter); SERVICE is still refused by the query checks")
        return _Worker(process, parent)

    async def run(self, job: Job) -> Reply:
        """Run ``job`` on a free worker within the time limit."""
        assert self._idle is not None, "the pool is not started"
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.config.queue_timeout)
        except TimeoutError:
            raise PoolBusy from None
        loop = asyncio.get_running_loop()
        try:
            reply = await asyncio.wait_for(
                loop.run_in_executor(self._threads, worker.roundtrip, job),
                self.config.query_timeout)
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeout from None
        except (EOFError, OSError) as exc:
            self._replace(worker)
            raise WorkerLost from exc
        except BaseException:  # cancelled mid-query: the worker's state is unknown
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        return reply

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` now and start a replacement in the background."""
        with contextlib.suppress(Exception):
            worker.process.kill()
        self._workers.discard(worker.process.pid)
        task = asyncio.get_running_loop().create_task(self._respawn(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respawn(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._threads, dead.process.join, 5)
        except RuntimeError:  # the pool is shutting down
            return
        finally:
            dead.conn.close()
        delay = 0.5
        while not self._closing:
            try:
                worker = await self._spawn()
            except RuntimeError:
                return
            except WorkerStartError as exc:
                log.error("could not replace a query worker: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self._closing:
                self._stop(worker)
            else:
                assert self._idle is not None
                self._idle.put_nowait(worker)
            return

    def _stop(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            worker.conn.send(None)
        worker.process.join(2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(2)
        worker.conn.close()
        self._workers.discard(worker.process.pid)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._idle is not None:
            while not self._idle.empty():
                self._stop(self._idle.get_nowait())
        for pid in list(self._workers):  # busy ones: a query is still running
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self._threads.shutdown(wait=False, cancel_futures=True)


# --- HTTP -----------------------------------------------------------------------------------

_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
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
        offer = negotiate(GRAPH_OFFERS, accept, fmt)
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
        ranges = _parse_accept(request.headers.get("accept", "*/*"))
        fmt = request.query_params.get("format")
        wants_json = fmt == "json" or (fmt is None and _quality("application/json", ranges)
                                       > max(_quality("text/html", ranges), 0))
        if reply.status != 200:
            if wants_json:
                return _response(reply)
            return _html(_entity_error_page(slug, reply.body.decode()), reply.status)
        data = json.loads(reply.body)
        if wants_json:
            return JSONResponse(data)
        return _html(_entity_page(data))

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
            if not _known_format(values[-1]):
                raise Refused(400, f"unknown format '{values[-1]}'; use json, xml, csv, tsv "
                              "(SELECT, ASK) or turtle, ntriples, rdfxml, jsonld (CONSTRUCT, "
                              "DESCRIBE), or a media type")
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
    if any(o.media_type == "application/ld+json" for o in GRAPH_OFFERS):
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


# --- The entity page (server-rendered, every value escaped) ---------------------------------

def _html(content: str, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type="text/html; charset=utf-8")


def _template(title: str, content: str) -> str:
    page = string.Template((WEB_DIR / "entity.html").read_text(encoding="utf-8"))
    return page.safe_substitute(title=html.escape(title), content=content)


def entity_href(curie_or_iri: str) -> str | None:
    """The entity page of an ``id:`` CURIE or entity IRI, or None for anything else."""
    if curie_or_iri.startswith("id:"):
        local = curie_or_iri[3:]
    elif curie_or_iri.startswith(str(ID)):
        local = curie_or_iri[len(str(ID)):]
    else:
        return None
    return "/entity/" + quote(local, safe="/")


def _link(label: str, target: str | None) -> str:
    href = entity_href(target) if target else None
    text = html.escape(label)
    return f'<a href="{html.escape(href)}">{text}</a>' if href else text


def _entity_page(ex: dict[str, Any]) -> str:
    e = html.escape
    parts = [f"<h1>{e(ex['label'])}</h1>",
             f"<p class=\"meta\"><code>{e(ex['id'])}</code>"
             + (f" &middot; {e(', '.join(ex['types']))}" if ex["types"] else "") + "</p>"]
    if ex.get("file"):
        where = f"graphs/{ex['file']}" + (f":{ex['line']}" if ex.get("line") else "")
        parts.append(f"<p class=\"meta\">written in <code>{e(where)}</code></p>")
    if ex["statements"]:
        rows = "".join(f"<tr><th scope=\"row\">{e(st['property'])}</th>"
                       f"<td>{_link(st['value'], st.get('value_id'))}</td></tr>"
                       for st in ex["statements"])
        parts.append(f"<h2>What the graph records</h2><table class=\"facts\">{rows}</table>")
    parts.append("<h2>Evidence</h2>")
    if ex["evidence"]:
        items = []
        for ev in ex["evidence"]:
            source = e(ev["source_title"] or ev["source"]) + f" (<code>{e(ev['source'])}</code>"
            source += f", published by {e(ev['publisher'])})" if ev.get("publisher") else ")"
            items.append(
                f"<li><blockquote>{e(ev['quote'])}</blockquote>"
                f"<p>attributed to: {e(ev.get('attributed_to') or 'nobody named')}</p>"
                f"<p>source: {source}, characters {ev['start']}&ndash;{ev['end']}</p></li>")
        parts.append(f"<ol class=\"evidence\">{''.join(items)}</ol>")
    else:
        parts.append("<p>None recorded for this node itself (see the facts below).</p>")
    if ex["claims_about"]:
        items = "".join(f"<li>{_link(r['label'], r['id'])} [{e(r['relation'])}]</li>"
                        for r in ex["claims_about"])
        parts.append(f"<h2>Claims about it</h2><ul>{items}</ul>")
    if ex["involved_in"]:
        items = "".join(f"<li>{_link(r['label'], r['id'])} (as {e(r['relation'])})</li>"
                        for r in ex["involved_in"])
        parts.append(f"<h2>Referenced by</h2><ul>{items}</ul>")
    return _template(ex["label"], "\n".join(parts))


def _entity_error_page(slug: str, message: str) -> str:
    return _template(slug, f"<h1>{html.escape(slug)}</h1>"
                     f"<p class=\"error\" role=\"alert\">{html.escape(message)}</p>")


# --- The app --------------------------------------------------------------------------------

def create_app(project: Project, config: ServerConfig | None = None) -> Starlette:
    """The ASGI app; its lifespan starts and stops the worker pool.

    The store must exist (``caucasus-kg serve`` builds it first when it is missing).
    """
    config = config or ServerConfig()
    pool = WorkerPool(project.store_path, config)
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
        Route("/static/{name}", _guarded(endpoints.asset)),
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
