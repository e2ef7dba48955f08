"""``caucasus-kg add``: check new fact files against the graph, then merge them all or not at all.

Each new file (and its source text) is staged as it will sit under graphs/ (an import's file, in
the imports folder) and loaded against what the store already holds (entities and source
documents are looked up in the store, not re-read from every file). The checks of
:mod:`caucasus_kg.checks.pipeline` then run on the new graphs plus the stored neighbourhood they
touch, reporting only on the new and touched nodes. A new fact that duplicates a stored one is
rewritten to the stored id (a round-trip YAML edit that keeps comments and layout), so its
evidence is merged into the existing node. If nothing is wrong, the store's
:meth:`~caucasus_kg.store.backend.Backend.add_graphs` moves the files and the graphs in, all or
nothing (:func:`caucasus_kg.store.transaction.commit`). The store is whichever the project uses:
everything read from it goes through ``query`` and ``quads_for_pattern``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.checks.contradictions import Dispute, dispute_quads
from caucasus_kg.checks.incremental import focus_nodes, scratch_store, stored_touched_nodes
from caucasus_kg.checks.pipeline import check_dataset, diagnostic_order
from caucasus_kg.checks.validator import DEFAULT_VALIDATOR, Validator
from caucasus_kg.core.diagnostics import DataError, Diagnostic, InputError, errors_in
from caucasus_kg.core.project import Project
from caucasus_kg.model.namespaces import ID, compact, is_safe_iri
from caucasus_kg.model.turtle_files import read_turtle
from caucasus_kg.ops.build import build_locked
from caucasus_kg.ops.opening import is_stale
from caucasus_kg.sources.background_load import BackgroundLoad
from caucasus_kg.sources.dataset import (
    FACT_SUFFIXES,
    Dataset,
    InputFile,
    assemble,
    load_ontology,
    read_files,
)
from caucasus_kg.sources.factfile import MAX_FILE_BYTES
from caucasus_kg.sources.fingerprint import remember_digest
from caucasus_kg.sources.inputs import graph_name_for, project_inputs
from caucasus_kg.sources.rdffile import MAX_FILE_BYTES as MAX_RDF_BYTES
from caucasus_kg.sources.rdffile import is_rdf_file
from caucasus_kg.sources.texts import TextError, project_texts, read_text_file
from caucasus_kg.sources.yamledit import merge_entry, set_value
from caucasus_kg.sources.yamlread import LineDict, load_yaml
from caucasus_kg.store.backend import Addition, QueryStore, StoreError
from caucasus_kg.store.backends import open_backend, recover, server_errors
from caucasus_kg.store.index import StoreIndex, StoreSources
from caucasus_kg.store.transaction import link_or_copy_file, state_dir, write_lock


@dataclass
class AddReport:
    """What ``add`` did, or would do, and why not."""

    accepted: bool = False
    dry_run: bool = False
    files: list[str] = field(default_factory=list)
    """The files as they sit (or would sit) in the project: ``graphs/...`` or ``imports/...``."""
    triples: int = 0
    merged: list[tuple[str, str]] = field(default_factory=list)
    """(new id, existing id): a duplicate rewritten to the entity the graph already holds."""
    extended: list[str] = field(default_factory=list)
    """Entities the graph already holds that the new files add to (by repeating their id)."""
    disputes: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_in(self.problems)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        data["merged"] = [{"new": a, "into": b} for a, b in self.merged]
        data["disputes"] = [{"claim": a, "disputes": b} for a, b in self.disputes]
        return data


@dataclass
class _Staged:
    """A new file as it will sit in the project."""

    given: Path
    target: Path  # in graphs/, or in the imports folder
    staged: Path  # the copy being checked
    input: InputFile  # the copy, named as the target will be
    extra: list[tuple[Path, Path]] = field(default_factory=list)  # (staged, target) source texts
    replaces: Path | None = None  # the earlier import whose graph this file replaces


def earlier_import(project: Project, name: str) -> Path | None:
    """The file an import named ``name`` replaces: its earlier import in the imports folder, or
    one written to graphs/ before imports had a folder of their own (the import moves it)."""
    for folder in (project.imports_dir, project.graphs_dir):
        if (folder / name).is_file():
            return folder / name
    return None


def add_files(project: Project, paths: list[Path], dry_run: bool = False,
              today: dt.date | None = None, validator: Validator = DEFAULT_VALIDATOR,
              imported: bool = False, ahead: BackgroundLoad | None = None) -> AddReport:
    """Validate ``paths`` against the graph and merge them atomically (unless ``dry_run``).

    Files go to graphs/. With ``imported`` they are the RDF files of ``caucasus-kg import`` and
    go to the imports folder, each replacing its :func:`earlier_import`: the new file is checked
    against the graph without the old file's named graph, and the swap is as atomic as an
    addition.

    ``ahead``: one file's triples, loaded into a working store while the file was made (by
    ``caucasus-kg import``); used when they are the file's (:func:`read_files`).

    Raises :class:`InputError` for unreadable files or wrong usage (exit 2) and
    :class:`StoreError` when another command holds the lock or the store cannot be reached;
    everything else is in the report.
    """
    with write_lock(project.store_path), server_errors():
        recover(project)
        report = AddReport(dry_run=dry_run)
        if is_stale(project) is not False:
            try:
                build_locked(project, today, validator)
            except DataError as exc:
                report.problems = [Diagnostic(
                    "graphs", None, None, "the project's graphs do not validate, so nothing can "
                    "be added to them", "run `caucasus-kg build` to see and fix the problems")]
                report.problems += exc.diagnostics
                return report
        staging = state_dir(project) / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        backend = open_backend(project)
        try:
            staged = _stage(project, paths, staging, imported)
            report.files = [project.shown(t.target) for t in staged]
            replaces = [str(s.input.graph) for s in staged if s.replaces]
            store = backend.reader(without=replaces)  # checked as if without what they replace
            if not dry_run:  # large N-Triples files load while they are checked
                backend.preload([(s.staged, s.input.graph) for s in staged], replaces)
            dataset, disputes = _check(project, staged, staging, report, today, store, validator,
                                       ahead)
            shown = {t.input.shown: str(t.given) for t in staged}
            report.problems = [replace(p, file=shown.get(p.file, p.file))
                               for p in report.problems]
            if report.errors or dataset is None:
                return report
            report.accepted = True
            report.triples = sum(len(g) for g in dataset.graphs)
            report.disputes = [(compact(d.claim)[3:], compact(d.other)[3:]) for d in disputes]
            if not dry_run:
                _remember_digests(project, staged, dataset)
                moves = [(s.staged, s.target) for s in staged] + [m for s in staged
                                                                  for m in s.extra]
                backend.add_graphs(Addition(
                    dataset.graphs, dispute_quads(disputes), moves,
                    [s.replaces for s in staged if s.replaces], replaces))
            return report
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            backend.close()


def _remember_digests(project: Project, staged: list[_Staged], dataset: Dataset) -> None:
    """The digests of the RDF files, taken when they were checked, for the paths they are
    moved to (by a hard link, which keeps their size and modification time)."""
    checked = {named.source.path: named.source for named in dataset.graphs
               if named.source is not None}
    for entry in staged:
        source = checked.get(entry.input.path)
        if source is not None and source.stamp is not None:
            remember_digest(project, entry.target, source.stamp, source.digest)


def _stage(project: Project, paths: list[Path], staging: Path,
           imported: bool = False) -> list[_Staged]:
    problems: list[Diagnostic] = []
    staged: list[_Staged] = []
    graphs = project.graphs_dir.resolve()
    folder = project.imports_dir if imported else project.graphs_dir
    existing = {f.graph: f for f in project_inputs(project)}
    names: set[str] = set()
    graph_names: set[str] = set()
    for given in paths:
        path = Path(given)
        shown = str(given)
        if not path.is_file():
            problems.append(Diagnostic(shown, None, None, "no such file", "check the path"))
            continue
        if path.resolve().is_relative_to(graphs):
            problems.append(Diagnostic(shown, None, None, "the file is already under graphs/",
                                       "`add` takes files from outside the project; for files "
                                       "edited in graphs/ run `caucasus-kg build`"))
            continue
        if path.suffix.lower() not in FACT_SUFFIXES and not is_rdf_file(path):
            problems.append(Diagnostic(shown, None, None,
                                       f"'{path.suffix}' files cannot be added",
                                       "give a .yaml fact file or a .ttl, .nt or .jsonld file"))
            continue
        target = folder / path.name
        graph = graph_name_for(path.name)
        if path.name in names or graph in graph_names:
            problems.append(Diagnostic(shown, None, None, "two files with the same name" + (
                "" if path.name in names else " but for the extension (one named graph)"),
                "rename one of them"))
            continue
        names.add(path.name)
        graph_names.add(graph)
        replaces = earlier_import(project, path.name) if imported else None
        if target.exists() and replaces is None:
            problems.append(Diagnostic(
                shown, None, None, f"{project.shown(target)} already exists"
                + (" with the same content: it was added before" if
                   target.read_bytes() == path.read_bytes() else ""),
                "rename the new file if it holds other facts"))
            continue
        other = existing.get(graph)
        if other is not None and other.path != replaces:
            problems.append(Diagnostic(
                shown, None, None, f"its named graph <{graph}> would be that of "
                f"{project.shown(other.path)}", "rename the new file (each file is one named "
                "graph, named after the file without its extension)"))
            continue
        size = path.stat().st_size
        limit = MAX_FILE_BYTES if path.suffix.lower() in FACT_SUFFIXES else MAX_RDF_BYTES
        if size > limit:
            problems.append(Diagnostic(
                shown, None, None, f"the file is {size / 1e6:.1f} MB; "
                f"{'fact' if limit == MAX_FILE_BYTES else 'RDF'} files are limited "
                f"to {limit // (1024 * 1024)} MB",
                "split it into one file per source document, or import large datasets with "
                "`caucasus-kg import`"))
            continue
        copy = staging / path.name
        rel = target.relative_to(folder).as_posix()
        entry = _Staged(path, target, copy,
                        InputFile(copy, rel, project.shown(target) if imported else rel),
                        replaces=replaces)
        staging.mkdir(parents=True, exist_ok=True)
        _stage_copy(path, entry.staged, imported)
        if path.suffix.lower() in FACT_SUFFIXES:
            problems += _stage_source_text(project, entry, staging)
        staged.append(entry)
    if problems:
        raise InputError(problems)
    return staged


def _stage_copy(path: Path, staged: Path, imported: bool) -> None:
    """Copy a new file into the staging folder. An import's file is the importer's own, written
    in the same state folder and never changed afterwards: it is linked, not copied (copying the
    200 MB of a whole SIPRI register takes seconds)."""
    if imported:
        link_or_copy_file(path, staged)
    else:
        shutil.copyfile(path, staged)


def _stage_source_text(project: Project, entry: _Staged, staging: Path) -> list[Diagnostic]:
    """Copy the fact file's source text to graphs/sources/, pointing ``text:`` at it."""
    raw = entry.staged.read_bytes()
    try:
        data = load_yaml(raw.decode("utf-8"))
    except Exception:  # unreadable files are reported by the loader with their line
        return []
    if not isinstance(data, LineDict) or not isinstance(data.get("source"), LineDict):
        return []
    source = data["source"]
    text_rel = source.get("text")
    if not isinstance(text_rel, str):
        return []
    text_path = (entry.given.parent / text_rel)
    if text_path.resolve() == entry.given.resolve():
        return [Diagnostic(str(entry.given), source.line_of("text"), None,
                           "the source text is the fact file itself",
                           "point 'text:' at the document the quotes come from")]
    if Path(text_rel).is_absolute() or not text_path.exists():
        return []  # the loader reports absolute paths and missing texts with their line
    try:  # only a regular file beside the fact file or in the project, of bounded size
        text = read_text_file(text_path, [entry.given.parent, project.root], text_rel)
    except TextError as exc:
        source_id = source.get("id") if isinstance(source.get("id"), str) else None
        return [Diagnostic(str(entry.given), source.line_of("text"), source_id,
                           f"the source text {exc}",
                           "keep the text beside the fact file (or in the project) and give its "
                           "relative path as 'text:'; for a text that may not be stored, give "
                           "'sha256:' instead and keep it in a sources folder")]
    name = text_path.name
    target = project.graphs_dir / "sources" / name
    if target.exists() and target.read_bytes() != text.encode("utf-8"):
        return [Diagnostic(str(entry.given), source.line_of("text"), None,
                           f"graphs/sources/{name} already exists with other content",
                           "rename the source text file")]
    staged_text = staging / "sources" / name
    staged_text.parent.mkdir(parents=True, exist_ok=True)
    staged_text.write_bytes(text.encode("utf-8"))
    if not target.exists():
        entry.extra.append((staged_text, target))
    wanted = f"sources/{name}"
    if text_rel != wanted:
        entry.staged.write_text(set_value(raw.decode("utf-8"), ("source", "text"), wanted),
                                "utf-8")
    return []


