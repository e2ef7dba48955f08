"""Where things live: the ontology, shapes, fact files, queries and the store of a project.

A project is a folder with ``ontology/`` and ``graphs/`` (this repository is one). Commands act on
the project containing the current directory, or on ``--project`` / ``$CAUCASUS_KG_PROJECT``;
failing both, on the copy bundled with the installed package. The store defaults to
``.caucasus-kg/store`` inside the project, or ``--store`` / ``$CAUCASUS_KG_STORE``, or ``store``
in the project's optional ``caucasus-kg.toml``, in that order of precedence. A store given as an
``http://`` or ``https://`` URL is a SPARQL 1.1 server (see docs/stores.md).

``graphs/`` holds the hand-written inputs; ``caucasus-kg import`` writes its generated N-Triples
to ``imports/`` (or the folder named by ``imports`` in ``caucasus-kg.toml``), the other input
folder. Both generated folders, the imports and the store, are left out of version control.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

ONTOLOGY_FILE = "caucasus-kg.ttl"
VOCABULARY_FILE = "vocabularies.ttl"
SHAPES_FILE = "shapes.ttl"
CONFIG_FILE = "caucasus-kg.toml"
CONFIG_KEYS = ("store", "imports", "sources")
IMPORTS_DIR = "imports"
EXAMPLES = {"store": "http://127.0.0.1:8890/sparql", "imports": IMPORTS_DIR,
            "sources": "../private-sources"}


@dataclass(frozen=True)
class Project:
    root: Path
    store_path: Path
    store_url: str | None = None
    """A SPARQL server holding the graphs; ``store_path`` then only locates the write lock."""
    imports_path: Path | None = None
    """Where imports are written, when ``caucasus-kg.toml`` names a folder (see ``imports_dir``)."""
    sources_dirs: tuple[Path, ...] = ()
    """Folders outside version control holding texts that may not be stored in the graph
    (``sources`` in caucasus-kg.toml, ``--sources DIR``): quotes of them are checked there."""

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
    def imports_dir(self) -> Path:
        """The generated input folder: ``imports/`` unless the configuration names another."""
        return self.imports_path or self.root / IMPORTS_DIR

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def shown(self, path: Path) -> str:
        """How messages name a file of the project: relative to the project when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _is_project(path: Path) -> bool:
    return (path / "ontology" / ONTOLOGY_FILE).is_file() and (path / "graphs").is_dir()


def find_project(explicit: str | os.PathLike[str] | None = None,
                 store: str | os.PathLike[str] | None = None,
                 sources: tuple[str | os.PathLike[str], ...] = ()) -> Project:
    """Locate the project to act on; raises FileNotFoundError with a readable message.

    ``sources`` are folders of texts kept outside the graph, besides the one the project's
    configuration names."""
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
            package = Path(__file__).resolve().parents[1]  # src/caucasus_kg
            source_checkout = package.parents[1]
            bundled = package / "bundled"
            for candidate in (source_checkout, bundled):
                if _is_project(candidate):
                    root = candidate
                    break
        if root is None:
            raise FileNotFoundError(
                "no caucasus-kg project here: run inside a folder with ontology/ and graphs/, "
                "or pass --project DIR")
    config = read_config(root)
    imports_path = _imports_folder(root, config.get("imports"))
    store_given = str(store or os.environ.get("CAUCASUS_KG_STORE") or "")
    if not store_given:
        configured = config.get("store")
        if configured and not _is_url(configured):
            configured = str(root / configured)
        store_given = configured or ""
    if os.access(root, os.W_OK):
        default_path = root / ".caucasus-kg" / "store"
    else:  # an installed copy: what is generated goes to the user's cache, one per project
        key = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]
        default_path = Path.home() / ".cache" / "caucasus-kg" / key / "store"
        imports_path = imports_path or default_path.parent / IMPORTS_DIR
    folders = [root / config["sources"]] if "sources" in config else []
    folders += [Path(f) for f in sources]
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        raise FileNotFoundError(f"the sources folder {missing[0]} does not exist; create it, or "
                                "correct `sources` in caucasus-kg.toml or --sources")
    sources_dirs = tuple(f.resolve() for f in folders)
    if _is_url(store_given):
        return Project(root=root, store_path=default_path, store_url=store_given,
                       imports_path=imports_path, sources_dirs=sources_dirs)
    store_path = Path(store_given).resolve() if store_given else default_path
    return Project(root=root, store_path=store_path, imports_path=imports_path,
                   sources_dirs=sources_dirs)


def _imports_folder(root: Path, configured: str | None) -> Path | None:
    """The configured imports folder (relative to the project), checked to be apart from
    graphs/, whose files are hand-written."""
    if configured is None:
        return None
    folder = (root / configured).resolve()
    graphs = (root / "graphs").resolve()
    if folder.is_relative_to(graphs) or graphs.is_relative_to(folder):
        raise FileNotFoundError(
            f"{root / CONFIG_FILE}: imports = \"{configured}\" overlaps graphs/, which holds the "
            f"hand-written files; name a folder of its own, e.g. imports = \"{IMPORTS_DIR}\"")
    return folder


def _is_url(value: str) -> bool:
    return re.match(r"^https?://", value, re.IGNORECASE) is not None


def read_config(root: Path) -> dict[str, str]:
    """The project's ``caucasus-kg.toml`` (empty when there is none); raises FileNotFoundError
    with the file and the fix when it cannot be used."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    import tomllib  # lazy: only a project with a caucasus-kg.toml pays for the TOML parser

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FileNotFoundError(f"{path}: cannot read the configuration: {exc}") from exc
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise FileNotFoundError(f"{path}: unknown setting(s) {', '.join(unknown)}; the settings "
                                f"are: {', '.join(CONFIG_KEYS)}")
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            example = EXAMPLES.get(key, "...")
            raise FileNotFoundError(f"{path}: {key} must be a non-empty string, e.g. "
                                    f'{key} = "{example}"')
    return {k: v.strip() for k, v in data.items()}
