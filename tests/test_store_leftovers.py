"""A build killed midway leaves its new store folder (``store.new-PID``) beside the store, and,
killed between its two renames, no store but the old one aside (``store.old-PID``). The next
command that writes removes what a dead process left, putting the old store back first."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from caucasus_kg.model.namespaces import ID

NOTE = ROOT / "docs/examples/cfe-2007-note.yaml"
REGISTER = ROOT / "tests" / "fixtures" / "import" / "sipri_register_AZE_ARM.csv"


def _quads(store: Path) -> list[str]:
    opened = ox.Store.read_only(str(store))
    try:
        return sorted(str(q) for q in opened)
    finally:
        del opened


def _leftovers(project) -> list[str]:
    folder = project.store_path.parent
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(project.store_path.name + ".") and p.is_dir())


def _killed_build(project, step: str) -> None:
    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION=step)
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project",
                           str(project.root), "build"], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 137, done.stderr


NOTE_FACT = f"{ID}russia-suspends-cfe-2007"
"""The note's 2007 suspension, on its own beside the graph's (russia-suspends-cfe-operation-2007)."""


def _facts(answer: str) -> set[str]:
    """The ``fact`` column of `who-suspended-cfe`'s CSV."""
    return {row["fact"] for row in csv.DictReader(io.StringIO(answer))}


def _add_note(project) -> None:
    shutil.copy(NOTE, project.graphs_dir)
    (project.graphs_dir / "texts").mkdir(exist_ok=True)
    shutil.copy(ROOT / "docs/examples/texts/cfe-2007-note.txt", project.graphs_dir / "texts")


@pytest.fixture
def built(tmp_project, cli):
    assert cli("--project", tmp_project.root, "build")[0] == 0
    return tmp_project


def test_a_build_killed_before_the_swap_leaves_a_folder_the_next_build_removes(built,
                                                                               cli) -> None:
    before = _quads(built.store_path)
    _add_note(built)
    _killed_build(built, "build-written")
    [leftover] = _leftovers(built)
    assert leftover.startswith("store.new-")
    assert _quads(built.store_path) == before  # readers never saw the new store
    code, _, err = cli("--project", built.root, "build")
    assert code == 0, err
    assert _leftovers(built) == []
    code, out, _ = cli("--project", built.root, "query", "who-suspended-cfe", "-f", "csv")
    # the note's own 2007 suspension (the graph's own is russia-suspends-cfe-operation-2007)
    assert code == 0 and NOTE_FACT in _facts(out)


def test_a_build_killed_between_the_renames_gets_its_old_store_back(built, cli) -> None:
    before = _quads(built.store_path)
    _add_note(built)
    _killed_build(built, "build-moved-aside")
    assert not built.store_path.exists()
    new, old = _leftovers(built)
    assert new.startswith("store.new-") and old == new.replace(".new-", ".old-")
    # the next build fails its checks: the old store is back all the same, and answers
    (built.graphs_dir / "cfe-2007-note.yaml").write_text(
        NOTE.read_text("utf-8").replace("actor: Russian Federation", "actor: Rusia"), "utf-8")
    code, _, err = cli("--project", built.root, "build")
    assert code == 1, err
    assert _leftovers(built) == []
    assert _quads(built.store_path) == before
    code, out, err = cli("--project", built.root, "query", "who-suspended-cfe", "-f", "csv")
    assert code == 0 and "changed since the store was built" in err
    assert NOTE_FACT not in _facts(out)
    assert f"{ID}russia-suspends-cfe-operation-2007" in _facts(out)


def test_a_folder_of_a_running_process_is_left_alone(built, cli) -> None:
    running = built.store_path.with_name(built.store_path.name + ".new-1")  # pid 1 runs
    running.mkdir()
    code, _, err = cli("--project", built.root, "build")
    assert code == 0, err
    assert running.is_dir()


def test_the_file_of_a_killed_import_is_removed_by_the_next_writer(built, cli) -> None:
    """An import writes its file in the state folder while it is checked; killed, it leaves the
    file there (never in /tmp), and the next command that writes removes it, but not the folder
    of an import that is still running."""
    staging = built.store_path.parent / "import-staging"
    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION="journal-written")
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project",
                           str(built.root), "import", "sipri", str(REGISTER)], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 137, done.stderr
    [left] = staging.iterdir()
    assert [p.name for p in left.iterdir()] == ["sipri-sipri_register_AZE_ARM.nt"]
    running = staging / "1-import"  # pid 1 runs
    running.mkdir()
    code, _, err = cli("--project", built.root, "build")
    assert code == 0, err
    assert sorted(p.name for p in staging.iterdir()) == ["1-import"]


def test_a_journal_whose_writer_was_killed_mid_write_is_removed(built, cli) -> None:
    """The journal is written beside its place and renamed into it; a writer killed between
    the two leaves ``merge-journal.tmp``, which describes nothing that happened."""
    half_written = built.store_path.parent / "merge-journal.tmp"
    half_written.write_text('{"files": [', "utf-8")
    code, _, err = cli("--project", built.root, "build")
    assert code == 0, err
    assert not half_written.exists()
    assert not (built.store_path.parent / "merge-journal.json").exists()
