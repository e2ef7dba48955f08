"""Shared fixtures: the shipped project, its dataset, an in-memory Oxigraph store of it, and the
same graphs on a Virtuoso server (the ``ask`` fixture runs every competency query on both); the
same again with the made-up test chronicle of tests/fixtures/chronicle/ added (``ask_chronicle``).

Every project a test uses is built in a temporary folder from the curated files
(:mod:`project_files`), never read from the working tree, where a user's imports and store live.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from project_files import ROOT, copy_project
from test_server import RunningServer, served_store_path, start_server, stop_server

from caucasus_kg.core.project import Project, find_project
from caucasus_kg.read.queries import catalogue, run_query
from caucasus_kg.read.results import cell_text
from caucasus_kg.sources.dataset import Dataset, load_dataset
from caucasus_kg.store.embedded import memory_store

TODAY = dt.date(2026, 1, 1)
"""A fixed 'today' so that future-date warnings do not depend on when the tests run."""


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped project (the curated files), read-only for the tests that use it."""
    root = copy_project(tmp_path_factory.mktemp("shipped") / "project")
    return find_project(root, tmp_path_factory.mktemp("store") / "store")


@pytest.fixture(scope="session")
def dataset(project: Project) -> Dataset:
    ds = load_dataset(project, today=TODAY)
    assert not ds.diagnostics.errors, [d.render() for d in ds.diagnostics.errors]
    return ds


@pytest.fixture(scope="session")
def store(dataset: Dataset):
    return memory_store(dataset.all_graphs())


CHRONICLE = ROOT / "tests" / "fixtures" / "chronicle" / "graphs"
"""A made-up source with facts of the shapes the founding article gives only as an interviewee's
claims (an attack, a military transit, a war, arms transfers): see its fact file's header."""


@pytest.fixture(scope="session")
def chronicle_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped project with the test chronicle's fact file and text added to graphs/."""
    root = copy_project(tmp_path_factory.mktemp("chronicle") / "project")
    shutil.copytree(CHRONICLE, root / "graphs", dirs_exist_ok=True)
    return find_project(root, tmp_path_factory.mktemp("chronicle-store") / "store")


@pytest.fixture(scope="session")
def chronicle_dataset(chronicle_project: Project) -> Dataset:
    ds = load_dataset(chronicle_project, today=TODAY)
    assert not ds.diagnostics.errors, [d.render() for d in ds.diagnostics.errors]
    return ds


@pytest.fixture(scope="session")
def chronicle_store(chronicle_dataset: Dataset):
    return memory_store(chronicle_dataset.all_graphs())


VIRTUOSO_ENDPOINT = "http://127.0.0.1:8890/sparql"
"""Where ``scripts/virtuoso start`` serves SPARQL (with its default ports)."""


def _answers(endpoint: str) -> str | None:
    """None when ``endpoint`` answers ``ASK {}``, else why not."""
    body = urllib.parse.urlencode({"query": "ASK { }"}).encode()
    try:
        with urllib.request.urlopen(endpoint, data=body, timeout=10) as response:
            response.read()
        return None
    except OSError as exc:
        return str(getattr(exc, "reason", exc))


