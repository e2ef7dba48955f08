"""Assembling the dataset: the ontology plus every fact file and RDF file under graphs/.

Each input file becomes one named graph (``graph/<path without extension>``), so an answer can
always be traced to the file it came from, and a file can be replaced as a whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from .diagnostics import Diagnostic, Diagnostics, InputError
from .factfile import (
    FactFile,
    SourceText,
    declarations,
    new_graph,
    read_fact_file,
    read_source,
    to_graph,
)
from .namespaces import GRAPH, ONTOLOGY_GRAPH, VOCABULARY_GRAPH
from .ontology import Ontology
from .project import Project
from .rdffile import is_rdf_file, read_rdf_file
from .references import Declaration, EntityIndex, declarations_from_graph

FACT_SUFFIXES = {".yaml", ".yml"}


@dataclass
class NamedGraph:
    """The triples of one input file, and the named graph they go into."""

    name: URIRef
    file: str
    graph: Graph


@dataclass
class Dataset:
    ontology: Ontology
    vocabulary: Graph
    graphs: list[NamedGraph] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    index: EntityIndex = field(default_factory=EntityIndex)
    fingerprint: str = ""

    def all_graphs(self) -> list[NamedGraph]:
        """Ontology and vocabularies first, then the data graphs in file order."""
        onto_only = Graph()
        vocab_iris = set(self.vocabulary)
        for triple in self.ontology.graph:
            if triple not in vocab_iris:
                onto_only.add(triple)
        return [NamedGraph(ONTOLOGY_GRAPH, "ontology", onto_only),
                NamedGraph(VOCABULARY_GRAPH, "vocabularies", self.vocabulary), *self.graphs]

    def data_union(self) -> Graph:
        """All data graphs in one rdflib graph (without the ontology), for validation."""
        union = new_graph()
        for named in self.graphs:
            union += named.graph
        return union

    def triple_count(self) -> int:
        return sum(len(g.graph) for g in self.all_graphs())


def graph_name_for(rel: str) -> URIRef:
    stem = rel.rsplit(".", 1)[0]
    return GRAPH[stem]


def input_files(graphs_dir: Path) -> list[Path]:
    """Fact files and RDF files under graphs/, in a stable order (source texts excluded)."""
    found = []
    for path in sorted(graphs_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        if "sources" in path.relative_to(graphs_dir).parts[:-1]:
            continue
        if path.suffix.lower() in FACT_SUFFIXES or is_rdf_file(path):
            found.append(path)
    return found


def load_ontology(project: Project) -> Ontology:
    return Ontology.load(project.ontology_file, project.vocabulary_file)


def load_dataset(project: Project, extra: Iterable[Path] = (), today: dt.date | None = None,
                 include_project: bool = True) -> Dataset:
    """Load the ontology and every input file; problems end up in ``dataset.diagnostics``.

    Unreadable files (not UTF-8, not YAML, bad Turtle) raise :class:`InputError` listing all of
    them. ``extra`` files (not under graphs/) are loaded as if they were.
    """
    extra = [Path(p) for p in extra]
    ontology = load_ontology(project)
    vocabulary = Graph()
    vocabulary.parse(project.vocabulary_file, format="turtle")
    ds = Dataset(ontology=ontology, vocabulary=vocabulary)
    graphs_dir = project.graphs_dir
    files: list[tuple[Path, str]] = []
    if include_project:
        files += [(p, p.relative_to(graphs_dir).as_posix()) for p in input_files(graphs_dir)]
    for path, rel in resolve_paths(graphs_dir, extra):
        if all(rel != r for _, r in files):
            files.append((path, rel))

    ds.fingerprint = input_fingerprint(project, extra)
    fact_files, rdf_graphs = read_files(files)
    assemble(ds, fact_files, rdf_graphs, graphs_dir, {}, today)
    return ds


def resolve_paths(graphs_dir: Path, given: Iterable[Path]) -> list[tuple[Path, str]]:
    """Paths and the names messages use: relative to graphs/ if inside it, else as given."""
    out = []
    for item in given:
        path = Path(item).resolve()
        try:
            rel = path.relative_to(graphs_dir.resolve()).as_posix()
        except ValueError:
            rel = str(item)
        out.append((path, rel))
    return out


def read_files(files: Iterable[tuple[Path, str]]) -> tuple[list[FactFile], list[NamedGraph]]:
    """Parse every file; all unreadable ones are reported together as one InputError."""
    unreadable: list[Diagnostic] = []
    fact_files: list[FactFile] = []
    rdf_graphs: list[NamedGraph] = []
    for path, rel in files:
        try:
            if path.suffix.lower() in FACT_SUFFIXES:
                fact_files.append(read_fact_file(path, rel))
            elif is_rdf_file(path):
                rdf_graphs.append(NamedGraph(graph_name_for(rel), rel, read_rdf_file(path, rel)))
            else:
                raise InputError([Diagnostic(rel, None, None,
                                             f"'{path.suffix}' files are not fact files",
                                             "give a .yaml fact file or a .ttl, .nt or .jsonld "
                                             "RDF file")])
        except InputError as exc:
            unreadable.extend(exc.diagnostics)
    if unreadable:
        raise InputError(unreadable)
    return fact_files, rdf_graphs


def assemble(ds: Dataset, fact_files: list[FactFile], rdf_graphs: list[NamedGraph],
             graphs_dir: Path, sources: MutableMapping[str, SourceText],
             today: dt.date | None) -> None:
    """Declare every entity, then emit every file's triples into ``ds.graphs``.

    ``ds.index`` and ``sources`` may already know entities and documents (those of the store,
    when adding files); the files' own are added to them.
    """
    ontology = ds.ontology
    diags = ds.diagnostics
    for ff in fact_files:
        src = read_source(ff, graphs_dir, diags)
        if src is not None:
            if src.slug in sources:
                diags.error(ff.rel, ff.data["source"].line_of("id"), src.slug,
                            f"source id '{src.slug}' is already used by {sources[src.slug].file}",
                            "give each source document its own id")
            else:
                sources[src.slug] = src
    for named in rdf_graphs:
        for decl in declarations_from_graph(named.graph, named.file):
            _declare(ds.index, decl, diags, ontology)
    for ff in fact_files:
        for decl in declarations(ff, ontology, diags):
            _declare(ds.index, decl, diags, ontology)
    _require_labels(ds.index, diags)
    for ff in fact_files:
        graph = to_graph(ff, ontology, ds.index, sources, diags, today)
        ds.graphs.append(NamedGraph(graph_name_for(ff.rel), ff.rel, graph))
    ds.graphs.extend(rdf_graphs)
    ds.graphs.sort(key=lambda g: g.file)


def input_fingerprint(project: Project, extra: Iterable[Path] = ()) -> str:
    """A digest of everything a build reads: ontology files, all of graphs/, and ``extra``.

    Cheap (no parsing), so every query can tell whether the store still reflects graphs/.
    """
    digest = hashlib.sha256()
    paths = [project.ontology_file, project.vocabulary_file, project.shapes_file]
    paths += sorted(p for p in project.graphs_dir.rglob("*") if p.is_file())
    paths += [Path(p) for p in extra]
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project.root) if path.is_relative_to(project.root)
                              else path).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _declare(index: EntityIndex, decl: Declaration, diags: Diagnostics,
             ontology: Ontology) -> None:
    """Add a declaration; a second file may describe the same entity if the types agree."""
    earlier = index.declare(decl)
    if earlier is None:
        return
    if any(file == decl.file for file, _ in earlier.mentions):
        diags.error(decl.file, decl.line, decl.slug,
                    f"the id '{decl.slug}' is already used at {earlier.where()} in this file",
                    "give each entry of a file its own id")
        return
    clash = [(a, b) for a in earlier.types for b in decl.types
             if not (ontology.is_subclass(a, b) or ontology.is_subclass(b, a))]
    if clash:
        before = ", ".join(sorted(ontology.label(t) for t in earlier.types))
        now = ", ".join(sorted(ontology.label(t) for t in decl.types))
        diags.error(decl.file, decl.line, decl.slug,
                    f"'{decl.slug}' is typed two incompatible ways: {_a(before)} at "
                    f"{earlier.where()} and {_a(now)} here",
                    "use the same type as the existing entity, or choose another id for a "
                    "different thing")
        return
    if earlier.labels and decl.labels:
        diags.error(decl.file, decl.line, decl.slug,
                    f"the id '{decl.slug}' is already declared at {earlier.where()}",
                    "to add facts or evidence to that entity from this file, repeat its id and "
                    "type but leave out 'label'; for a different entity choose another id")
        return
    if decl.wikidata and earlier.wikidata and decl.wikidata != earlier.wikidata:
        diags.error(decl.file, decl.line, decl.slug,
                    f"'{decl.slug}' is aligned to Wikidata {decl.wikidata} here but to "
                    f"{earlier.wikidata} at {earlier.where()}", "keep the one that is certain")
        return
    index.merge(earlier, decl)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _require_labels(index: EntityIndex, diags: Diagnostics) -> None:
    for decl in index.by_slug.values():
        if not decl.labels and decl.file.endswith(tuple(FACT_SUFFIXES)):
            diags.error(decl.file, decl.line, decl.slug, "the entry has no 'label'",
                        "add 'label:' with the name a reader would use")
