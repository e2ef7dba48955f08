"""What a reading command loads: the query path (query, queries, explain, --help, a usage error,
the staleness check) runs without rdflib, networkx, Starlette or PyYAML, which cost a command
more than answering it. Nothing here is timed: benchmarks/cli_latency.py measures the time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project_files import ROOT

from caucasus_kg.cli import COMMANDS

HEAVY = ("rdflib", "networkx", "starlette", "yaml")

_RUN_CLI = """
import sys
from caucasus_kg.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules})
sys.stderr.write("\\nLOADED " + " ".join(loaded) + "\\n")
sys.exit(code)
"""


def run_cli(root: Path, *args: str) -> tuple[int, str, set[str]]:
    """Run the command in a fresh interpreter in ``root``: exit code, stdout and the top-level
    packages loaded by the time it exits."""
    done = subprocess.run([sys.executable, "-c", _RUN_CLI, *args], capture_output=True, text=True,
                          timeout=120, cwd=root,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
                               "CAUCASUS_KG_PROJECT": str(root)})
    head, _, loaded = done.stderr.rpartition("\nLOADED ")
    assert loaded, done.stderr
    return done.returncode, done.stdout, set(loaded.split())


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, built_template: Path) -> Path:
    copy = tmp_path_factory.mktemp("startup") / "project"
    shutil.copytree(built_template, copy)
    return copy


@pytest.mark.parametrize(("args", "code", "shows"), [
    (("query", "who-suspended-cfe"), 0, "Russia"),
    (("queries",), 0, "who-suspended-cfe"),
    (("explain", "russia"), 0, "wd:Q159"),
    (("--help",), 0, "usage"),
    (("query", "--help"), 0, "usage"),
    (("query", "no-such-query"), 2, ""),
    (("query",), 2, ""),
])
def test_reading_commands_load_no_heavy_library(root: Path, args: tuple[str, ...], code: int,
                                                shows: str) -> None:
    exit_code, out, loaded = run_cli(root, *args)
    assert exit_code == code, out
    assert shows in out
    assert "pyoxigraph" in loaded or args[-1] == "--help" or code == 2
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_usage_error_of_any_command_loads_only_what_its_options_need(root: Path,
                                                                       command: str) -> None:
    """A mistyped option exits 2 before any work, and so loads none of what the work needs:
    the command's module imports the rest when it runs."""
    exit_code, out, loaded = run_cli(root, command, "--no-such-option")
    assert exit_code == 2, out
    heavy = loaded.intersection((*HEAVY, "pyshacl", "uvicorn", "owlrl", "ruamel"))
    assert not heavy, sorted(heavy)
    assert not loaded.intersection(BEFORE_ANY_WORK), sorted(loaded.intersection(BEFORE_ANY_WORK))


BEFORE_ANY_WORK = ("pyoxigraph", "dataclasses", "inspect", "typing", "pathlib", "json")
"""What neither --help nor a usage error needs: each costs a few milliseconds of a command that
should take little more than starting Python."""


@pytest.mark.parametrize("args", [("--help",), ("query", "--help"), ("export", "--help"),
                                  ("query",), ("no-such-command",), ("--no-such-option",)])
def test_help_and_usage_errors_load_only_the_command_line(root: Path,
                                                          args: tuple[str, ...]) -> None:
    exit_code, out, loaded = run_cli(root, *args)
    assert exit_code == (0 if args[-1] == "--help" else 2), out
    assert not loaded.intersection(BEFORE_ANY_WORK), sorted(loaded.intersection(BEFORE_ANY_WORK))


def test_a_stale_store_is_reported_without_loading_the_loader(root: Path) -> None:
    fact_file = next((root / "graphs").glob("*.yaml"))
    original = fact_file.read_bytes()
    try:
        fact_file.write_bytes(original + b"\n# changed\n")
        exit_code, out, loaded = run_cli(root, "query", "who-suspended-cfe")
    finally:
        fact_file.write_bytes(original)
    assert exit_code == 0
    assert "Russia" in out
    assert not loaded.intersection(HEAVY)


def test_a_missing_store_is_built_loading_the_loader_then(tmp_path: Path,
                                                          built_template: Path) -> None:
    """The control: the same harness sees rdflib and PyYAML when the command has to build."""
    copy = tmp_path / "project"
    shutil.copytree(built_template, copy)
    shutil.rmtree(copy / ".caucasus-kg")
    exit_code, out, loaded = run_cli(copy, "query", "who-suspended-cfe")
    assert exit_code == 0
    assert "Russia" in out
    assert {"rdflib", "yaml"} <= loaded


def test_indexes_over_one_store_share_what_a_name_matched(store) -> None:
    """A name is looked up in the store's labels once for every load of an addition (each
    lookup reads every stored label); the answer is the same from the cache."""
    from caucasus_kg.store.index import StoreIndex

    class Counting:
        def __init__(self, inner) -> None:
            self.inner, self.queries = inner, 0

        def query(self, *args, **kwargs):
            self.queries += 1
            return self.inner.query(*args, **kwargs)

    counting = Counting(store)
    names: dict[str, list[str]] = {}
    first = StoreIndex(counting, names).resolve("Russian Federation")
    asked = counting.queries
    again = StoreIndex(counting, names).resolve("Russian Federation")
    assert first.slug == again.slug == "russia"
    assert names["Russian Federation"] == ["https://w3id.org/caucasus-kg/id/russia"]
    assert asked == 2  # the name among the labels, then the entity it names
    assert counting.queries - asked == 1  # the entity only: the name is not looked up again
