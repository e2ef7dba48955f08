"""No tracebacks at the command line: a full disk, a read-only project, and anything unforeseen.

- A full disk during `add`, `build` or `import` (a small tmpfs, filled to a few sizes so that the
  writes fail at different steps) is a message and exit 1, and the project and its store are
  byte for byte as before: a half-done merge is rolled back at once.
- `add` into a read-only project (a read-only bind mount) is refused before anything is read.
- Any other exception is caught at the command line's boundary: one line, and a request to
  report it with the command and the version; `--debug` or CAUCASUS_KG_DEBUG=1 shows the
  traceback instead.

The file-system cases run the command in a user and mount namespace of its own (`unshare`),
which needs no privilege; without `unshare` they fail, saying so.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tree_digest
from test_hardening_inputs import FACTS, NOTE

import caucasus_kg.read.queries
from caucasus_kg import __version__
from caucasus_kg.cli import unexpected

ROOT = Path(__file__).resolve().parents[1]
SIPRI = ROOT / "tests" / "fixtures" / "import" / "sipri_register_ISR_AZE.csv"


def boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the catalogue exploded " + "very " * 100 + "badly")


def test_an_unexpected_error_is_one_line_and_a_request_to_report_it(cli, tmp_project,
                                                                    monkeypatch) -> None:
    monkeypatch.setattr(caucasus_kg.read.queries, "catalogue", boom)
    monkeypatch.delenv("CAUCASUS_KG_DEBUG", raising=False)
    code, out, err = cli("--project", tmp_project.root, "queries")
    assert code == 1
    assert out == ""
    first, hint = err.splitlines()
    assert first.startswith("error: unexpected RuntimeError: the catalogue exploded very very")
    assert first.endswith("...") and len(first) < 250
    assert hint == (f"    please report this problem with the command (`caucasus-kg queries`), "
                    f"the version (caucasus-kg {__version__}) and this message; run it again "
                    "with --debug (or CAUCASUS_KG_DEBUG=1) to see where it happened")
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["--debug", "CAUCASUS_KG_DEBUG=1"])
def test_debug_shows_the_traceback(cli, tmp_project, monkeypatch, how) -> None:
    monkeypatch.setattr(caucasus_kg.read.queries, "catalogue", boom)
    args = ["--project", tmp_project.root, "queries"]
    if how == "--debug":
        args.insert(0, "--debug")
    else:
        monkeypatch.setenv("CAUCASUS_KG_DEBUG", "1")
    with pytest.raises(RuntimeError, match="the catalogue exploded"):
        cli(*args)


SCRIPT = """
import sys
import caucasus_kg.read.queries
def boom(*args, **kwargs):
    raise KeyError("no such thing")
caucasus_kg.read.queries.catalogue = boom
from caucasus_kg.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("debug", [False, True])
def test_the_entry_point_catches_it_in_a_process_of_its_own(tmp_project, debug) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CAUCASUS_KG_DEBUG", None)
    if debug:
        env["CAUCASUS_KG_DEBUG"] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT, "--project", str(tmp_project.root),
                           "queries"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in done.stderr
        assert done.stderr.rstrip().endswith("KeyError: 'no such thing'")
    else:
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("error: unexpected KeyError: 'no such thing'\n")


@pytest.mark.parametrize(("exc", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device", "/p/graphs/x.yaml"),
     "error: no space is left on the device (/p/graphs/x.yaml); the command stopped, and the "
     "files and the store are as they were before it"),
    (shutil.Error([("a", "b", "[Errno 28] No space left on device: 'b'")]),
     "error: no space is left on the device; the command stopped, and"),
    (OSError("IO error: While appending to file: store/000012.log: No space left on device"),
     "error: no space is left on the device; the command stopped, and"),
    (OSError(errno.EROFS, "Read-only file system", "/p/graphs"),
     "error: the file system is read-only (/p/graphs); the command stopped"),
    (PermissionError(errno.EACCES, "Permission denied", "/p"),
     "error: permission denied (/p); the command stopped"),
])
def test_a_full_or_read_only_disk_is_said_as_such(exc: Exception, expected: str) -> None:
    message = unexpected(exc, "add")
    assert message.startswith(expected), message
    assert "please report" not in message


# --------------------------------------------------------------------------------------------
# Real file systems: a full tmpfs, a read-only mount


def unshare_works() -> str | None:
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) is not installed"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"user namespaces are not available: {probe.stderr.strip()}"
    return None


