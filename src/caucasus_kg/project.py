"""Where things live: the ontology, shapes, fact files, queries and the store of a project.

A project is a folder with ``ontology/`` and ``graphs/`` (this repository is one). Commands act on
the project containing the current directory, or on ``--project`` / ``$CAUCASUS_KG_PROJECT``;
failing both, on the copy bundled with the installed package. The store defaults to
``.caucasus-kg/store`` inside the project, or ``--store`` / ``$CAUCASUS_KG_STORE``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ONTOLOGY_FILE = "caucasus-kg.ttl"
VOCABULARY_FILE = "vocabularies.ttl"
SHAPES_FILE = "shapes.ttl"


@dataclass(frozen=True)
class Project:
    root: Path
    store_path: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / ONTOLOGY_FILE

    @property
    def vocabulary_file(self) -> Path:
        return self.ontology_dir / VOCABULARY_FILE

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / SHAPES_FILE

    @property
    def graphs_dir(self) -> Path:
        return self.root / "graphs"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"


def _is_project(path: Path) -> bool:
    return (path / "ontology" / ONTOLOGY_FILE).is_file() and (path / "graphs").is_dir()


def find_project(explicit: str | os.PathLike[str] | None = None,
                 store: str | os.PathLike[str] | None = None) -> Project:
    """Locate the project to act on; raises FileNotFoundError with a readable message."""
    root: Path | None = None
    given = explicit or os.environ.get("CAUCASUS_KG_PROJECT")
    if given:
        root = Path(given).resolve()
        if not _is_project(root):
            raise FileNotFoundError(
                f"{root} is not a caucasus-kg project (it needs ontology/{ONTOLOGY_FILE} "
                "and graphs/)")
    else:
        here = Path.cwd().resolve()
        for candidate in (here, *here.parents):
            if _is_project(candidate):
                root = candidate
                break
        if root is None:
            source_checkout = Path(__file__).resolve().parents[2]
            bundled = Path(__file__).resolve().parent / "bundled"
            for candidate in (source_checkout, bundled):
                if _is_project(candidate):
                    root = candidate
                    break
        if root is None:
            raise FileNotFoundError(
                "no caucasus-kg project here: run inside a folder with ontology/ and graphs/, "
                "or pass --project DIR")
    store_given = store or os.environ.get("CAUCASUS_KG_STORE")
    if store_given:
        store_path = Path(store_given).resolve()
    elif os.access(root, os.W_OK):
        store_path = root / ".caucasus-kg" / "store"
    else:
        store_path = Path.home() / ".cache" / "caucasus-kg" / "store"
    return Project(root=root, store_path=store_path)
