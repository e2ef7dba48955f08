"""Load test of `caucasus-kg serve`: concurrent clients over the canned queries, on loopback only.

    .venv/bin/python benchmarks/server_load.py                        # 8 clients, 2,000 requests
    .venv/bin/python benchmarks/server_load.py --clients 16 --requests 5000 --workers 2

Starts the server (the real command, in a subprocess) on a free 127.0.0.1 port, with its store
built from the shipped project into a temporary folder unless --store is given. Then CLIENTS
threads, each with its own keep-alive connection, send requests round-robin over every canned
query, twice per query: ``GET /queries/NAME`` (parameters bound by the server, as the CLI binds
them) and ``POST /sparql`` with the bound query text (SPARQL protocol, form-encoded). It stops
after REQUESTS requests or DURATION seconds, whichever comes first, stops the server, and prints
throughput, latency percentiles and the number of failed requests (anything but a 200 with a
SPARQL JSON body). Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from caucasus_kg.core.sparql_text import substitute  # noqa: E402
from caucasus_kg.read.queries import bind_parameters, catalogue  # noqa: E402
from caucasus_kg.store.embedded import open_store  # noqa: E402

EXAMPLES = {"provenance": {"fact": "russia-withdraws-from-cfe-2023"}}
"""Values for canned parameters that have no default."""


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(store: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "caucasus_kg.cli", "--project", str(ROOT), "--store",
               str(store), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    with open(log, "wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/queries", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"the server did not start; its log:\n{log.read_text(errors='replace')[-3000:]}")


def calls(store_path: Path) -> list[Call]:
    store = open_store(store_path)
    accept = {"Accept": "application/sparql-results+json"}
    out = []
    for name, query in catalogue(ROOT / "queries").items():
        params = EXAMPLES.get(name, {})
        query_string = urllib.parse.urlencode(params)
        out.append(Call(f"GET /queries/{name}", "GET",
                        f"/queries/{name}" + (f"?{query_string}" if query_string else ""),
                        None, accept))
        bound = bind_parameters(query, params, store)
        text = substitute(query.text, {v.value: str(t) for v, t in bound.items()})
        out.append(Call(f"POST /sparql ({name})", "POST", "/sparql",
                        urllib.parse.urlencode({"query": text}).encode(),
                        {**accept, "Content-Type": "application/x-www-form-urlencoded"}))
    return out


def client(port: int, work: list[Call], offset: int, budget: int, deadline: float,
           tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    try:
        while time.monotonic() < deadline:
            with tally.lock:
                if tally.sent >= budget:
                    return
                tally.sent += 1
            call = work[i % len(work)]
            i += 1
            started = time.perf_counter()
            try:
                connection.request(call.method, call.path, body=call.body, headers=call.headers)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and "results" in json.loads(body)
                problem = None if ok else f"{call.label}: HTTP {response.status} {body[:200]!r}"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                problem = f"{call.label}: {exc!r}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with tally.lock:
                tally.latencies.append(elapsed)
                if problem:
                    tally.failures.append(problem)
    finally:
        connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (1-64)")
    parser.add_argument("--requests", type=int, default=2000, help="total requests (max 100000)")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="stop after this many seconds at most (max 600)")
    parser.add_argument("--workers", type=int, default=2, help="the server's query workers")
    parser.add_argument("--store", type=Path, help="serve this store instead of a fresh one")
    args = parser.parse_args()
    clients = max(1, min(args.clients, 64))
    budget = max(1, min(args.requests, 100_000))
    duration = max(1.0, min(args.duration, 600.0))

    scratch = Path(tempfile.mkdtemp(prefix="caucasus-kg-load-"))
    store = args.store.resolve() if args.store else scratch / "store"
    port = free_port()
    log = scratch / "server.log"
    print(f"starting the server on 127.0.0.1:{port} ({args.workers} query workers; "
          f"store {store})", file=sys.stderr)
    server = start_server(store, port, args.workers, log)
    try:
        work = calls(store)
        tally = Tally()
        started = time.monotonic()
        deadline = started + duration
        threads = [threading.Thread(target=client, args=(port, work, n * 7, budget, deadline,
                                                         tally), daemon=True)
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(duration + 60)
        wall = time.monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.store:
            shutil.rmtree(scratch, ignore_errors=True)

    done = len(tally.latencies)
    ms = [v * 1000 for v in tally.latencies]
    print(f"clients: {clients}, server query workers: {args.workers}, "
          f"distinct requests: {len(work)} ({len(work) // 2} canned queries x GET /queries/NAME "
          "and POST /sparql)")
    print(f"requests: {done} in {wall:.2f} s -> {done / wall:.0f} requests/s")
    if ms:
        print(f"latency: p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
              f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms, "
              f"mean {statistics.fmean(ms):.1f} ms")
    print(f"failed requests: {len(tally.failures)}")
    for failure in tally.failures[:10]:
        print(f"  {failure}")
    return 1 if tally.failures or done == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
