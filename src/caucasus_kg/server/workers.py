"""Queries never run in the HTTP process: each one goes to a small pool of worker processes, each
holding the store open read-only and unable to open a network connection
(:mod:`caucasus_kg.server.sandbox`). A worker still busy at the deadline is killed and replaced,
so an endless or memory-hungry query costs one worker for at most the time limit and never
blocks or crashes the server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import resource
import signal
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from caucasus_kg.core.sparql_text import QueryRefused as Refused
from caucasus_kg.model.namespaces import PREFIXES
from caucasus_kg.read.explain import explain
from caucasus_kg.read.queries import (
    CannedQuery,
    QueryError,
    QueryResult,
    UnknownEntity,
    resolve_entity,
    run_query,
)
from caucasus_kg.read.results import formats_for, serialize
from caucasus_kg.server.config import TEXT_PLAIN, ServerConfig
from caucasus_kg.server.negotiation import negotiate
from caucasus_kg.server.sandbox import deny_network
from caucasus_kg.sources.texts import TextFinder
from caucasus_kg.store.embedded import info_path, open_store

log = logging.getLogger("caucasus_kg.server")

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
        return cls(status, TEXT_PLAIN, (message.rstrip("\n") + "\n").encode())


class _TooMany(Exception):
    pass


class _StoreHandle:
    """The read-only store of one worker, reopened when a build swaps in a new store, and the
    finder of the texts kept outside the graph (``--sources``), whose quotes entity pages
    mark verified when the text is there."""

    def __init__(self, store_path: Path, sources_dirs: tuple[str, ...] = ()):
        self.path = store_path
        self.texts = TextFinder([Path(d) for d in sources_dirs])
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


def _worker_main(conn: Any, store_path: str, max_results: int, max_memory_mb: int | None,
                 sources_dirs: tuple[str, ...] = ()) -> None:
    """A query worker: open the store read-only, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    isolated = deny_network()  # before the store starts any thread: no query reaches the network
    handle = _StoreHandle(Path(store_path), sources_dirs)
    try:
        handle.get()
    except Exception as exc:  # reported to the parent, which stops the server
        conn.send(("failed", str(exc)))
        return
    if max_memory_mb:
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
                message = _web_message(exc).replace("--param ", "parameter ")
                return Reply.text(400 if exc.usage else 500, message)
            return _result_reply(result, job, max_results)
        if job.kind == "explain":
            return _explain(job.text, store, handle.texts)
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


def _result_reply(result: QueryResult, job: Job, max_results: int) -> Reply:
    if len(result.rows if result.triples is None else result.triples) > max_results:
        raise _TooMany
    offer = negotiate(formats_for(result), job.accept, job.fmt)
    return Reply(200, offer.content_type, serialize(result, offer))


def _web_message(exc: QueryError) -> str:
    """The message for a web client: it names an address, not a command."""
    return exc.web_message if isinstance(exc, UnknownEntity) else str(exc)


def _explain(slug: str, store: ox.Store, texts: TextFinder) -> Reply:

    try:
        node = resolve_entity(slug, store)
    except QueryError as exc:
        return Reply.text(404, _web_message(exc))
    result = explain(store, node, texts)
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

    def __init__(self, store_path: Path, config: ServerConfig,
                 sources_dirs: tuple[Path, ...] = ()):
        self.store_path = store_path
        self.sources_dirs = tuple(str(d) for d in sources_dirs)
        self.config = config
        self._ctx = multiprocessing.get_context("forkserver")
        # What the workers import, so that a new worker starts fast (not caucasus_kg.cli: a
        # worker re-runs the main module, which may be that one).
        self._ctx.set_forkserver_preload(["caucasus_kg.server.workers"])
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
                  self.config.max_memory_mb, self.sources_dirs))
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


