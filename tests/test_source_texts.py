"""A fact file can only name a source text inside its own folder, the project or a sources
folder, as a regular UTF-8 file of bounded size: the attacks that once copied the process
environment or /etc/passwd into the graph, or made `validate` read /dev/zero forever, are refused
with the file and line, and nothing changes."""

from __future__ import annotations

import os
import re

import pytest
from conftest import tree_digest

FACTS = """source:
  id: a-note
  title: A note
  text: {text}
  publisher: armenpress

events:
  - id: armenia-signs-again
    type: Signature
    label: Armenia signs again
    actor: armenia
    treaty: cfe-treaty
    date: 2024-01-01
    evidence:
      - quote: PATH
        attributed_to: armenpress
"""


ABSOLUTE = "'text' must be the path of the source text relative to the fact file, not '{}'"
OUTSIDE = "the source text '{}' is outside the folders a source text may come from"


@pytest.mark.parametrize("text, why", [
    ("/proc/self/environ", ABSOLUTE),
    ("/dev/zero", ABSOLUTE),
    ("../../../../../../../../etc/passwd", OUTSIDE),
    ("escape", OUTSIDE),
    ("fifo", "the source text '{}' is not a regular file"),
    ("large.txt", "source texts are limited to 10 MB"),
])
def test_a_text_outside_the_allowed_folders_is_refused(text, why, tmp_project, tmp_path,
                                                       cli) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "escape").symlink_to("/etc/hostname")
    os.mkfifo(incoming / "fifo")
    with open(incoming / "large.txt", "wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    new = incoming / "note.yaml"
    new.write_text(FACTS.format(text=text), "utf-8")
    assert cli("--project", tmp_project.root, "build")[0] == 0
    before = tree_digest(tmp_project.graphs_dir, tmp_project.store_path)
    for command in (["validate", new], ["add", new]):
        code, out, err = cli("--project", tmp_project.root, *command)
        assert code in (1, 2), out + err
        expected = re.escape(why.format("\0")).replace(re.escape("\0"), ".*")
        assert re.search(r"note\.yaml:4: error in 'a-note': .*" + expected, out + err), out + err
        assert "PATH=" not in out + err
    assert tree_digest(tmp_project.graphs_dir, tmp_project.store_path) == before
    assert not (tmp_project.graphs_dir / "sources" / "environ").exists()
