"""Imports are generated files: they go to imports/ (or the folder ``caucasus-kg.toml`` names),
never to the hand-written graphs/, are left out of version control, keep the named graph an
import always had, and are read by every command that reads the project's inputs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from cli_run import run_cli as run
from conftest import ROOT, copy_project, tree_digest
from test_import import select

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
REGISTER = FIXTURES / "sipri_register_AZE_ARM.csv"
NAME = "sipri-sipri_register_AZE_ARM.nt"
GRAPH = "https://w3id.org/caucasus-kg/graph/sipri-sipri_register_AZE_ARM"
MI17 = "https://w3id.org/caucasus-kg/id/sipri-russia-to-armenia-2020-mi-17"




def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                           *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def proj(built_template, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    return root


def quads(root: Path) -> list[str]:
    store = ox.Store.read_only(str(root / ".caucasus-kg" / "store"))
    found = sorted(str(q) for q in store)
    del store
    return found


def test_import_into_a_git_repository_leaves_it_clean(tmp_path) -> None:
    """The project is a git checkout of the curated files and the repository's .gitignore: an
    import (with the store built on the way, in its default place) changes nothing git sees."""
    root = copy_project(tmp_path / "project")
    shutil.copyfile(ROOT / ".gitignore", root / ".gitignore")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "curated project")
    graphs_before = tree_digest(root / "graphs")
    code, out, err = run("--project", root, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert f"merged: imports/{NAME}" in out
    assert (root / "imports" / NAME).is_file()
    assert (root / ".caucasus-kg" / "store").is_dir()
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert tree_digest(root / "graphs") == graphs_before


def test_an_import_keeps_its_named_graph(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert not (proj / "graphs" / NAME).exists()
    assert select(proj, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{MI17}> a ckg:ArmsTransfer }} }}") == [
        (GRAPH,)]


def test_build_reads_the_imports(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    imported = quads(proj)
    shutil.rmtree(proj / ".caucasus-kg")
    code, _, err = run("--project", proj, "build")
    assert code == 0, err
    assert f"from {proj / 'graphs'} and {proj / 'imports'}" in err
    assert quads(proj) == imported
    assert any(MI17 in q for q in imported)


def test_a_removed_import_makes_the_store_stale(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    (proj / "imports" / NAME).unlink()
    code, _, err = run("--project", proj, "query", "who-suspended-cfe")
    assert code == 0
    assert "warning: imports/, graphs/ or the ontology changed since the store was built" in err
    code, _, err = run("--project", proj, "build")
    assert code == 0, err
    assert select(proj, f"SELECT ?c WHERE {{ <{MI17}> a ?c }}") == []


def test_configured_imports_folder(proj) -> None:
    (proj / "caucasus-kg.toml").write_text('imports = "data/imported"\n', "utf-8")
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert f"merged: data/imported/{NAME}" in out
    assert (proj / "data" / "imported" / NAME).is_file() and not (proj / "imports").exists()
    assert select(proj, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{MI17}> a ?c }} }}") == [(GRAPH,)]
    code, out, _ = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0 and out.startswith(f"unchanged: data/imported/{NAME} already holds")


@pytest.mark.parametrize("folder", ["graphs", "graphs/imports", "."])
def test_imports_folder_overlapping_graphs_is_refused(proj, folder) -> None:
    (proj / "caucasus-kg.toml").write_text(f'imports = "{folder}"\n', "utf-8")
    before = tree_digest(proj)
    code, _, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 2
    assert f'imports = "{folder}" overlaps graphs/, which holds the hand-written files' in err
    assert tree_digest(proj) == before


def test_imports_setting_must_be_a_folder_name(proj) -> None:
    (proj / "caucasus-kg.toml").write_text("imports = 3\n", "utf-8")
    code, _, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 2
    assert 'imports must be a non-empty string, e.g. imports = "imports"' in err


def test_imports_folder_outside_the_project_is_rolled_back_after_a_crash(proj, tmp_path):
    outside = tmp_path / "elsewhere" / "imports"
    (proj / "caucasus-kg.toml").write_text(f'imports = "{outside}"\n', "utf-8")
    before = tree_digest(proj / "graphs", proj / ".caucasus-kg")
    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION="store-moved-aside")
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(proj),
                           "import", "sipri", str(REGISTER)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 137, done.stderr
    assert (outside / NAME).is_file()  # the file was moved in before the crash
    code, _, err = run("--project", proj, "query", "who-suspended-cfe")
    assert code == 0, err
    assert "rolled back a merge that was interrupted" in err
    assert not (outside / NAME).exists()
    assert tree_digest(proj / "graphs", proj / ".caucasus-kg") == before
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert f"merged: {outside / NAME}" in out


def _legacy(proj: Path) -> list[str]:
    """The project as an earlier version left it: the import written to graphs/."""
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    (proj / "imports" / NAME).rename(proj / "graphs" / NAME)
    (proj / "imports").rmdir()
    code, _, err = run("--project", proj, "build")
    assert code == 0, err
    return quads(proj)


def test_an_import_left_in_graphs_moves_to_imports(proj) -> None:
    stored = _legacy(proj)
    text = (proj / "graphs" / NAME).read_text("utf-8")
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert out.splitlines()[:2] == [
        f"replaces the earlier import graphs/{NAME}: 0 fact(s) added, 0 removed, 0 changed "
        "(0 triples added, 0 removed)",
        f"merged: imports/{NAME}"]
    assert not (proj / "graphs" / NAME).exists()
    assert (proj / "imports" / NAME).read_text("utf-8") == text
    assert quads(proj) == stored
    code, out, _ = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0 and out.startswith(f"unchanged: imports/{NAME}")


@pytest.mark.parametrize("step", ["journal-written", "file-moved", "store-swapped"])
def test_moving_an_import_out_of_graphs_killed_midway_is_rolled_back(proj, step) -> None:
    stored = _legacy(proj)
    before = tree_digest(proj / "graphs")
    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION=step)
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(proj),
                           "import", "sipri", str(REGISTER)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 137, done.stderr
    code, _, err = run("--project", proj, "query", "who-suspended-cfe")
    assert code == 0
    assert "rolled back a merge that was interrupted" in err
    assert tree_digest(proj / "graphs") == before
    assert not (proj / "imports" / NAME).exists()
    assert quads(proj) == stored


def test_add_refuses_a_file_whose_graph_is_an_imports(proj, tmp_path) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    before = tree_digest(proj / "graphs", proj / "imports", proj / ".caucasus-kg")
    copy = tmp_path / NAME.replace(".nt", ".ttl")
    shutil.copyfile(proj / "imports" / NAME, copy)
    code, _, err = run("--project", proj, "add", copy)
    assert code == 2
    assert (f"{copy}: error: its named graph <{GRAPH}> would be that of imports/{NAME}"
            in err)
    assert tree_digest(proj / "graphs", proj / "imports", proj / ".caucasus-kg") == before


def test_build_refuses_two_files_with_one_graph(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    shutil.copyfile(proj / "imports" / NAME, proj / "graphs" / NAME)
    code, _, err = run("--project", proj, "build")
    assert code == 2
    assert (f"imports/{NAME}: error: its named graph <{GRAPH}> is already that of {NAME}"
            in err)


def test_a_staged_file_is_linked_into_place_or_copied_across_file_systems(
        tmp_path, monkeypatch) -> None:
    """An addition's staged file (an import's can take hundreds of MB) gets its place in the
    project as a hard link, replacing whatever a killed command left there, and is copied
    where the two folders are on different file systems."""
    import errno

    from caucasus_kg.store.transaction import link_or_copy_file

    staged = tmp_path / "staging" / NAME
    staged.parent.mkdir()
    staged.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n", "utf-8")
    part = tmp_path / "imports" / (NAME + ".part")
    part.parent.mkdir()
    part.write_text("left by a killed command", "utf-8")
    link_or_copy_file(staged, part)
    assert part.read_bytes() == staged.read_bytes()
    assert part.stat().st_ino == staged.stat().st_ino

    def cross_device(*_args: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "link", cross_device)
    elsewhere = tmp_path / "elsewhere" / NAME
    elsewhere.parent.mkdir()
    link_or_copy_file(staged, elsewhere)
    assert elsewhere.read_bytes() == staged.read_bytes()
    assert elsewhere.stat().st_ino != staged.stat().st_ino