@pytest.fixture(scope="session")
def virtuoso_endpoint() -> str:
    """A running Virtuoso: $CAUCASUS_KG_TEST_VIRTUOSO, else the one scripts/virtuoso runs, started
    here when it is not running. No server is a failure, never a skip."""
    endpoint = os.environ.get("CAUCASUS_KG_TEST_VIRTUOSO", VIRTUOSO_ENDPOINT)
    problem = _answers(endpoint)
    if problem is None:
        return endpoint
    if endpoint != VIRTUOSO_ENDPOINT:
        pytest.fail(f"CAUCASUS_KG_TEST_VIRTUOSO={endpoint} does not answer: {problem}")
    # One test process starts it; the others (pytest -n) wait for it and find it answering.
    with open(Path(tempfile.gettempdir()) / "caucasus-kg-virtuoso-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(endpoint) is None:
            return endpoint
        started = subprocess.run([str(ROOT / "scripts" / "virtuoso"), "start"],
                                 capture_output=True, text=True, timeout=900)
    problem = _answers(endpoint)
    if started.returncode != 0 or problem is not None:
        pytest.fail(f"no Virtuoso at {endpoint} ({problem}) and `scripts/virtuoso start` failed "
                    f"(exit {started.returncode}): {started.stdout}{started.stderr}")
    return endpoint


_RELEASED_STORE_URLS: list[str] = []
"""Store URLs of this process whose graphs are all dropped, to be given out again."""


def remote_store_url(endpoint: str) -> str:
    """A store URL on the test server that no other test is using, so tests never see each
    other's graphs. A URL another test of this process has given back with
    :func:`release_store_url` (everything under it dropped) is given out again: Virtuoso keeps a
    compiled query by its text and its dataset (the graph names), and the treaty questions take
    it half a second to compile for every new store name."""
    for number, url in enumerate(_RELEASED_STORE_URLS):
        if url.startswith(f"{endpoint}#"):
            return _RELEASED_STORE_URLS.pop(number)
    return f"{endpoint}#test-{os.getpid()}-{secrets.token_hex(4)}"


def release_store_url(url: str) -> None:
    """Drop the project's graphs and manifest at ``url`` from the server; the URL may then be
    given out again (it names no graph any longer: each query names the manifest's graphs)."""
    from caucasus_kg.store.remote import RemoteStore

    remote = RemoteStore(url)
    remote.drop_all()
    if url not in _RELEASED_STORE_URLS:
        _RELEASED_STORE_URLS.append(url)


def _on_server(endpoint: str, project: Project, dataset: Dataset) -> Iterator[object]:
    """The dataset's graphs on the SPARQL server, in a store URL of their own, dropped after."""
    from caucasus_kg.store.backends import write_build
    from caucasus_kg.store.remote import RemoteStore

    url = remote_store_url(endpoint)
    on_server = Project(root=project.root, store_path=project.store_path, store_url=url)
    write_build(on_server, dataset.all_graphs(), dataset.fingerprint)
    remote = RemoteStore(url)
    yield remote
    release_store_url(url)


@pytest.fixture(scope="session")
def remote_store(virtuoso_endpoint: str, project: Project, dataset: Dataset):
    """The graphs of the ``store`` fixture on Virtuoso, removed again at the end of the session."""
    yield from _on_server(virtuoso_endpoint, project, dataset)


@pytest.fixture(scope="session")
def chronicle_remote_store(virtuoso_endpoint: str, chronicle_project: Project,
                           chronicle_dataset: Dataset):
    """The graphs of the ``chronicle_store`` fixture on Virtuoso."""
    yield from _on_server(virtuoso_endpoint, chronicle_project, chronicle_dataset)


VIRTUOSO_DIFFERENCES: dict[str, str] = {}
"""Competency tests whose Virtuoso run is a known, documented difference (strict xfail)."""


VIRTUOSO_FIXTURES = {"virtuoso_endpoint", "remote_store", "chronicle_remote_store"}


def _needs_virtuoso(item: pytest.Item) -> bool:
    """A test on the SPARQL-server store: it asks for the server, or runs with a store parameter
    set to it (the fixtures that pick a store by parameter ask for the server inside)."""
    if VIRTUOSO_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(
        value in ("server", "virtuoso") for value in callspec.params.values()
        if isinstance(value, str))


def _needs_browser(item: pytest.Item) -> bool:
    return "browser" in item.path.name or "browser" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need a Virtuoso server or Chromium (``-m "not virtuoso"``; see
    README's Tests), and strict-xfail the known Virtuoso differences."""
    for item in items:
        if _needs_virtuoso(item):
            item.add_marker(pytest.mark.virtuoso)
        if _needs_browser(item):
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is None or "virtuoso" not in (callspec.params.get("ask"),
                                                  callspec.params.get("ask_chronicle")):
            continue
        reason = VIRTUOSO_DIFFERENCES.get(item.originalname)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def _asker(store: object, project: Project):
    known = catalogue(project.queries_dir)

    def run(name: str, **params: str) -> tuple[list[str], list[tuple[str, ...]]]:
        result = run_query(known[name], store, params)
        return result.columns, [tuple(cell_text(v) for v in row) for row in result.rows]

    return run


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def ask(request: pytest.FixtureRequest, project: Project):
    """Run a canned query by name; returns (columns, rows) with cells as the table shows them.

    Parametrized: every test that asks runs against the embedded store and against Virtuoso."""
    store = request.getfixturevalue("store" if request.param == "oxigraph" else "remote_store")
    return _asker(store, project)


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def ask_chronicle(request: pytest.FixtureRequest, chronicle_project: Project):
    """``ask`` over the shipped graph with the test chronicle added, on both stores."""
    store = request.getfixturevalue("chronicle_store" if request.param == "oxigraph"
                                    else "chronicle_remote_store")
    return _asker(store, chronicle_project)


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built once per session; tests copy it before changing anything."""
    from cli_run import invoke

    root = copy_project(tmp_path_factory.mktemp("template") / "project")
    result = invoke(["--project", str(root), "build"])
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    """A writable copy of the project (ontology, graphs, queries) with its own store."""
    root = copy_project(tmp_path / "project")
    return find_project(root, root / ".caucasus-kg" / "store")


STORES = ["embedded", "server"]
"""The two kinds of store the writing commands are tested on (``add``, ``import``)."""


def server_state(url: str) -> str:
    """A digest of what the store at ``url`` holds for its project: the manifest and every quad
    of the graphs it lists."""
    import hashlib

    from caucasus_kg.store.remote import RemoteStore

    remote = RemoteStore(url)
    manifest = remote.manifest(refresh=True)
    digest = hashlib.sha256(repr(manifest).encode())
    for line in sorted(str(q) for q in remote.quads_for_pattern()):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def project_state(root: Path) -> str:
    """graphs/, imports/ and .caucasus-kg/ byte for byte, and the server's content when the
    project's store is a SPARQL server: to prove that nothing changed."""
    state = tree_digest(root / "graphs", root / "imports", root / ".caucasus-kg")
    url = find_project(root).store_url
    return state + (f" {server_state(url)}" if url else "")


def built_copy(request: pytest.FixtureRequest, template: Path, root: Path,
               kind: str) -> Iterator[Path]:
    """A copy of the built project ``template`` at ``root`` whose store is of ``kind``: the
    embedded one it was built with, or a store URL of its own on the test server (named in its
    caucasus-kg.toml, so every command uses it) with the graphs built there; dropped after."""

    shutil.copytree(template, root)
    url = None
    if kind == "server":
        url = remote_store_url(request.getfixturevalue("virtuoso_endpoint"))
        (root / "caucasus-kg.toml").write_text(f'store = "{url}"\n', "utf-8")
        build_on(root)
    try:
        yield root
    finally:
        if url is not None:
            release_store_url(url)


def build_on(root: Path, *store: str) -> None:
    from cli_run import invoke

    command = ["--project", str(root), *(["--store", *store] if store else []), "build"]
    result = invoke(command)
    assert result.exit_code == 0, result.stderr


def tree_digest(*folders: Path) -> str:
    """A digest of every file's path and bytes under ``folders``, to prove nothing changed."""
    import hashlib

    digest = hashlib.sha256()
    for folder in folders:
        if not folder.exists():
            digest.update(b"<missing>")
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def cli():
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    from cli_run import run_cli

    return run_cli


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """`caucasus-kg serve` on loopback (2 s query timeout, at most 1,000 rows, two workers, one
    extra allowed origin) for the tests of one module; the store is built on first use."""
    store_path = served_store_path(tmp_path_factory)
    running = start_server(store_path, "--query-timeout", "2", "--max-results", "1000",
                           "--workers", "2", "--allow-origin", "http://localhost:3000")
    try:
        yield running
    finally:
        stop_server(running)
    assert "Traceback" not in running.log.read_text(errors="replace"), running.log_tail()
