"""Where things live: the ontology, shapes, fact files, queries and the store of a project.

A project is a folder with ``ontology/`` and ``graphs/`` (this repository is one). Commands act on
the project containing the current directory, or on ``--project`` / ``$CAUCASUS_KG_PROJECT``;
failing both, on the copy bundled with the installed package. The store defaults to
``.caucasus-kg/store`` inside the project, or ``--store`` / ``$CAUCASUS_KG_STORE``, or ``store``
in the project's optional ``caucasus-kg.toml``, in that order of precedence. A store given as an
``http://`` or ``https://`` URL is a SPARQL 1.1 server (see docs/stores.md).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ONTOLOGY_FILE = "caucasus-kg.ttl"
VOCABULARY_FILE = "vocabularies.ttl"
SHAPES_FILE = "shapes.ttl"
CONFIG_FILE = "caucasus-kg.toml"
CONFIG_KEYS = ("store",)


@dataclass(frozen=True)
class Project:
    root: Path
    store_path: Path
    store_url: str | None = None
    """A SPARQL server holding the graphs; ``store_path`` then only locates the write lock."""

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
    store_given = str(store or os.environ.get("CAUCASUS_KG_STORE") or "")
    if not store_given:
        configured = read_config(root).get("store")
        if configured and not _is_url(configured):
            configured = str(root / configured)
        store_given = configured or ""
    if os.access(root, os.W_OK):
        default_path = root / ".caucasus-kg" / "store"
    else:
        default_path = Path.home() / ".cache" / "caucasus-kg" / "store"
    if _is_url(store_given):
        return Project(root=root, store_path=default_path, store_url=store_given)
    store_path = Path(store_given).resolve() if store_given else default_path
    return Project(root=root, store_path=store_path)


def _is_url(value: str) -> bool:
    return re.match(r"^https?://", value, re.IGNORECASE) is not None


def read_config(root: Path) -> dict[str, str]:
    """The project's ``caucasus-kg.toml`` (empty when there is none); raises FileNotFoundError
    with the file and the fix when it cannot be used."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
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
            raise FileNotFoundError(f"{path}: {key} must be a non-empty string, e.g. "
                                    f'{key} = "http://127.0.0.1:8890/sparql"')
    return {k: v.strip() for k, v in data.items()}
