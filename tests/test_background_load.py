"""An import's triples are loaded into the working store of the checks while the importer makes
them (``BackgroundLoad``, fed by ``Triples``). The checks use that store only when it holds the
very file they read; any other file is loaded as usual, so the file, never what was fed, is what
gets checked."""

from __future__ import annotations

import hashlib
import json
import os

import pyoxigraph as ox
from conftest import TODAY

from caucasus_kg.model.namespaces import CKG, GRAPH, ID
from caucasus_kg.ops.add import add_files
from caucasus_kg.ops.build import build
from caucasus_kg.sources.background_load import BackgroundLoad
from caucasus_kg.sources.importers.records import Triples
from caucasus_kg.sources.rdffile import scan_rdf_file

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

NAMED = (f"<{ID}named-state> <{RDF_TYPE}> <{CKG}State> .\n"
         f'<{ID}named-state> <{LABEL}> "Named State"@en .\n')
UNNAMED = f"<{ID}unnamed-state> <{RDF_TYPE}> <{CKG}State> .\n"
"""A state without a label, which the shapes refuse."""


def test_triples_pass_every_new_line_on_once_in_the_order_they_came() -> None:
    fed: list[str] = []
    out = Triples(feed=fed.append, batch=3)
    p = ox.NamedNode("urn:p")
    for i in range(10):
        out.add(ox.NamedNode(f"urn:s{i % 7}"), p, ox.Literal(str(i % 7)))  # 7 distinct lines
    text = out.text()
    assert [len(batch.splitlines()) for batch in fed] == [3, 3, 1]
    assert "".join(fed).splitlines() == [f'<urn:s{i}> <urn:p> "{i}" .' for i in range(7)]
    assert text.splitlines() == sorted("".join(fed).splitlines())


def _import_file(tmp_path, fed: str, written: str) -> tuple[BackgroundLoad, object]:
    """A BackgroundLoad fed ``fed``, and the file ``written`` as an import stages it."""
    path = tmp_path / "incoming" / "register-states.nt"
    path.parent.mkdir()
    ahead = BackgroundLoad(str(GRAPH["register-states"]))
    ahead.feed(fed)
    path.write_text(written, "utf-8")
    return ahead, path


def _state_labels(project) -> dict[str, list[str]]:
    store = ox.Store.read_only(str(project.store_path))
    rows = store.query(f"SELECT ?s ?l WHERE {{ GRAPH <{GRAPH['register-states']}> "
                       f"{{ ?s a <{CKG}State> OPTIONAL {{ ?s <{LABEL}> ?l }} }} }}")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["s"].value, []).extend([row["l"].value] if row["l"] else [])
    return found


def test_the_store_fed_while_the_file_was_made_is_the_one_checked(tmp_project, tmp_path,
                                                                   monkeypatch) -> None:
    from caucasus_kg.sources import dataset

    build(tmp_project, today=TODAY)

    def refuse(*_args, **_kwargs) -> None:
        raise AssertionError("the file was loaded into the working store again")

    monkeypatch.setattr(dataset, "load_into", refuse)
    monkeypatch.setattr(dataset, "load_rdf_file", refuse)
    with BackgroundLoad(str(GRAPH["register-states"])) as ahead:
        path = tmp_path / "incoming" / "register-states.nt"
        path.parent.mkdir()
        out = Triples(feed=ahead.feed, batch=1)
        out.extend(ox.parse(input=NAMED, format=ox.RdfFormat.N_TRIPLES))
        path.write_text(out.text(), "utf-8")
        ahead.wrote(path)
        report = add_files(tmp_project, [path], today=TODAY, imported=True, ahead=ahead)
        assert ahead.store is None  # handed over to the checks
    assert report.accepted, [p.render() for p in report.problems]
    assert _state_labels(tmp_project) == {f"{ID}named-state": ["Named State"]}


def test_the_file_is_checked_when_it_was_not_noted_as_written(tmp_project, tmp_path) -> None:
    """Fed a valid state, but the file holds a state without a label: the file decides."""
    build(tmp_project, today=TODAY)
    ahead, path = _import_file(tmp_path, NAMED, UNNAMED + UNNAMED.replace("unnamed", "nameless"))
    with ahead:
        report = add_files(tmp_project, [path], today=TODAY, imported=True, ahead=ahead)
    assert not report.accepted
    assert {p.fact for p in report.errors} >= {"unnamed-state", "nameless-state"}