def _check(project: Project, staged: list[_Staged], staging: Path, report: AddReport,
           today: dt.date | None, store: QueryStore, validator: Validator,
           ahead: BackgroundLoad | None = None) -> tuple[Dataset | None, list[Dispute]]:
    """Load the staged files against the store and run the checks on what they touch; a new
    fact that duplicates a stored one is rewritten to the stored id and the files loaded again
    (the first time into ``ahead``'s store, if given)."""
    ontology = load_ontology(project)
    vocabulary = read_turtle(project.vocabulary_file)
    texts = project_texts(project)
    names: dict[str, list[str]] = {}  # the store's answers, for every attempt
    for _attempt in range(3):
        working = ahead.take_store() if ahead is not None else None
        dataset = Dataset(ontology=ontology, vocabulary=vocabulary,
                          index=StoreIndex(store, names), texts=texts,
                          store=working if working is not None else ox.Store())
        fact_files, rdf_graphs = read_files([s.input for s in staged], dataset.store,
                                            ahead if working is not None else None)
        assemble(dataset, fact_files, rdf_graphs, staging, StoreSources(store, texts), today)
        if dataset.diagnostics.errors:
            report.problems = sorted(dataset.diagnostics.items, key=diagnostic_order)
            return None, []
        stored = stored_touched_nodes(store, dataset.graphs)
        scratch_store(store, dataset.graphs, stored, dataset.store)  # the working store, extended
        focus = focus_nodes(dataset.graphs)
        new_graphs = {str(g.name) for g in dataset.graphs}
        result = check_dataset(dataset, project.shapes_file, validator, focus, new_graphs,
                               shacl_unless_duplicates=True)
        merges = [(d.new, d.existing) for d in result.duplicates]
        if merges and _rewrite_duplicates(staged, merges, report):
            continue  # load again with the duplicates merged into the existing nodes
        if merges:  # not rewritable: report them, with SHACL as usual
            result = check_dataset(dataset, project.shapes_file, validator, focus, new_graphs)
        report.problems = result.diagnostics
        report.extended = _extended(store, dataset, stored,
                                    {existing for _new, existing in report.merged})
        return dataset, result.disputes
    raise AssertionError("duplicates could not be merged")  # pragma: no cover


