"""The Python API (caucasus_kg.open): the same answers, reports and messages as the command line,
as plain Python values and DataFrames; a store built when missing and reported when stale; and
nothing of it loaded by `import caucasus_kg` or a command that does not use it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pyoxigraph as ox
import pytest
from conftest import release_store_url, remote_store_url, tree_digest
from project_files import ROOT, copy_project

import caucasus_kg
from caucasus_kg.api import (
    DataError,
    InputError,
    KnowledgeGraph,
    QueryError,
    StaleStoreWarning,
    StoreError,
    Table,
    Triples,
    UnknownEntity,
)

BROKEN = ROOT / "docs" / "examples" / "cfe-2007-note-broken.yaml"
NOTE = ROOT / "docs" / "examples" / "cfe-2007-note.yaml"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, built_template: Path) -> Path:
    """A built project the tests of this module only read."""
    copy = tmp_path_factory.mktemp("api") / "project"
    shutil.copytree(built_template, copy)
    return copy


@pytest.fixture(scope="module")
def kg(root: Path) -> KnowledgeGraph:
    return caucasus_kg.open(root)


def modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter loads to run ``statement``."""
    code = (f"import sys\nbefore = set(sys.modules)\n{statement}\n"
            "print(' '.join(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    return set(done.stdout.split())


def test_importing_the_package_loads_nothing_else() -> None:
    """`caucasus_kg.open` is there, but nothing of the API (or typing) is loaded until called."""
    assert modules_loaded_by("import caucasus_kg") == {"caucasus_kg"}
    assert "caucasus_kg.api.graph" not in modules_loaded_by("import caucasus_kg\n"
                                                            "caucasus_kg.open")
    assert "caucasus_kg.api.graph" in modules_loaded_by(
        "import caucasus_kg, os\ncaucasus_kg.open(os.environ['PYTHONPATH'] + '/..')")


def test_the_query_command_does_not_load_the_api(root: Path) -> None:
    loaded = modules_loaded_by(
        "import contextlib, io\nfrom caucasus_kg.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main(['--project', {str(root)!r}, 'query', 'who-suspended-cfe'])")
    assert "caucasus_kg.read.results" in loaded
    assert not [m for m in loaded if m.startswith(("caucasus_kg.api", "pandas", "polars"))]


def test_open_takes_the_project_from_the_current_directory(root: Path, monkeypatch) -> None:
    monkeypatch.delenv("CAUCASUS_KG_PROJECT", raising=False)
    monkeypatch.delenv("CAUCASUS_KG_STORE", raising=False)
    monkeypatch.chdir(root / "graphs")
    kg = caucasus_kg.open()
    assert kg.project.root == root
    assert kg.project.store_path == root / ".caucasus-kg" / "store"
    other = caucasus_kg.open(root, store=root / "elsewhere")
    assert other.project.store_path == root / "elsewhere"


def test_open_says_why_there_is_no_project(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a caucasus-kg project"):
        caucasus_kg.open(tmp_path)
    with pytest.raises(ValueError, match="unknown validator 'shacl'; the validators are: "
                                         "pyshacl, sparql"):
        caucasus_kg.open(ROOT, validator="shacl")


# --- Questions ---------------------------------------------------------------------------------

def test_a_select_gives_rows_of_python_values(kg: KnowledgeGraph) -> None:
    table = kg.query("who-suspended-cfe")
    assert isinstance(table, Table)
    assert table.columns == ["actor", "action", "announced", "effective", "via", "authorised_by",
                             "in_response_to", "fact"]
    assert len(table) == 8
    law = "Russian federal law on the denunciation of the CFE Treaty (2023)"
    assert table[2] == ("Russia", "withdrawal", None, dt.date(2023, 11, 7), "", law, "",
                        "id:russia-withdraws-from-cfe-2023")
    assert [row[0] for row in table] == ["Russia", "Russia", "Russia",
                                         "NATO allies of the United States", "United States",
                                         "Czechia", "Slovakia", "Canada"]
    assert table.records()[2]["fact"] == "id:russia-withdraws-from-cfe-2023"
    assert table.column("announced") == [dt.date(2007, 7, 14), dt.date(2023, 5, 29), None,
                                         *[dt.date(2023, 11, 7)] * 5]
    assert table.column("effective") == [dt.date(2007, 12, 12), *[dt.date(2023, 11, 7)] * 2,
                                         *[dt.date(2023, 12, 7)] * 4, dt.date(2024, 2, 7)]
    fact = table.terms[2][7]
    assert isinstance(fact, ox.NamedNode)
    assert fact.value == "https://w3id.org/caucasus-kg/id/russia-withdraws-from-cfe-2023"
    with pytest.raises(KeyError, match="no column 'when'; the columns are: actor, action"):
        table.column("when")


def test_a_table_prints_and_serializes_as_the_command_does(kg: KnowledgeGraph, root: Path,
                                                           cli) -> None:
    table = kg.query("who-suspended-cfe")
    code, out, _ = cli("--project", root, "query", "who-suspended-cfe")
    assert code == 0 and str(table) == out
    for fmt in ("csv", "tsv", "json", "xml"):
        code, out, _ = cli("--project", root, "query", "who-suspended-cfe", "-f", fmt)
        assert table.serialize(fmt).decode() == out, fmt
    assert repr(table) == ("<Table of 8 rows: actor, action, announced, effective, via, "
                           "authorised_by, in_response_to, fact>")


def test_parameters_are_keywords_given_as_text_or_values(kg: KnowledgeGraph, root: Path,
                                                         cli) -> None:
    as_text = kg.query("treaty-status-as-of", date="2023-12-01", treaty="CFE Treaty")
    as_values = kg.query("treaty-status-as-of", date=dt.date(2023, 12, 1))
    code, out, _ = cli("--project", root, "query", "treaty-status-as-of", "-p",
                       "date=2023-12-01", "-f", "csv")
    assert code == 0
    assert as_text.rows == as_values.rows
    assert as_text.serialize("csv").decode() == out
    ranking = kg.query("top-suppliers", recipient="azerbaijan", from_year=2000, to_year=2030)
    assert ranking.columns == ["supplier", "tiv", "deals", "supplier_id"]


def test_literals_become_values_of_their_datatype(kg: KnowledgeGraph) -> None:
    table = kg.query("""
        SELECT ?int ?dec ?dbl ?yes ?day ?moment ?year ?month ?text ?iri ?other ?bad ?none WHERE {
          BIND(42 AS ?int) BIND(1.50 AS ?dec) BIND(2.5e0 AS ?dbl) BIND(true AS ?yes)
          BIND("2023-11-07"^^xsd:date AS ?day) BIND("2023-11-07T10:30:00"^^xsd:dateTime AS ?moment)
          BIND("2023"^^xsd:gYear AS ?year) BIND("2023-11"^^xsd:gYearMonth AS ?month)
          BIND("Русия"@ru AS ?text) BIND(id:russia AS ?iri) BIND(<urn:x:y> AS ?other)
          BIND("2023-02-30"^^xsd:date AS ?bad)
        }""")
    row = table[0]
    assert row == (42, Decimal("1.5"), 2.5, True, dt.date(2023, 11, 7),
                   dt.datetime(2023, 11, 7, 10, 30), 2023, "2023-11", "Русия", "id:russia",
                   "urn:x:y", "2023-02-30", None)
    assert [type(v) for v in row[:4]] == [int, Decimal, float, bool]


def test_an_ask_is_a_bool_and_a_construct_triples(kg: KnowledgeGraph, root: Path, cli) -> None:
    assert kg.query("ASK { id:russia a ckg:State }") is True
    assert kg.query("ASK { id:russia a ckg:Treaty }") is False
    text = "CONSTRUCT { ?s a ckg:Treaty } WHERE { ?s a ckg:Treaty }"
    triples = kg.query(text)
    assert isinstance(triples, Triples) and len(triples) == 4
    assert sorted(t.subject.value for t in triples) == [  # the CFE Treaty and the 1992-93
        f"https://w3id.org/caucasus-kg/id/{name}" for name in (  # arrangements among its parties
            "cfe-treaty", "cfe-vienna-document-1993", "oslo-final-document-1992",
            "tashkent-agreement-1992")]
    code, out, _ = cli("--project", root, "query", text, "-f", "ntriples")
    assert code == 0 and triples.serialize("ntriples").decode() == out


def test_errors_carry_the_command_line_messages(kg: KnowledgeGraph, root: Path, cli) -> None:
    cases = [(("who-suspended-cf",), {}), (("treaty-status-as-of",), {"treaty": "rusia"}),
             (("treaty-status-as-of",), {"when": "2023"}),
             (("SELECT ?x WHERE { ?x }",), {}), (("INSERT DATA { id:a id:b id:c }",), {})]
    for args, params in cases:
        with pytest.raises(QueryError) as raised:
            kg.query(*args, **params)
        flags = [a for name, value in params.items() for a in ("-p", f"{name}={value}")]
        code, _, err = cli("--project", root, "query", *args, *flags)
        assert code == 2 and err == f"error: {raised.value}\n", args
    with pytest.raises(UnknownEntity, match="did you mean 'Russia'"):
        kg.query("treaty-status-as-of", treaty="rusia")


def test_the_catalogue(kg: KnowledgeGraph, root: Path, cli) -> None:
    known = kg.queries()
    code, out, _ = cli("--project", root, "queries", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert list(known) == [q["name"] for q in listed]
    status = known["treaty-status-as-of"]
    assert [(p.name, p.type, p.default) for p in status.parameters] == [
        ("treaty", "iri", "cfe-treaty"), ("date", "date", "2024-01-01")]


# --- DataFrames --------------------------------------------------------------------------------

TYPED = """
    SELECT ?n ?maybe ?dec ?flag ?day ?label ?mixed WHERE {
      VALUES (?n ?maybe ?dec ?flag ?day ?label ?mixed) {
        (1 10 1.25 true "2023-11-07"^^xsd:date "a" "2023"^^xsd:gYear)
        (2 UNDEF 2.5 false "2024-01-01"^^xsd:date "b" "2023-11-07"^^xsd:date)
      }
    } ORDER BY ?n"""


def test_to_pandas_types_the_columns(kg: KnowledgeGraph) -> None:
    frame = kg.query(TYPED).to_pandas()
    assert list(frame.columns) == ["n", "maybe", "dec", "flag", "day", "label", "mixed"]
    assert str(frame["n"].dtype) == "int64" and str(frame["maybe"].dtype) == "Int64"
    assert frame["maybe"].isna().tolist() == [False, True]
    assert str(frame["dec"].dtype) == "float64" and frame["dec"].tolist() == [1.25, 2.5]
    assert str(frame["flag"].dtype) == "bool"
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])
    assert frame["day"].dt.year.tolist() == [2023, 2024]
    assert frame["label"].tolist() == ["a", "b"]
    assert frame["mixed"].tolist() == ["2023", "2023-11-07"]  # a year and a date: the text
    empty = kg.query("SELECT ?s WHERE { ?s a ckg:Nothing }").to_pandas()
    assert list(empty.columns) == ["s"] and len(empty) == 0


def test_to_polars_types_the_columns(kg: KnowledgeGraph) -> None:
    frame = kg.query(TYPED).to_polars()
    assert frame.schema == {"n": pl.Int64, "maybe": pl.Int64, "dec": pl.Float64,
                            "flag": pl.Boolean, "day": pl.Date, "label": pl.String,
                            "mixed": pl.String}
    assert frame["maybe"].to_list() == [10, None]
    assert frame["day"].to_list() == [dt.date(2023, 11, 7), dt.date(2024, 1, 1)]


@pytest.mark.parametrize("module, method", [("pandas", "to_pandas"), ("polars", "to_polars")])
def test_a_missing_extra_is_named(kg: KnowledgeGraph, monkeypatch, module: str,
                                  method: str) -> None:
    table = kg.query("who-suspended-cfe")
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    with pytest.raises(ImportError, match=rf"pip install 'caucasus-kg\[{module}\]'"):
        getattr(table, method)()


# --- Explain, network --------------------------------------------------------------------------

def test_explain_is_the_json_the_command_prints(kg: KnowledgeGraph, root: Path, cli) -> None:
    explanation = kg.explain("Russia withdraws from the CFE Treaty")
    code, out, _ = cli("--project", root, "explain", "russia-withdraws-from-cfe-2023",
                       "--format", "json")
    assert code == 0 and explanation.to_dict() == json.loads(out)
    assert explanation.evidence[0].quote == "On 7 November 2023, Russia withdrew from the treaty"
    with pytest.raises(UnknownEntity) as raised:
        kg.explain("rusia")
    code, _, err = cli("--project", root, "explain", "rusia")
    assert code == 2 and err == f"error: {raised.value}\n"


def test_the_network_is_the_one_the_exports_draw(kg: KnowledgeGraph, root: Path, cli) -> None:
    graph = kg.network(focus="cfe-treaty", depth=1, exclude="claim")
    code, out, _ = cli("--project", root, "export", "json", "--focus", "cfe-treaty",
                       "--depth", "1", "--exclude", "claim")
    assert code == 0
    elements = json.loads(out)["elements"]
    assert sorted(graph.nodes) == sorted(n["data"]["id"] for n in elements["nodes"])
    assert graph.number_of_edges() == len(elements["edges"])
    assert graph.nodes["id:cfe-treaty"]["kind"] == "instrument"
    assert "id:russia-withdraws-from-cfe-2023" in graph
    since = kg.network(since=dt.date(2023, 1, 1), include=["event", "claim"])
    code, out, _ = cli("--project", root, "export", "json", "--since", "2023-01-01",
                       "--include", "event", "--include", "claim")
    assert code == 0
    assert sorted(since) == sorted(n["data"]["id"] for n in json.loads(out)["elements"]["nodes"])
    assert "id:russia-withdraws-from-cfe-2023" in since
    assert "id:senate-adopts-section-907-waiver-amendment-2001" not in since  # before 2023


def test_network_filters_are_checked(kg: KnowledgeGraph) -> None:
    from caucasus_kg.api import NetworkError

    with pytest.raises(TypeError, match="unknown filter colour; the filters are: focus, depth"):
        kg.network(colour="red")
    with pytest.raises(NetworkError, match="--since"):
        kg.network(since="2023-13")
    with pytest.raises(NetworkError, match="did you mean 'Russia'"):
        kg.network(focus="rusia")


# --- Validate, add, build ----------------------------------------------------------------------

def test_validate_reports_located_problems(kg: KnowledgeGraph, root: Path, cli) -> None:
    report = kg.validate(BROKEN)
    assert not report.ok and len(report.errors) == 2 and report.warnings == []
    first = report.errors[0]
    assert (first.file, first.line, first.fact, first.message, first.fix) == (
        str(BROKEN), 19, "russia-suspends-cfe-2007", "actor: unknown entity 'Rusia'",
        "did you mean 'Russia'?")
    code, out, err = cli("--project", root, "validate", BROKEN, "--format", "json")
    assert code == 1 and report.to_dict() == json.loads(out)
    assert err == report.summary + "\n" == "invalid: 2 error(s), 0 warning(s)\n"
    code, out, err = cli("--project", root, "validate", BROKEN)
    assert str(report) == out + err.rstrip("\n")
    clean = kg.validate()
    assert clean.ok and clean.triples > 1000
    assert clean.summary.startswith(f"valid: {clean.triples} data triples checked")
    alone = kg.validate([NOTE], alone=True)
    assert not alone.ok  # on its own, the note's references resolve to nothing


def test_validate_raises_for_unreadable_input(kg: KnowledgeGraph, tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        kg.validate(tmp_path / "missing.yaml")
    assert raised.value.diagnostics[0].message.startswith("cannot read the file")


def test_add_checks_only_unless_asked_to_merge(tmp_path: Path, built_template: Path,
                                               cli) -> None:
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    kg = caucasus_kg.open(root)
    before = tree_digest(root / "graphs", root / ".caucasus-kg")
    report = kg.add(str(NOTE))
    assert report.accepted and report.dry_run and report.files == ["graphs/cfe-2007-note.yaml"]
    assert report.merged == [("russia-completes-cfe-withdrawal", "russia-withdraws-from-cfe-2023")]
    assert tree_digest(root / "graphs", root / ".caucasus-kg") == before
    code, out, _ = cli("--project", root, "add", NOTE, "--dry-run", "--format", "json")
    assert code == 0 and report.to_dict() == json.loads(out)
    rejected = kg.add([BROKEN])
    assert not rejected.accepted and len(rejected.errors) == 2
    merged = kg.add(NOTE, dry_run=False)
    assert merged.accepted and not merged.dry_run
    assert (root / "graphs" / "cfe-2007-note.yaml").is_file()
    # the article's quote and two reports (graphs/cfe-participation.yaml), and now the note's
    assert len(kg.explain("russia-withdraws-from-cfe-2023").evidence) == 4  # the store changed
    with pytest.raises(InputError, match="already exists"):
        kg.add(NOTE)


def test_add_to_an_unreachable_server_store_is_an_error(root: Path) -> None:
    kg = caucasus_kg.open(root, store="http://127.0.0.1:9/sparql")
    with pytest.raises(StoreError, match="cannot reach the SPARQL server at "
                                         "http://127.0.0.1:9/sparql"):
        kg.add(NOTE)
    assert not (root / "graphs" / "cfe-2007-note.yaml").exists()


def test_add_on_a_sparql_server_store_merges_as_on_the_embedded_one(
        tmp_path: Path, built_template: Path, virtuoso_endpoint: str) -> None:
    url = remote_store_url(virtuoso_endpoint)
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    kg = caucasus_kg.open(root, store=url)
    try:
        assert kg.add(NOTE).accepted  # a dry run builds the server's store first
        merged = kg.add(NOTE, dry_run=False)
        assert merged.accepted and merged.files == ["graphs/cfe-2007-note.yaml"]
        assert len(kg.explain("russia-withdraws-from-cfe-2023").evidence) == 4
        embedded = caucasus_kg.open(root)
        embedded.build()  # graphs/ now holds the note: the embedded store, rebuilt, agrees
        assert kg.query("who-suspended-cfe").rows == embedded.query("who-suspended-cfe").rows
        assert len(kg.query("who-suspended-cfe")) == 9  # the note's 2007 suspension added
    finally:
        release_store_url(url)


def test_a_missing_store_is_built_and_said(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    said: list[str] = []
    kg = caucasus_kg.open(root, say=said.append)
    assert len(kg.query("who-suspended-cfe")) == 8
    assert said[0] == (f"no store at {root / '.caucasus-kg' / 'store'} yet: building it from "
                       f"{root / 'graphs'}")
    assert said[1].startswith("built: ") and len(said) == 2
    kg.query("who-suspended-cfe")
    assert len(said) == 2  # built once


def test_graphs_that_do_not_validate_raise_with_the_problems(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    (root / "graphs" / "broken.yaml").write_text(
        "events:\n  - id: russia-suspends-cfe-2007\n    type: SuspensionOfParticipation\n"
        "    label: Russia suspends the CFE Treaty\n    actor: Rusia\n"
        "    treaty: cfe-treaty\n    date: 2007-12-12\n", "utf-8")
    kg = caucasus_kg.open(root, say=lambda line: None)
    with pytest.raises(DataError) as raised:
        kg.query("who-suspended-cfe")
    assert ("broken.yaml", 5, "actor: unknown entity 'Rusia'") in [
        (d.file, d.line, d.message) for d in raised.value.diagnostics]
    assert not (root / ".caucasus-kg" / "store").exists()


def test_a_stale_store_warns_and_build_refreshes_it(tmp_path: Path, built_template: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    kg = caucasus_kg.open(root)
    facts = root / "graphs" / "armenpress-azerbaijan-arms-imports.yaml"
    facts.write_text(facts.read_text("utf-8") + "# edited\n", "utf-8")
    with pytest.warns(StaleStoreWarning, match="changed since the store was built") as caught:
        kg.query("who-suspended-cfe")
    assert caught[0].filename == __file__  # the warning names the caller's line
    info = kg.build()
    assert info.triples > 1000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(kg.query("who-suspended-cfe")) == 8


def test_a_sparql_server_store_is_built_and_asked(root: Path, virtuoso_endpoint: str) -> None:
    url = remote_store_url(virtuoso_endpoint)
    said: list[str] = []
    kg = caucasus_kg.open(root, store=url, say=said.append)
    try:
        table = kg.query("who-suspended-cfe")
        assert said[0] == f"nothing built on {url} yet: building it from {root / 'graphs'}"
        assert table.rows == caucasus_kg.open(root).query("who-suspended-cfe").rows
        assert kg.explain("russia-withdraws-from-cfe-2023").evidence[0].attributed_to == \
            "Armenpress"
    finally:
        release_store_url(url)
