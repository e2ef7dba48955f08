"""The input files of a project: the hand-written files under graphs/ and the generated imports.

Each input file is one named graph, named after the file's path in its folder without the
extension: ``graphs/treaties/cfe.yaml`` is ``graph/treaties/cfe``, and an import
``imports/sipri-register.nt`` is ``graph/sipri-register``, the name it had when imports were
written to graphs/, so queries that name an import's graph keep working. Two files whose graphs
would have the same name (``graphs/x.nt`` and ``imports/x.nt``, or ``graphs/x.yaml`` and
``graphs/x.ttl``) are an error: a named graph is replaced as a whole, so it holds one file.

imports/ holds only what ``caucasus-kg import`` writes: the RDF files at its top level are
inputs, anything else there is not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.core.project import Project
from caucasus_kg.model.iris import GRAPH
from caucasus_kg.sources.rdffile import is_rdf_file

FACT_SUFFIXES = {".yaml", ".yml"}


@dataclass(frozen=True)
class InputFile:
    """A file to load: ``rel`` is its path in its folder (which names its graph), ``shown`` how
    messages name it (``rel`` for graphs/, whose names messages have always used as they are;
    the path in the project for an import). Fact files live in graphs/, so for them the two
    are the same."""

    path: Path
    rel: str
    shown: str

    @property
    def graph(self) -> str:
        """The IRI of the file's named graph."""
        return graph_name_for(self.rel)


def graph_name_for(rel: str) -> str:
    """The IRI of the named graph of the input file at ``rel`` in its folder."""
    stem = rel.rsplit(".", 1)[0]
    return GRAPH + stem


def graph_files(graphs_dir: Path) -> list[Path]:
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


def import_files(imports_dir: Path) -> list[Path]:
    """The RDF files at the top of the imports folder, by name (none if there is no folder)."""
    if not imports_dir.is_dir():
        return []
    return sorted(p for p in imports_dir.iterdir()
                  if p.is_file() and not p.name.startswith(".") and is_rdf_file(p))


def project_inputs(project: Project) -> list[InputFile]:
    """Every input file of the project: graphs/ first, then the imports."""
    graphs = [InputFile(p, rel, rel) for p in graph_files(project.graphs_dir)
              for rel in [p.relative_to(project.graphs_dir).as_posix()]]
    imports = [InputFile(p, p.name, project.shown(p)) for p in import_files(project.imports_dir)]
    return graphs + imports


def graph_clashes(files: Iterable[InputFile]) -> list[Diagnostic]:
    """An error for every file whose named graph is an earlier file's."""
    first: dict[str, InputFile] = {}
    problems = []
    for file in files:
        earlier = first.setdefault(file.graph, file)
        if earlier is not file:
            problems.append(Diagnostic(
                file.shown, None, None,
                f"its named graph <{file.graph}> is already that of {earlier.shown}",
                "rename one of the two files (each file is one named graph, named after the "
                "file without its extension)"))
    return problems
