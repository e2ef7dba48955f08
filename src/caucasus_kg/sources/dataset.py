"""Assembling the dataset: the ontology plus every input file, the fact files and RDF files
under graphs/ and the imports (:mod:`caucasus_kg.sources.inputs`).

Each input file becomes one named graph (``graph/<path without extension>``), so an answer can
always be traced to the file it came from, and a file can be replaced as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from caucasus_kg.core.diagnostics import Diagnostic, Diagnostics, InputError
from caucasus_kg.core.project import Project
from caucasus_kg.model.namespaces import ONTOLOGY_GRAPH, VOCABULARY_GRAPH
from caucasus_kg.model.ontology import Ontology
from caucasus_kg.model.terms import from_ox_term, new_graph, rdflib_quads
from caucasus_kg.model.turtle_files import read_turtle
from caucasus_kg.sources.background_load import BackgroundLoad
from caucasus_kg.sources.factfile import (
    MAX_FILE_BYTES as MAX_FACT_FILE_BYTES,
)
from caucasus_kg.sources.factfile import (
    FactFile,
    SourceText,
    declarations,
    read_fact_file,
    read_source,
    to_graph,
)
from caucasus_kg.sources.fingerprint import input_fingerprint
from caucasus_kg.sources.inputs import (
    FACT_SUFFIXES,
    InputFile,
    graph_clashes,
    graph_name_for,
    project_inputs,
)
from caucasus_kg.sources.rdffile import MAX_FILE_BYTES as MAX_RDF_FILE_BYTES
from caucasus_kg.sources.rdffile import (
    MAX_WHOLE_BYTES,
    RdfSource,
    canonical_quads,
    is_rdf_file,
    load_into,
    load_rdf_file,
    scan_rdf_file,
)
from caucasus_kg.sources.references import (
    Declaration,
    EntityIndex,
    declarations_from_graph,
    declarations_from_store,
)
from caucasus_kg.sources.texts import TextFinder, project_texts

__all__ = ["FACT_SUFFIXES", "Dataset", "InputFile", "NamedGraph", "assemble", "graph_name_for",
           "load_dataset", "load_ontology", "read_files"]


@dataclass(eq=False)
class NamedGraph:
    """The triples of one input file, and the named graph they go into.

    Every input file's triples are in an Oxigraph ``store`` under ``name``: a fact file's are
    emitted into the working store, an RDF file is parsed straight into it and keeps its
    ``source`` so the store on disk can be written by bulk-loading the file itself; once the
    working store is released (:meth:`Dataset.release`), an RDF file's triples are read from the
    file again when needed. The ontology and vocabularies are rdflib graphs (``graph``).
    """

    name: URIRef
    file: str
    graph: Graph | None = None
    store: ox.Store | None = None
    source: RdfSource | None = None
    _count: int | None = field(default=None, repr=False)
    _iris: tuple[set[str], set[str]] | None = field(default=None, repr=False)

    @property
    def ox_name(self) -> ox.NamedNode:
        return ox.NamedNode(str(self.name))

    def __len__(self) -> int:
        if self.graph is not None:
            return len(self.graph)
        if self._count is None:
            if self.store is None:
                self._count = sum(1 for _ in self.quads())
            else:
                [row] = self.store.query(
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{self.name}> {{ ?s ?p ?o }} }}")
                self._count = int(row["n"].value)
        return self._count

    def quads(self) -> Iterator[ox.Quad]:
        """The triples as quads in this named graph, blank nodes canonically labelled."""

        if self.graph is not None:
            yield from canonical_quads(rdflib_quads(self.graph), self.ox_name)
        elif self.store is not None:
            yield from self.store.quads_for_pattern(None, None, None, self.ox_name)
        else:
            assert self.source is not None
            scratch = ox.Store()
            load_into(scratch, self.source, self.ox_name)
            yield from scratch.quads_for_pattern(None, None, None, self.ox_name)

    def iris(self) -> tuple[set[str], set[str]]:
        """The IRIs in subject position and those in object position (computed once)."""
        if self._iris is None:
            subjects: set[str] = set()
            objects: set[str] = set()
            if self.graph is not None:
                for s, _p, o in self.graph:
                    if isinstance(s, URIRef):
                        subjects.add(str(s))
                    if isinstance(o, URIRef):
                        objects.add(str(o))
            else:
                named = ox.NamedNode
                for quad in self.quads():
                    if type(quad.subject) is named:
                        subjects.add(quad.subject.value)
                    if type(quad.object) is named:
                        objects.add(quad.object.value)
            self._iris = (subjects, objects)
        return self._iris

    def to_rdflib(self) -> Graph:
        """The triples as an rdflib graph (a copy: for small graphs and tests)."""
        if self.graph is not None:
            return self.graph

        graph = new_graph()
        for quad in self.quads():
            graph.add((from_ox_term(quad.subject), from_ox_term(quad.predicate),
                       from_ox_term(quad.object)))
        return graph


@dataclass
class Dataset:
    """The loaded inputs. ``store`` is the working store: every data graph, as named graphs,
    which the contradiction checks and SHACL run on (fact files' triples are added to it)."""

    ontology: Ontology
    vocabulary: Graph
    graphs: list[NamedGraph] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    index: EntityIndex = field(default_factory=EntityIndex)
    fingerprint: str = ""
    store: ox.Store = field(default_factory=ox.Store)
    texts: TextFinder = field(default_factory=TextFinder)
    """Finds the texts of sources kept outside the graph (the project's sources folders)."""
    require_verified: bool = False
    """A quote of a text kept elsewhere that cannot be checked here is an error, not a warning."""

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
        """All data graphs in one rdflib graph (without the ontology): a copy, for small graphs."""
        union = new_graph()
        for named in self.graphs:
            union += named.to_rdflib()
        return union

    def triple_count(self) -> int:
        return sum(len(g) for g in self.all_graphs())

    def add_ontology_to_store(self) -> None:
        """Put the ontology and vocabulary graphs into the working store (validation needs the
        class hierarchy; the contradiction checks run before, on the data graphs alone)."""

        for named in self.all_graphs()[:2]:
            self.store.remove_graph(named.ox_name)
            self.store.bulk_extend(rdflib_quads(named.graph, named.ox_name))

    def release(self) -> None:
        """Drop the working store (before writing the store on disk, to keep memory low)."""
        for named in self.graphs:
            if named.store is not None and named.source is not None:
                len(named)
                named.store = None
        kept: ox.Store | None = None  # the fact files' graphs, without everything else
        for named in self.graphs:
            if named.store is self.store and named.source is None:
                kept = kept if kept is not None else ox.Store()
                kept.bulk_extend(named.quads())
                named.store = kept
        self.store = ox.Store()


def load_ontology(project: Project) -> Ontology:
    return Ontology.load(project.ontology_file, project.vocabulary_file)


def load_dataset(project: Project, extra: Iterable[Path] = (), today: dt.date | None = None,
                 include_project: bool = True, require_verified: bool = False) -> Dataset:
    """Load the ontology and every input file; problems end up in ``dataset.diagnostics``.

    Unreadable files (not UTF-8, not YAML, bad Turtle) and files whose named graphs would be the
    same raise :class:`InputError` listing all of them. ``extra`` files (not under graphs/) are
    loaded as if they were.
    """
    extra = [Path(p) for p in extra]
    ontology = load_ontology(project)
    vocabulary = read_turtle(project.vocabulary_file)
    ds = Dataset(ontology=ontology, vocabulary=vocabulary, texts=project_texts(project),
                 require_verified=require_verified)
    graphs_dir = project.graphs_dir
    files = project_inputs(project) if include_project else []
    for path, rel in resolve_paths(graphs_dir, extra):
        if all(rel != f.rel and path != f.path.resolve() for f in files):
            files.append(InputFile(path, rel, rel))
    clashes = graph_clashes(files)
    if clashes:
        raise InputError(clashes)

    oversized = [f for f in files if _over_its_limit(f.path)]
    if oversized:  # refused by its reader before the fingerprint would read every byte of it
        read_files(oversized)
    ds.fingerprint = input_fingerprint(project, extra)
    fact_files, rdf_graphs = read_files(files, ds.store)
    assemble(ds, fact_files, rdf_graphs, graphs_dir, {}, today)
    return ds


def _over_its_limit(path: Path) -> bool:
    """Whether the file is larger than its reader takes at all (its size alone tells)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False  # reported by its reader
    if path.suffix.lower() in FACT_SUFFIXES:
        return size > MAX_FACT_FILE_BYTES
    if path.suffix.lower() == ".jsonld":
        return size > MAX_WHOLE_BYTES
    return is_rdf_file(path) and size > MAX_RDF_FILE_BYTES


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


def read_files(files: Iterable[InputFile], store: ox.Store | None = None,
               ahead: BackgroundLoad | None = None) -> tuple[list[FactFile], list[NamedGraph]]:
    """Parse every file; all unreadable ones are reported together as one InputError.

    RDF files are parsed into ``store`` (the dataset's working store), each under its graph.
    ``ahead`` loaded an RDF file's triples into ``store`` while the file was being made
    (``store`` is its :meth:`~BackgroundLoad.take_store`): when they are the file's, the file
    is only scanned, else it is loaded as usual.
    """
    store = ox.Store() if store is None else store
    unreadable: list[Diagnostic] = []
    fact_files: list[FactFile] = []
    rdf_graphs: list[NamedGraph] = []
    if ahead is not None and all(file.graph != ahead.graph.value for file in files):
        ahead.finish()  # loaded for no file given: nothing of it may be checked
        store.remove_graph(ahead.graph)
    for file in files:
        path = file.path
        try:
            if path.suffix.lower() in FACT_SUFFIXES:
                fact_files.append(read_fact_file(path, file.rel))
            elif is_rdf_file(path):
                name = URIRef(file.graph)
                if ahead is not None and ahead.graph.value == file.graph:
                    source = scan_rdf_file(path, file.shown)
                    if not ahead.holds(source, store):
                        store.remove_graph(ahead.graph)
                        load_into(store, source, ahead.graph, check_digest=False)
                else:
                    if ahead is not None:
                        ahead.finish()  # one load into the store at a time
                    source = load_rdf_file(path, file.shown, store, ox.NamedNode(str(name)))
                rdf_graphs.append(NamedGraph(name, file.shown, store=store, source=source))
            else:
                raise InputError([Diagnostic(file.shown, None, None,
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
        main = read_source(ff, graphs_dir, diags, ds.texts)
        declared = [(main, ff.data.get("source"))] if main is not None else []
        for src, data in [*declared, *ff.other_sources]:
            if src.slug in sources:
                earlier = sources[src.slug].file or "another fact file"
                diags.error(ff.rel, data.line_of("id"), src.slug,
                            f"source id '{src.slug}' is already used by {earlier}",
                            "give each source document its own id")
            else:
                sources[src.slug] = src
    prefetch = getattr(ds.index, "prefetch", None)  # an index backed by a store
    for named in rdf_graphs:
        if named.graph is not None:
            found = declarations_from_graph(named.graph, named.file)
        else:
            if named.store is not ds.store:  # parsed elsewhere: the checks need it here
                ds.store.bulk_extend(named.quads())
                named.store = ds.store
            found = declarations_from_store(ds.store, named.ox_name, named.file)
        if prefetch is not None:
            prefetch(decl.slug for decl in found)
        for decl in found:
            _declare(ds.index, decl, diags, ontology)
    for ff in fact_files:
        for decl in declarations(ff, ontology, diags):
            _declare(ds.index, decl, diags, ontology)
    _require_labels(ds.index, diags)
    for ff in fact_files:
        triples = to_graph(ff, ontology, ds.index, sources, diags, today)
        named = NamedGraph(URIRef(graph_name_for(ff.rel)), ff.rel, store=ds.store,
                           _count=len(triples))
        ds.store.bulk_load(triples.ntriples(), ox.RdfFormat.N_TRIPLES, to_graph=named.ox_name)
        del triples
        ds.graphs.append(named)
    ds.graphs.extend(rdf_graphs)
    ds.graphs.sort(key=lambda g: g.file)
    every = [s for ff in fact_files for s in [ff.source, *(o for o, _ in ff.other_sources)]]
    for src in {id(s): s for s in every if s is not None}.values():
        _report_unverified(src, ds)


def _report_unverified(src: SourceText, ds: Dataset) -> None:
    """Quotes of a text kept elsewhere that is not in any sources folder here: one warning for
    the source, or, with ``require_verified``, an error at each quote."""
    if not src.unverified:
        return
    if ds.require_verified:
        for file, line, fact in src.unverified:
            ds.diagnostics.error(file, line, fact, f"the quote is unverified here: the text of "
                                 f"'{src.slug}' (SHA-256 {src.sha256}) is in no sources folder",
                                 "put the text in a sources folder (`sources = \"DIR\"` in "
                                 "caucasus-kg.toml, or --sources DIR)")
        return
    file, line, _fact = src.unverified[0]
    ds.diagnostics.warning(file, line, src.slug,
                           f"{len(src.unverified)} quote(s) of '{src.slug}' are unverified here: "
                           f"its text (SHA-256 {src.sha256}) is in no sources folder",
                           "put the text in a sources folder (`sources = \"DIR\"` in "
                           "caucasus-kg.toml, or --sources DIR) to check them")


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
