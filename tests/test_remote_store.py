"""The SPARQL-server store against a real Virtuoso: build, query, explain and export through
``--store http://...``, large answers, rebuilds that drop graphs, and a server that is down.

The competency queries themselves run on Virtuoso through the parametrized ``ask`` fixture
(tests/conftest.py); these tests cover what is particular to a remote store.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, remote_store_url

from caucasus_kg.namespaces import GRAPH
from caucasus_kg.project import find_project
from caucasus_kg.sparql_remote import RemoteStore, bounded_paths

EX = "https://example.org/remote-test/"


@pytest.fixture
def url(virtuoso_endpoint: str):
    """A store URL of its own on the server; its graphs are dropped afterwards."""
    store_url = remote_store_url(virtuoso_endpoint)
    yield store_url
    RemoteStore(store_url).drop_all()


def _server_graphs(endpoint: str) -> set[str]:
    """Every graph on the server, asked without any dataset restriction."""
    body = urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    request = urllib.request.Request(endpoint, data=body.encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.load(response)
    return {b["g"]["value"] for b in data["results"]["bindings"]}


def test_an_answer_of_more_than_10000_rows_comes_back_whole(url: str) -> None:
    remote = RemoteStore(url)
    triples = [ox.Triple(ox.NamedNode(f"{EX}item/{n:05d}"), ox.NamedNode(EX + "rank"),
                         ox.Literal(str(n), datatype=ox.NamedNode(
                             "http://www.w3.org/2001/XMLSchema#integer")))
               for n in range(12_345)]
    remote.replace_graphs({str(GRAPH["large"]): triples}, "fingerprint")
    rows = list(remote.query(f"SELECT ?s ?rank WHERE {{ ?s <{EX}rank> ?rank }} ORDER BY ?rank"))
    assert len(rows) == 12_345
    assert rows[0]["s"] == ox.NamedNode(f"{EX}item/00000")
    assert rows[-1]["rank"] == ox.Literal("12344", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))
    unordered = remote.query(f"SELECT ?s WHERE {{ ?s <{EX}rank> ?rank }}")
    assert len({row["s"].value for row in unordered}) == 12_345
    constructed = remote.query(f"CONSTRUCT {{ ?s <{EX}rank> ?r }} WHERE {{ ?s <{EX}rank> ?r }}")
    assert len(constructed) == 12_345


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_build_query_then_rebuild_without_a_file_drops_its_graph(cli, tmp_path: Path,
                                                                  url: str) -> None:
    root = _project_copy(tmp_path)
    shutil.copy(ROOT / "docs/examples/cfe-2007-note.yaml", root / "graphs/cfe-2007-note.yaml")
    (root / "graphs/texts").mkdir()
    shutil.copy(ROOT / "docs/examples/texts/cfe-2007-note.txt", root / "graphs/texts")
    code, _, err = cli("--project", root, "--store", url, "build")
    assert code == 0, err
    assert f"building {url}" in err
    note_graph = RemoteStore(url).server_graph(str(GRAPH["cfe-2007-note"]))
    endpoint = url.partition("#")[0]
    assert note_graph in _server_graphs(endpoint)

    code, out, err = cli("--project", root, "--store", url, "query", "who-suspended-cfe",
                         "-f", "csv")
    assert code == 0, err
    assert "Russia,suspension of participation,2007-12-12,,id:russia-suspends-cfe-2007" in out
    assert "warning" not in err

    (root / "graphs/cfe-2007-note.yaml").unlink()
    code, out, err = cli("--project", root, "--store", url, "query", "who-suspended-cfe")
    assert "graphs/ or the ontology changed since the store was built" in err
    assert "2007-12-12" in out  # stale until rebuilt

    code, _, err = cli("--project", root, "--store", url, "build")
    assert code == 0, err
    code, out, err = cli("--project", root, "--store", url, "query", "who-suspended-cfe",
                         "-f", "csv")
    assert code == 0 and "warning" not in err
    assert "2007-12-12" not in out
    assert out.count("\n") == 4  # header and the founding article's three rows
    on_server = _server_graphs(endpoint)
    assert note_graph not in on_server
    assert not any("/staging/" in g for g in on_server)
    assert set(RemoteStore(url).manifest().graphs) == {
        RemoteStore(url).server_graph(str(GRAPH[name])) for name in
        ("ontology", "vocabularies", "armenpress-azerbaijan-arms-imports")}


def _same_output(cli, tmp_path: Path, url: str, commands: list[list[str]]) -> None:
    root = _project_copy(tmp_path)
    local = ["--project", root, "--store", tmp_path / "store"]
    remote = ["--project", root, "--store", url]
    assert cli(*local, "build")[0] == 0
    assert cli(*remote, "build")[0] == 0
    for command in commands:
        code_local, out_local, _ = cli(*local, *command)
        code_remote, out_remote, err = cli(*remote, *command)
        assert code_local == code_remote == 0, err
        assert out_remote == out_local, command


def test_explain_and_query_give_the_embedded_stores_answers(cli, tmp_path: Path,
                                                           url: str) -> None:
    _same_output(cli, tmp_path, url, [["explain", "russia-withdraws-from-cfe-2023"],
                                      ["explain", "Harutyunov", "-f", "json"],
                                      ["query", "actors", "-f", "json"]])


@pytest.mark.parametrize("fmt", ["json", "timeline"])
@pytest.mark.xfail(strict=True, reason="from Virtuoso the network loses the dates of some facts "
                   "(the two dated only by ckg:year in json; most events in the timeline) although "
                   "the dated triples come back; the cause is not found yet (docs/stores.md)")
def test_export_gives_the_embedded_stores_file(cli, tmp_path: Path, url: str, fmt: str) -> None:
    _same_output(cli, tmp_path, url, [["export", fmt]])


def test_a_server_that_is_down_is_a_clear_error(cli) -> None:
    down = "http://127.0.0.1:9/sparql"
    for command in (["query", "actors"], ["explain", "russia"], ["export", "json"]):
        code, out, err = cli("--store", down, *command)
        assert code == 1, command
        assert out == ""
        assert f"error: cannot reach the SPARQL server at {down}" in err
        assert "Traceback" not in err
    code, _, err = cli("--store", down, "build")
    assert code == 1
    assert "cannot reach the SPARQL server" in err and "the store was not changed" in err


def test_add_import_and_serve_refuse_a_remote_store(cli, url: str) -> None:
    for command in (["add", "docs/examples/cfe-2007-note.yaml", "--dry-run"],
                    ["import", "sipri", "docs/examples/cfe-2007-note.yaml"], ["serve"]):
        code, _, err = cli("--store", url, *command)
        assert code == 2, command
        assert "works on the embedded store only" in err


def test_bad_and_update_queries_are_refused(cli, url: str, remote_store) -> None:
    code, _, err = cli("--store", url, "query", "SELECT ?x WHERE { ?x }")
    assert code == 2 and "not valid SPARQL" in err and "Virtuoso" in err
    with pytest.raises(SyntaxError, match="read-only"):
        remote_store.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(SyntaxError, match="SERVICE"):
        remote_store.query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")


def test_config_file_names_the_store_and_cli_and_environment_win(tmp_path: Path,
                                                                 monkeypatch) -> None:
    root = _project_copy(tmp_path)
    monkeypatch.delenv("CAUCASUS_KG_STORE", raising=False)
    (root / "caucasus-kg.toml").write_text('store = "http://127.0.0.1:8890/sparql"\n')
    assert find_project(root).store_url == "http://127.0.0.1:8890/sparql"
    assert find_project(root, tmp_path / "elsewhere").store_url is None
    monkeypatch.setenv("CAUCASUS_KG_STORE", str(tmp_path / "env-store"))
    chosen = find_project(root)
    assert chosen.store_url is None and chosen.store_path == tmp_path / "env-store"
    monkeypatch.delenv("CAUCASUS_KG_STORE")
    (root / "caucasus-kg.toml").write_text('store = "db/store"\n')
    assert find_project(root).store_path == root / "db/store"
    (root / "caucasus-kg.toml").write_text('stor = "x"\n')
    with pytest.raises(FileNotFoundError, match="unknown setting"):
        find_project(root)


def test_star_paths_are_bounded_and_nothing_else_is_touched() -> None:
    query = ('SELECT * WHERE { ?c rdfs:subClassOf* ckg:Actor . ?r (ckg:a|^ckg:b)+ ?o '
             'FILTER(COUNT(*) > 1) BIND(SUM(?x)*100 AS ?y) BIND((?a+1)*2 AS ?z) "a*" }')
    assert bounded_paths(query, depth=2) == (
        "SELECT * WHERE { ?c ((rdfs:subClassOf|rdfs:subClassOf/rdfs:subClassOf)?) ckg:Actor . "
        "?r (((ckg:a|^ckg:b)|(ckg:a|^ckg:b)/(ckg:a|^ckg:b))) ?o FILTER(COUNT(*) > 1) "
        'BIND(SUM(?x)*100 AS ?y) BIND((?a+1)*2 AS ?z) "a*" }')