@pytest.fixture(scope="module")
def namespaces() -> None:
    problem = unshare_works()
    if problem:
        pytest.fail(f"these tests run commands on a tmpfs of their own with `unshare`: {problem}",
                    pytrace=False)


def in_namespace(script: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-ec",
                           script], capture_output=True, text=True, timeout=timeout)


def state(root: Path) -> str:
    return tree_digest(root / "graphs", root / ".caucasus-kg", root / "imports")


def run_on_full_disk(template: Path, tmp_path: Path, free: int, command: str) -> tuple[
        int, str, Path]:
    """Run ``command`` (arguments after `caucasus-kg --project PROJECT`) on a copy of
    ``template`` on a 12 MB tmpfs with ``free`` bytes left; returns the exit code, the output
    and a copy of the project as the command left it."""
    mount, after, log = tmp_path / "mnt", tmp_path / "after", tmp_path / "log"
    mount.mkdir(parents=True)
    incoming = tmp_path / "incoming"
    (incoming / "texts").mkdir(parents=True)
    (incoming / "texts" / "note.txt").write_text(NOTE, "utf-8")
    (incoming / "hardening.yaml").write_text(FACTS, "utf-8")
    python = f"PYTHONPATH={ROOT / 'src'} {sys.executable} -m caucasus_kg.cli"
    done = in_namespace(f"""
        mount -t tmpfs -o size=12m tmpfs {mount}
        cp -a {template} {mount}/project
        cp -a {incoming} {mount}/incoming
        avail=$(df -B1 --output=avail {mount} | tail -1)
        fill=$((avail - {free}))
        [ $fill -le 0 ] || fallocate -l $fill {mount}/filler
        set +e
        {python} --project {mount}/project {command.replace('INCOMING', f'{mount}/incoming')} \
            > {log} 2>&1
        echo "exit $?" >> {log}
        set -e
        rm -f {mount}/filler
        cp -a {mount}/project {after}
    """)
    assert done.returncode == 0, done.stderr
    text = log.read_text("utf-8")
    code = int(text.rsplit("exit ", 1)[1])
    return code, text.rsplit("exit ", 1)[0], after


@pytest.mark.parametrize(("command", "frees"), [
    ("add INCOMING/hardening.yaml", [0, 100_000, 400_000, 700_000]),
    ("build", [0, 400_000, 1_000_000]),
    (f"import sipri {SIPRI}", [0, 300_000, 900_000]),
])
def test_a_full_disk_stops_the_command_and_changes_nothing(namespaces, built_template, tmp_path,
                                                          command, frees) -> None:
    before = state(built_template)
    failures = 0
    for free in frees:
        code, output, after = run_on_full_disk(built_template, tmp_path / str(free), free,
                                               command)
        assert "Traceback" not in output and "please report" not in output, output
        if code == 0:  # enough room at this size: the change is whole
            continue
        failures += 1
        assert code == 1, output
        assert "error: no space is left on the device" in output, output
        assert "the files and the store are as they were before it" in output
        assert state(after) == before, (free, output)
    assert failures >= 1  # a disk with no room left at all fails them all


def test_add_into_a_read_only_project_is_refused_and_changes_nothing(namespaces, built_template,
                                                                     tmp_path) -> None:
    project = tmp_path / "project"
    shutil.copytree(built_template, project)
    incoming = tmp_path / "incoming"
    (incoming / "texts").mkdir(parents=True)
    (incoming / "texts" / "note.txt").write_text(NOTE, "utf-8")
    (incoming / "hardening.yaml").write_text(FACTS, "utf-8")
    before = state(project)
    log = tmp_path / "log"
    done = in_namespace(f"""
        mount --bind {project} {project}
        mount -o remount,ro,bind {project}
        set +e
        HOME={tmp_path} PYTHONPATH={ROOT / 'src'} {sys.executable} -m caucasus_kg.cli \
            --project {project} add {incoming}/hardening.yaml > {log} 2>&1
        echo "exit $?" >> {log}
    """)
    assert done.returncode == 0, done.stderr
    output = log.read_text("utf-8")
    assert output.endswith("exit 2\n"), output
    assert "Traceback" not in output
    assert f"error: the project's graphs/ folder ({project}/graphs) cannot be written (a " \
           "read-only or installed copy): `add` adds its files there" in output
    assert state(project) == before
