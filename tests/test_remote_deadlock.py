"""A request the SPARQL server ends in a deadlock is sent again when sending it twice means the
same (a graph store PUT, a query, one DROP or INSERT DATA), and reported otherwise.

Virtuoso ends a transaction in a deadlock when several writers share it (HTTP 500, "Error
40001", "SR172: Transaction deadlocked"), and rolls it back; this suite's own parallel runs met
it during a build. It cannot be made to happen on demand, so the endpoint here is a loopback
HTTP server that answers with the page Virtuoso sent, byte for byte, a set number of times.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from caucasus_kg.store.backend import RemoteStoreError
from caucasus_kg.store.remote import RemoteStore

VIRTUOSO_DEADLOCK = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html>\n  <head>\n'
    b"    <title>SPARQL Graph Protocol request failed</title>\n  </head>\n  <body>\n"
    b"    <h1>HTTP/1.1 500 Request Failed</h1>\n    <h3>Error 40001</h3>\n"
    b"<xmp>SR172: Transaction deadlocked</xmp></body></html>")
"""What Virtuoso 7 answered a graph store PUT during a build, as this suite met it."""


class Endpoint(ThreadingHTTPServer):
    """Answers the first ``deadlocks`` requests with Virtuoso's deadlock page, then as a
    SPARQL server would; it keeps what it was sent."""

    def __init__(self, deadlocks: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.deadlocks = deadlocks
        self.received: list[tuple[str, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((self.command, body))
        if len(self.server.received) <= self.server.deadlocks:
            self.send_response(500, "Request Failed")
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(VIRTUOSO_DEADLOCK)))
            self.end_headers()
            self.wfile.write(VIRTUOSO_DEADLOCK)
            return
        answer = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
            {"n": {"type": "literal", "value": "3",
                   "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}).encode()
        self.send_response(200 if self.command == "POST" else 201)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_PUT = _answer


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    server = Endpoint(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


TRIPLES = [ox.Triple(ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p"),
                     ox.Literal("o"))]


@pytest.mark.parametrize("endpoint", [2], indirect=True)
def test_a_deadlocked_graph_store_put_is_sent_again(endpoint: Endpoint) -> None:
    RemoteStore(endpoint.url).put_graph("http://a.example/g", TRIPLES)
    assert [method for method, _ in endpoint.received] == ["PUT", "PUT", "PUT"]
    assert len({body for _, body in endpoint.received}) == 1  # the same request each time


@pytest.mark.parametrize("endpoint", [1], indirect=True)
def test_a_deadlocked_query_is_sent_again(endpoint: Endpoint) -> None:
    assert RemoteStore(endpoint.url).count("http://a.example/g") == 3
    assert len(endpoint.received) == 2


@pytest.mark.parametrize("endpoint", [1], indirect=True)
def test_an_update_of_several_steps_is_not_sent_again(endpoint: Endpoint) -> None:
    """A build's last update moves graphs and replaces the manifest in one request: it is not
    sent twice, and the error says what the server answered."""
    store = RemoteStore(endpoint.url)
    with pytest.raises(RemoteStoreError, match=r"ended the request \(which cannot be sent twice\) "
                       r"in a deadlock with another client writing to it \(HTTP 500, SQLSTATE "
                       r"40001, Virtuoso SR172\); run the command again"):
        store.update("MOVE SILENT GRAPH <http://a.example/t> TO GRAPH <http://a.example/g> ;\n"
                     "DROP SILENT GRAPH <http://a.example/old>")
    assert len(endpoint.received) == 1


@pytest.mark.parametrize("endpoint", [10], indirect=True)
def test_a_server_that_stays_deadlocked_is_an_error_after_a_few_tries(endpoint: Endpoint,
                                                                     monkeypatch) -> None:
    monkeypatch.setattr("caucasus_kg.store.remote._DEADLOCK_PAUSES", (0.01, 0.01))
    with pytest.raises(RemoteStoreError, match=r"ended the request \(sent 3 times\) in a deadlock"):
        RemoteStore(endpoint.url).drop_graph("http://a.example/g")
    assert len(endpoint.received) == 3