def _extended(store: QueryStore, dataset: Dataset, stored: set[str], merged: set[str]
              ) -> list[str]:
    """The entities of the new graphs (``id:x``, not their parts) the store already describes,
    other than those duplicates were merged into. ``stored``: the nodes of the new graphs the
    store mentions at all (only they are looked up: a large import describes many thousands)."""
    described = sorted({s for g in dataset.graphs for s in g.iris()[0]
                        if s in stored and s.startswith(str(ID)) and "/" not in s[len(str(ID)):]})
    if not described:
        return []
    values = " ".join(f"<{s}>" for s in described if is_safe_iri(s))
    rows = store.query(f"SELECT ?n WHERE {{ VALUES ?n {{ {values} }} FILTER EXISTS {{ ?n ?p ?o }} }}",
                       use_default_graph_as_union=True)
    slugs = {row["n"].value[len(str(ID)):] for row in rows}
    return sorted(slugs - merged)


def _rewrite_duplicates(staged: list[_Staged], merges: list[tuple[str, str]],
                        report: AddReport) -> bool:
    """Rewrite staged fact files so duplicated nodes use the existing ids (a round-trip YAML
    edit: comments and layout stay); True if any changed."""
    changed = False
    for new_iri, existing_iri in merges:
        new, existing = new_iri[len(str(ID)):], existing_iri[len(str(ID)):]
        for entry in staged:
            if entry.staged.suffix.lower() not in FACT_SUFFIXES:
                continue
            text = merge_entry(entry.staged.read_text("utf-8"), new, existing, str(ID))
            if text is None:
                continue
            entry.staged.write_text(text, "utf-8")
            report.merged.append((new, existing))
            changed = True
    return changed


__all__ = ["AddReport", "add_files", "StoreError"]