def test_the_file_is_checked_when_it_changed_after_it_was_written(tmp_project,
                                                                 tmp_path) -> None:
    build(tmp_project, today=TODAY)
    ahead, path = _import_file(tmp_path, NAMED, NAMED)
    with ahead:
        ahead.wrote(path)
        changed = NAMED.replace("Named State", "Named Staat")
        assert len(changed) == len(NAMED)
        stat = path.stat()
        path.write_text(changed, "utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
        report = add_files(tmp_project, [path], today=TODAY, imported=True, ahead=ahead)
    assert report.accepted, [p.render() for p in report.problems]
    assert _state_labels(tmp_project) == {f"{ID}named-state": ["Named Staat"]}


def _fed_and_written(ahead: BackgroundLoad, text: str, path) -> ox.Store:
    """Feed ``text``, note ``path`` as the file written from it, and take the store."""
    ahead.feed(text)
    ahead.wrote(path)
    store = ahead.take_store()
    assert store is not None
    return store


def test_what_was_fed_is_not_used_for_a_file_with_other_lines(tmp_path) -> None:
    path = tmp_path / "states.nt"
    path.write_text(NAMED + UNNAMED, "utf-8")
    with BackgroundLoad(str(GRAPH["states"])) as ahead:
        store = _fed_and_written(ahead, NAMED, path)
        assert not ahead.holds(scan_rdf_file(path, "states.nt"), store)
    with BackgroundLoad(str(GRAPH["states"])) as ahead:
        store = _fed_and_written(ahead, NAMED + UNNAMED, path)
        assert not ahead.holds(scan_rdf_file(path, "states.nt"), ox.Store())  # not its store
        assert ahead.holds(scan_rdf_file(path, "states.nt"), store)
        assert len(store) == 3


def test_what_was_fed_for_no_file_given_is_not_checked(tmp_path) -> None:
    from caucasus_kg.sources.dataset import read_files
    from caucasus_kg.sources.inputs import InputFile

    path = tmp_path / "states.nt"
    path.write_text(NAMED, "utf-8")
    with BackgroundLoad(str(GRAPH["other-states"])) as ahead:
        ahead.feed(UNNAMED)
        store = ahead.take_store()
        read_files([InputFile(path, "states.nt", "states.nt")], store, ahead)
    assert {q.graph_name.value for q in store} == {str(GRAPH["states"])}


def test_blank_nodes_are_never_taken_from_what_was_fed(tmp_path) -> None:
    """Only the file's own load gives blank nodes their canonical labels."""
    text = f"<{ID}noted> <{LABEL}> _:note .\n"
    path = tmp_path / "noted.nt"
    path.write_text(text, "utf-8")
    with BackgroundLoad(str(GRAPH["noted"])) as ahead:
        store = _fed_and_written(ahead, text, path)
        assert not ahead.holds(scan_rdf_file(path, "noted.nt"), store)
        assert len(store) == 0


def test_leaving_the_block_stops_the_load(tmp_path) -> None:
    with BackgroundLoad(str(GRAPH["states"])) as ahead:
        for _ in range(5):
            ahead.feed(NAMED)
    assert not ahead._thread.is_alive()
    assert ahead.store is None


def test_an_import_notes_the_digest_it_took_of_its_file(tmp_project, tmp_path,
                                                        monkeypatch) -> None:
    """The digest of a large import's file, taken when it was checked, is kept for its path in
    imports/ (with the size and time the file has there), so merging it does not hash it again
    and the next query finds the store up to date."""
    from pathlib import Path

    from caucasus_kg.ops.opening import is_stale
    from caucasus_kg.sources.fingerprint import _DigestCache

    build(tmp_project, today=TODAY)
    path = tmp_path / "incoming" / "register-states.nt"
    path.parent.mkdir()
    lines = [f"<{ID}state-{n}> <{RDF_TYPE}> <{CKG}State> .\n"
             f'<{ID}state-{n}> <{LABEL}> "State {n}"@en .\n' for n in range(12000)]
    path.write_text("".join(sorted(lines)), "utf-8")
    assert path.stat().st_size > _DigestCache.MIN_SIZE
    read = Path.read_bytes

    def refuse_the_import(self: Path) -> bytes:
        assert self.name != "register-states.nt", "the import's file was hashed again"
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse_the_import)
    report = add_files(tmp_project, [path], today=TODAY, imported=True)
    monkeypatch.undo()
    assert report.accepted, [p.render() for p in report.problems]
    target = tmp_project.imports_dir / "register-states.nt"
    cached = json.loads((tmp_project.store_path.parent / "file-digests.json").read_text("utf-8"))
    rel = target.relative_to(tmp_project.root).as_posix()
    stat = target.stat()
    assert cached[rel] == [[stat.st_size, stat.st_mtime_ns],
                           hashlib.sha256(target.read_bytes()).hexdigest()]
    assert is_stale(tmp_project) is False
