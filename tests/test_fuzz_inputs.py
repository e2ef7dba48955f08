"""Fuzzing the readers of user input: fact files, RDF files and dataset (CSV, JSON) imports.

Hypothesis mutates valid files: it inserts YAML, Turtle and CSV syntax, control characters,
unusual Unicode, numbers in odd notations, anchors and aliases at random places, deletes and
duplicates spans, and replaces values with values of other shapes (lists, mappings, long
numbers). The first tests run the loaders themselves on hundreds of such files: every file is
either loaded or refused with located diagnostics (InputError, ImportError_), and never ends in
any other exception. The last tests run a few through the command line (`add`, `import`): the
exit code is 0, 1 or 2, no traceback reaches the user, and a rejected file changes nothing.

The examples are derived from a fixed seed (``derandomize``) and bounded in number, so the
module runs in well under a minute and the same way every time.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import tree_digest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from test_hardening_inputs import FACTS, NOTE

from caucasus_kg.core.diagnostics import InputError
from caucasus_kg.core.project import Project, find_project
from caucasus_kg.sources.dataset import Dataset, assemble, load_ontology, read_files
from caucasus_kg.sources.importers import sipri, unoda
from caucasus_kg.sources.importers.names import NameResolver
from caucasus_kg.sources.importers.records import ImportError_
from caucasus_kg.sources.inputs import InputFile
from caucasus_kg.sources.rdffile import load_rdf_file
from caucasus_kg.sources.texts import TextFinder
from caucasus_kg.sources.yamlread import FORBIDDEN
from caucasus_kg.store.index import StoreIndex, StoreSources

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "import"

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

TOKENS = ["&a ", "*a", "<<: *a", "!!python/object:os.system ", "!!binary ", "!!int ", "? ",
          "- ", ": ", "{", "}", "[", "]", ",", "#", "'", '"', "|", ">", "%", "@", "`", "\\",
          "---\n", "...\n", "0x7D7", "0100", "-0500", "33:27", "2_007", "1e999999999", ".inf",
          "~", "null", "true", "NO", "1" * 60, "\\ud800", '"\\ud800"', '"\\x01"', '"\\uFFFE"',
          "\t", "\n", "\r", "\r\n", "  ", "\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85",
          "\u2028", "\ufeff", "\ufffe", "é", "€", "😀", "Россия", "<", ">", '"quoted"',
          "_:b0 ", "[ ", " ] ", "( ", " ) ", "@prefix ", "<http://x/>", '"a"@en', "^^<x>",
          '"\\u0001"', "\\b", ";", ".", "\x0c"]
VALUES = ["[a, b]", "{a: b}", "[]", "{}", "12345", "-1", "0", "1" * 5000, "0x10", "1.5e9",
          "true", "~", "&x [1]", "*x", '"\\x07"', "'it''s'", "|\n      block\n      text",
          "https://example.org/a>b", "'https://example.org/\"x\"'", "2023-02-30", "2023-13",
          "9999", "0001", "Q0", "-", "?", ":", "[[[[[]]]]]"]


def mutated(base: str) -> st.SearchStrategy[str]:
    """``base`` with a few random edits: tokens inserted, spans deleted or repeated, and the
    value of a ``key: value`` line replaced by a value of another shape."""

    def apply(edits: list[tuple[str, float, float, str]]) -> str:
        text = base
        for kind, where, length, token in edits:
            at = int(where * len(text))
            if kind == "insert":
                text = text[:at] + token + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + int(length * 40):]
            elif kind == "repeat":
                text = text[:at] + text[at:at + int(length * 80)] * 2 + text[at:]
            else:
                lines = text.split("\n")
                keyed = [i for i, line in enumerate(lines) if re.match(r"\s*-?\s*\w+: ", line)]
                if keyed:
                    i = keyed[int(where * len(keyed)) % len(keyed)]
                    key = lines[i].split(": ", 1)[0]
                    lines[i] = f"{key}: {token}"
                text = "\n".join(lines)
        return text

    edit = st.one_of(
        st.tuples(st.just("insert"), st.floats(0, 1), st.just(0.0),
                  st.one_of(st.sampled_from(TOKENS), st.text(max_size=8))),
        st.tuples(st.just("delete"), st.floats(0, 1), st.floats(0, 1), st.just("")),
        st.tuples(st.just("repeat"), st.floats(0, 1), st.floats(0, 1), st.just("")),
        st.tuples(st.just("value"), st.floats(0, 1), st.just(0.0), st.sampled_from(VALUES)),
    )
    return st.lists(edit, min_size=1, max_size=4).map(apply)


def nasty_bytes(text: str) -> bytes:
    """The text as UTF-8, lone surrogates (which Hypothesis's text may hold) as they would be
    written by a careless program."""
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def loader(built_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """What `add` loads a new file against (the built store's entities and sources, the
    ontology read once), and a folder for the files."""
    project = find_project(built_template, built_template / ".caucasus-kg" / "store")
    folder = tmp_path_factory.mktemp("fuzz-files")
    (folder / "texts").mkdir()
    (folder / "texts" / "note.txt").write_text(NOTE, "utf-8")
    ontology = load_ontology(project)
    vocabulary = Graph().parse(project.vocabulary_file, format="turtle")
    store = ox.Store.read_only(str(project.store_path))
    return store, folder, ontology, vocabulary


def loaded(loader, path: Path) -> Dataset:
    """``path`` loaded as `add` loads a new file; InputError when it cannot be read."""
    store, folder, ontology, vocabulary = loader
    dataset = Dataset(ontology=ontology, vocabulary=vocabulary, index=StoreIndex(store))
    fact_files, rdf_graphs = read_files([InputFile(path, path.name, path.name)], dataset.store)
    assemble(dataset, fact_files, rdf_graphs, folder, StoreSources(store, TextFinder()), None)
    return dataset


def load_fact_file(loader, data: bytes) -> None:
    path = loader[1] / "fuzzed.yaml"
    path.write_bytes(data)
    try:
        dataset = loaded(loader, path)
    except InputError as exc:
        assert exc.diagnostics and all(d.file == "fuzzed.yaml" for d in exc.diagnostics)
        event("refused as unreadable")
        return
    event("loaded, with errors" if dataset.diagnostics.errors else "loaded")
    for diagnostic in dataset.diagnostics.items:
        assert len(diagnostic.message) < 2000, diagnostic.message[:200]
    for quad in dataset.store:  # what was loaded can be written in any export
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.Literal):
                assert not FORBIDDEN.search(term.value), repr(term.value)


@FAST
@given(mutated(FACTS))
def test_fuzzed_fact_files_load_or_are_refused_with_diagnostics(loader, text: str) -> None:
    load_fact_file(loader, nasty_bytes(text))


@pytest.mark.parametrize("value", ["1" * 5000, "x" * 5000, "x-" * 2500 + "y", "A" * 5000,
                                   "[" + ", ".join(["b" * 100] * 50) + "]"])
def test_no_message_echoes_a_long_value(loader, value: str) -> None:
    """Every value of the seed (and every key), replaced by 5,000 characters: each message
    quotes it cut short. (Fuzzing found names, dates, text paths and ids printed whole.)"""
    lines = FACTS.split("\n")
    messages = 0
    for number, line in enumerate(lines):
        key = re.match(r"(\s*-?\s*\w+): ", line)
        if key is None:
            continue
        for changed in (f"{key.group(1)}: {value}", f"{key.group(1)}{'q' * 5000}: x"):
            path = loader[1] / "long.yaml"
            path.write_text("\n".join([*lines[:number], changed, *lines[number + 1:]]), "utf-8")
            try:
                found = loaded(loader, path).diagnostics.items
            except InputError as exc:
                found = exc.diagnostics
            messages += len(found)
            for diagnostic in found:
                assert len(diagnostic.render()) < 700, diagnostic.render()[:300]
    assert messages >= 20  # most of the long values are errors


TURTLE = """@prefix ckg: <https://w3id.org/caucasus-kg/ontology#> .
@prefix id: <https://w3id.org/caucasus-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:fuzz-group a ckg:GroupOfStates ;
    rdfs:label "Fuzz group"@en ;
    ckg:rank 3 ;
    rdfs:comment "a \\"quoted\\" comment\\n on two lines" ;
    ckg:member [ rdfs:label "a blank member" ] .
"""

NTRIPLES = ('<https://w3id.org/caucasus-kg/id/fuzz> <http://www.w3.org/2000/01/rdf-schema#label> '
            '"Fuzz"@en .\n_:b0 <http://www.w3.org/2000/01/rdf-schema#label> "blank" .\n')

JSONLD = ('{"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}, '
          '"@id": "https://w3id.org/caucasus-kg/id/fuzz", "rdfs:label": "Fuzz", '
          '"rdfs:comment": [{"@value": "x", "@language": "en"}]}\n')


@FAST
@given(st.sampled_from([("ttl", TURTLE), ("nt", NTRIPLES), ("jsonld", JSONLD)])
       .flatmap(lambda pair: mutated(pair[1]).map(lambda text: (pair[0], text))))
def test_fuzzed_rdf_files_load_or_are_refused_with_diagnostics(tmp_path_factory,
                                                               case: tuple[str, str]) -> None:
    suffix, text = case
    path = tmp_path_factory.mktemp("rdf", numbered=True) / f"fuzzed.{suffix}"
    path.write_bytes(nasty_bytes(text))
    store = ox.Store()
    try:
        load_rdf_file(path, path.name, store, ox.NamedNode("urn:fuzz"))
    except InputError as exc:
        assert exc.diagnostics and all(d.file == path.name for d in exc.diagnostics)
        event(f"{suffix}: refused")
        return
    event(f"{suffix}: loaded")
    for quad in store:
        if isinstance(quad.object, ox.Literal):
            assert not FORBIDDEN.search(quad.object.value), repr(quad.object.value)


def head_of(path: Path, lines: int) -> str:
    return "".join(path.read_text("latin-1").splitlines(keepends=True)[:lines])


SIPRI_CLASSIC = head_of(FIXTURES / "sipri_register_ISR_AZE.csv", 16)
SIPRI_DELIVERIES = head_of(FIXTURES / "sipri_deliveries_ISR_AZE.csv", 16)
UNODA_CSV = head_of(FIXTURES / "unoda_cfe_status.csv", 6)
UNODA_JSON = (FIXTURES / "unoda_cfe_treatydata.json").read_text("utf-8")[:1500].rsplit(
    "\n    },", 1)[0] + "\n    }\n  }\n}\n"


def import_parsed(module, path: Path) -> None:
    try:
        parsed = module.parse(path)
    except ImportError_ as exc:
        assert str(exc)
        event(f"{module.__name__.rsplit('.', 1)[1]} {path.suffix}: refused")
        return
    event(f"{module.__name__.rsplit('.', 1)[1]} {path.suffix}: {len(parsed.records)} record(s), "
          f"{len(parsed.problems)} skipped")
    assert parsed.records
    triples = module.build(parsed, NameResolver(), {}, set(), path.name, "fuzzed")
    text = triples.text()
    assert not FORBIDDEN.search(text), "a control character reached the import"
    list(ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES))  # well-formed N-Triples


@FAST
@given(st.sampled_from([(sipri, "csv", SIPRI_CLASSIC), (sipri, "csv", SIPRI_DELIVERIES),
                        (unoda, "csv", UNODA_CSV), (unoda, "json", UNODA_JSON)])
       .flatmap(lambda case: mutated(case[2]).map(lambda text: (case[0], case[1], text))))
def test_fuzzed_dataset_files_import_or_are_refused(tmp_path_factory, case) -> None:
    module, suffix, text = case
    path = tmp_path_factory.mktemp("dataset", numbered=True) / f"fuzzed.{suffix}"
    path.write_bytes(nasty_bytes(text))
    import_parsed(module, path)


def test_the_seeds_are_valid(loader, tmp_path) -> None:
    """The unmutated files load and import: the fuzzing starts from valid input."""
    path = loader[1] / "seed.yaml"
    path.write_text(FACTS, "utf-8")
    dataset = loaded(loader, path)
    assert dataset.diagnostics.errors == [] and len(dataset.store) > 20
    for suffix, text in (("ttl", TURTLE), ("nt", NTRIPLES), ("jsonld", JSONLD)):
        store = ox.Store()
        (tmp_path / f"seed.{suffix}").write_text(text, "utf-8")
        load_rdf_file(tmp_path / f"seed.{suffix}", "seed", store, ox.NamedNode("urn:seed"))
        assert len(store) >= 2
    for module, suffix, text in ((sipri, "csv", SIPRI_CLASSIC), (sipri, "csv", SIPRI_DELIVERIES),
                                 (unoda, "csv", UNODA_CSV), (unoda, "json", UNODA_JSON)):
        (tmp_path / f"seed.{suffix}").write_text(text, "utf-8")
        assert module.parse(tmp_path / f"seed.{suffix}").records


# --------------------------------------------------------------------------------------------
# Through the command line: nothing changes on rejection


def fresh(built_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("cli-fuzz", numbered=True) / "project"
    shutil.copytree(built_template, root)
    return find_project(root, root / ".caucasus-kg" / "store")


def state(project: Project) -> str:
    return tree_digest(project.graphs_dir, project.store_path.parent, project.imports_dir)


def run_rejected_unchanged(cli, project: Project, *args: object) -> None:
    before = state(project)
    code, out, err = cli("--project", project.root, *args)
    event(f"exit {code}")
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err and "unexpected" not in out + err, out + err
    if code != 0:
        assert state(project) == before, (code, out, err)


@SLOW
@given(mutated(FACTS))
def test_fuzzed_fact_files_through_add(cli, built_template, tmp_path_factory, text) -> None:
    project = fresh(built_template, tmp_path_factory)
    folder = project.root.parent / "incoming"
    (folder / "texts").mkdir(parents=True)
    (folder / "texts" / "note.txt").write_text(NOTE, "utf-8")
    (folder / "fuzzed.yaml").write_bytes(nasty_bytes(text))
    run_rejected_unchanged(cli, project, "add", folder / "fuzzed.yaml")


@SLOW
@given(mutated(TURTLE))
def test_fuzzed_rdf_files_through_add(cli, built_template, tmp_path_factory, text) -> None:
    project = fresh(built_template, tmp_path_factory)
    path = project.root.parent / "fuzzed.ttl"
    path.write_bytes(nasty_bytes(text))
    run_rejected_unchanged(cli, project, "add", path)


@SLOW
@given(mutated(SIPRI_CLASSIC))
def test_fuzzed_sipri_files_through_import(cli, built_template, tmp_path_factory,
                                           text) -> None:
    project = fresh(built_template, tmp_path_factory)
    path = project.root.parent / "fuzzed.csv"
    path.write_bytes(nasty_bytes(text))
    run_rejected_unchanged(cli, project, "import", "sipri", path)
