"""`caucasus-kg add`: new facts are validated against the graph and merged all or nothing.

Every rejected input is checked three ways: the exit code, the message, and that graphs/ and the
store are byte for byte as they were. The tests that read or change the store run on both stores
(``project_built`` is parametrized): the embedded one and a SPARQL server (Virtuoso), with the
same assertions.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    STORES,
    build_on,
    release_store_url,
    remote_store_url,
    server_state,
    tree_digest,
)

from caucasus_kg.store.transaction import write_lock

NOTE = ("Test note: Russia completed its withdrawal from the CFE Treaty on 7 November 2023. "
        "Russia had suspended its participation in the treaty on 12 December 2007. "
        "Officials said: \"it was \"final\"\".\n")

FACTS = """\
source:
  id: test-cfe-note
  title: Test note on the CFE Treaty
  text: texts/note.txt
  publisher: armenpress
events:
  - id: russia-completes-cfe-withdrawal
    type: Withdrawal
    label: Russia completes its withdrawal from the CFE Treaty
    actor: Russian Federation
    treaty: CFE Treaty
    date: 2023-11-07
    evidence:
      - quote: Russia completed its withdrawal from the CFE Treaty on 7 November 2023.
        attributed_to: armenpress
  - id: russia-suspends-cfe-2007
    type: SuspensionOfParticipation
    label: Russia suspends its participation in the CFE Treaty
    actor: russia
    treaty: cfe-treaty
    date: 2007-12-12
    evidence:
      - quote: Russia had suspended its participation in the treaty on 12 December 2007.
        attributed_to: armenpress
"""


def _copy(built_template, tmp_path, store: str | None = None):
    import shutil

    from caucasus_kg.core.project import find_project

    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    project = find_project(root, store or root / ".caucasus-kg" / "store")
    return project, ["--project", project.root, "--store", project.store_url or project.store_path]


def _built_on(request, built_template, tmp_path):
    """The built project in ``tmp_path`` on the store ``request.param`` names: the embedded one,
    or a store of its own on the test server (released after)."""
    if request.param == "embedded":
        yield _copy(built_template, tmp_path)
        return
    url = remote_store_url(request.getfixturevalue("virtuoso_endpoint"))
    project, args = _copy(built_template, tmp_path, url)
    build_on(project.root, url)
    try:
        yield project, args
    finally:
        release_store_url(url)


@pytest.fixture(params=STORES)
def project_built(request, built_template, tmp_path):
    """The built project on the embedded store, or on a store of its own on the test server."""
    yield from _built_on(request, built_template, tmp_path)


@pytest.fixture
def embedded_built(built_template, tmp_path):
    """The built project on the embedded store (for checks that never reach the store)."""
    return _copy(built_template, tmp_path)


def state(project) -> str:
    """graphs/ and the state folder byte for byte, and the server's content if it is the store."""
    files = tree_digest(project.graphs_dir, project.store_path.parent)
    return files + (f" {server_state(project.store_url)}" if project.store_url else "")


def stored_quads(project) -> list[str]:
    """Every quad of the project's store, blank node labels left out (a server has its own)."""
    import re

    from caucasus_kg.store.backends import open_backend

    backend = open_backend(project)
    try:
        return sorted(re.sub(r"_:\S+", "_:", str(q)) for q in backend.quads_for_pattern())
    finally:
        backend.close()


def new_file(tmp_path: Path, body: str = FACTS, name: str = "cfe-note.yaml",
             text: str = NOTE) -> Path:
    folder = tmp_path / "incoming"
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    (folder / "texts" / "note.txt").write_text(text, "utf-8")
    path = folder / name
    path.write_text(body, "utf-8")
    return path


def who_suspended(cli, args) -> list[list[str]]:
    """(actor, action, announced, effective) of each row of `who-suspended-cfe`."""
    code, out, _ = cli(*args, "query", "who-suspended-cfe", "-f", "csv")
    assert code == 0
    return [row[:4] for row in csv.reader(io.StringIO(out))][1:]


SUSPENDED = "suspension of participation"
ALLIES = ["NATO allies of the United States", SUSPENDED, "2023-11-07", "2023-12-07"]
WHO_SUSPENDED = [
    ["Russia", SUSPENDED, "2007-07-14", "2007-12-12"],
    ["Russia", "denunciation", "2023-05-29", "2023-11-07"],
    ["Russia", "withdrawal", "", "2023-11-07"],
    ALLIES,
    ["United States", SUSPENDED, "2023-11-07", "2023-12-07"],
    # the allies that are parties in the shipped graph (by succession), through the group
    ["Czechia", SUSPENDED, "2023-11-07", "2023-12-07"],
    ["Slovakia", SUSPENDED, "2023-11-07", "2023-12-07"],
    ["Canada", SUSPENDED, "2023-11-07", "2024-02-07"],
]
"""The shipped graph's answer (graphs/cfe-participation.yaml and the founding article)."""


def test_dry_run_reports_and_changes_nothing(project_built, cli, tmp_path) -> None:
    project, args = project_built
    before = state(project)
    code, out, _ = cli(*args, "add", new_file(tmp_path), "--dry-run")
    assert code == 0, out
    assert out.splitlines()[:3] == [
        "would merge: graphs/cfe-note.yaml",
        "  65 triples",
        "  'russia-completes-cfe-withdrawal' is already in the graph as "
        "'russia-withdraws-from-cfe-2023': its evidence is added there",
    ]
    assert out.endswith("dry run: nothing was changed\n")
    assert state(project) == before


def test_worked_example_merges_and_changes_the_answers(project_built, cli, tmp_path) -> None:
    project, args = project_built
    assert who_suspended(cli, args) == WHO_SUSPENDED
    code, out, _ = cli(*args, "add", new_file(tmp_path))
    assert code == 0, out
    assert out.startswith("merged: graphs/cfe-note.yaml\n")
    # the note's 2007 suspension is recorded on its own (suspensions may recur, so it is not
    # merged), dated by the note's day; its withdrawal merges into the existing one
    assert who_suspended(cli, args) == [
        WHO_SUSPENDED[0], ["Russia", SUSPENDED, "", "2007-12-12"], *WHO_SUSPENDED[1:]]
    stored = (project.graphs_dir / "cfe-note.yaml").read_text("utf-8")
    assert "  - id: russia-withdraws-from-cfe-2023\n    type: Withdrawal\n    actor:" in stored
    assert "text: sources/note.txt" in stored
    assert (project.graphs_dir / "sources" / "note.txt").read_text("utf-8") == NOTE
    code, out, _ = cli(*args, "explain", "russia-withdraws-from-cfe-2023", "-f", "json")
    import json

    quotes = [e["quote"] for e in json.loads(out)["evidence"] if e.get("quote")]
    assert quotes == ["On 7 November 2023, Russia withdrew from the treaty",
                      "Russia completed its withdrawal from the CFE Treaty on 7 November 2023."]


def test_add_then_build_gives_the_same_store(project_built, cli, tmp_path) -> None:
    from caucasus_kg.store.backends import open_backend

    project, args = project_built
    assert cli(*args, "add", new_file(tmp_path))[0] == 0
    added = stored_quads(project)
    added_info = open_backend(project).info()
    _, _, err = cli(*args, "query", "who-suspended-cfe")
    assert "changed since" not in err
    code, _, err = cli(*args, "build")
    assert code == 0, err
    assert stored_quads(project) == added
    assert open_backend(project).info() == added_info


def test_adding_the_same_file_twice(project_built, cli, tmp_path) -> None:
    project, args = project_built
    path = new_file(tmp_path)
    assert cli(*args, "add", path)[0] == 0
    before = state(project)
    code, _, err = cli(*args, "add", path)
    assert code == 2
    assert "cfe-note.yaml: error: graphs/cfe-note.yaml already exists" in err
    assert "fix: rename the new file if it holds other facts" in err
    assert state(project) == before


REJECTED = {
    "unknown-actor": (FACTS.replace("actor: russia", "actor: Rusia"), 1,
                      ["cfe-note.yaml:19: error in 'russia-suspends-cfe-2007': actor: unknown "
                       "entity 'Rusia'", "fix: did you mean 'Russia'?"]),
    "unknown-key": (FACTS.replace("    date: 2007-12-12", "    dated: 2007-12-12"), 1,
                    ["unknown key 'dated'", "did you mean 'date'?"]),
    "wrong-type": (FACTS.replace("treaty: cfe-treaty", "treaty: armenia"), 1,
                   ["'treaty' expects a treaty, but 'armenia' is a state"]),
    "impossible-date": (FACTS.replace("2007-12-12", "2023-02-30"), 1,
                        ["'2023-02-30' is not a date: February 2023 has 28 days"]),
    "negative-amount": (FACTS + "  - id: deal\n    type: ArmsProcurement\n    label: A deal\n"
                        "    recipient: armenia\n    value: {amount: -1, currency: USD}\n"
                        "    evidence:\n      - quote: Test note\n"
                        "        attributed_to: armenpress\n", 1,
                        ["amount -1 is negative"]),
    "absurd-amount": (FACTS + "  - id: deal\n    type: ArmsProcurement\n    label: A deal\n"
                      "    recipient: armenia\n    value: {amount: 1e30, currency: USD}\n"
                      "    evidence:\n      - quote: Test note\n"
                      "        attributed_to: armenpress\n", 1,
                      ["amount 1e30 is absurdly large"]),
    "quote-not-in-text": (FACTS.replace("on 12 December 2007.", "on 13 December 2007."), 1,
                          ["the quote is not found in the source text sources/note.txt"]),
    "contradiction": (FACTS.replace("    date: 2023-11-07", "    date: 2023-11-08"), 1,
                      ["contradiction: the graph already records this as "
                       "'russia-withdraws-from-cfe-2023'"]),
    "self-reference": (FACTS.replace("    date: 2007-12-12", "    date: 2007-12-12\n"
                                     "    in_response_to: russia-suspends-cfe-2007"), 1,
                       ["'in_response_to' refers to the entry itself"]),
    "ambiguous": (FACTS.replace("publisher: armenpress", "publisher: Senate")
                  + "actors:\n  - id: another-senate\n    type: LegislativeBody\n"
                  "    label: Another Senate\n    aliases: [Senate]\n", 1,
                  ["'Senate' is ambiguous: it could be 'another-senate'", "'us-senate'"]),
    "yaml-syntax": (FACTS.replace("    type: Withdrawal", "   type: Withdrawal"), 2,
                    ["cfe-note.yaml:8: error: not valid YAML"]),
    "text-is-the-fact-file": (FACTS.replace("texts/note.txt", "cfe-note.yaml"), 2,
                              ["the source text is the fact file itself"]),
}


@pytest.fixture(scope="module", params=STORES)
def project_kept(request, built_template, tmp_path_factory):
    """Like ``project_built``, but one project per store for the module's tests that must leave
    it exactly as it was (each checks that it did, so a change fails the test that made it)."""
    yield from _built_on(request, built_template, tmp_path_factory.mktemp("kept"))


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_input_changes_nothing(project_kept, cli, tmp_path, case) -> None:
    project, args = project_kept
    body, expected_code, messages = REJECTED[case]
    path = new_file(tmp_path, body)
    before = state(project)
    code, out, err = cli(*args, "add", path)
    assert code == expected_code, out + err
    for message in messages:
        assert message in out + err
    assert "nothing was changed" in out + err
    assert state(project) == before


@pytest.mark.parametrize(("content", "message"), [
    (b"\x00\x01\x02garbage\xff" * 100, "the file is binary"),
    ("source:\n  title: caf\u00e9\n".encode("latin-1"), "the file is not UTF-8"),
    (b"events: [\n", "not valid YAML"),
], ids=["binary", "latin-1", "unclosed"])
def test_unreadable_files_exit_2_and_change_nothing(embedded_built, cli, tmp_path, content,
                                                    message) -> None:
    project, args = embedded_built
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    before = state(project)
    code, out, err = cli(*args, "add", path)
    assert code == 2
    assert message in err
    assert state(project) == before


def test_turtle_with_a_space_in_an_iri_is_refused(embedded_built, cli, tmp_path) -> None:
    project, args = embedded_built
    path = tmp_path / "bad.ttl"
    path.write_text("<https://w3id.org/caucasus-kg/id/a b> a "
                    "<https://w3id.org/caucasus-kg/ontology#State> .\n", "utf-8")
    before = state(project)
    code, _, err = cli(*args, "add", path)
    assert code == 2
    assert "bad.ttl:1: error: 'https://w3id.org/caucasus-kg/id/a b' is not a valid IRI" in err
    assert state(project) == before


def test_a_50_mb_file_is_refused_before_parsing(embedded_built, cli, tmp_path) -> None:
    project, args = embedded_built
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.write(b"events:\n")
        handle.write(b"  - id: x\n" * (50 * 1024 * 1024 // 10))
    before = state(project)
    code, _, err = cli(*args, "add", path)
    assert code == 2
    assert "fact files are limited to 20 MB" in err
    assert state(project) == before


def test_future_date_is_a_warning_and_the_file_merges(project_built, cli, tmp_path) -> None:
    project, args = project_built
    body = FACTS.replace("2007-12-12", "2099-12-12")
    code, out, _ = cli(*args, "add", new_file(tmp_path, body))
    assert code == 0, out
    assert "warning in 'russia-suspends-cfe-2007': the date 2099-12-12 is in the future" in out


def test_quotes_and_newlines_in_literals_survive(project_built, cli, tmp_path) -> None:
    project, args = project_built
    body = FACTS.replace("    label: Russia suspends its participation in the CFE Treaty\n",
                         "    label: Russia suspends its participation in the CFE Treaty\n"
                         "    note: |\n      Officials said \"it was 'final'\";\n"
                         "      see <below> & {here}\n")
    code, out, _ = cli(*args, "add", new_file(tmp_path, body))
    assert code == 0, out
    code, out, _ = cli(*args, "query", "SELECT ?n WHERE { id:russia-suspends-cfe-2007 "
                       "rdfs:comment ?n }", "-f", "json")
    import json

    assert json.loads(out)["results"]["bindings"] == [{"n": {
        "type": "literal", "value": "Officials said \"it was 'final'\";\nsee <below> & {here}\n",
        "xml:lang": "en"}}]


def test_json_report(project_built, cli, tmp_path) -> None:
    import json

    project, args = project_built
    path = new_file(tmp_path, FACTS.replace("actor: russia", "actor: Rusia"))
    code, out, _ = cli(*args, "add", path, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["accepted"] is False
    [problem] = report["problems"]
    assert (problem["file"], problem["line"], problem["fact"]) == \
        (str(path), 19, "russia-suspends-cfe-2007")
    assert problem["fix"] == "did you mean 'Russia'?"


def test_a_second_add_waits_for_no_one(project_built, cli, tmp_path) -> None:
    project, args = project_built
    before = state(project)
    with write_lock(project.store_path):
        code, _, err = cli(*args, "add", new_file(tmp_path))
    assert code == 1
    assert "another caucasus-kg command is writing" in err
    assert state(project) == before


CRASH_POINTS = {
    "embedded": ["journal-written", "store-copied", "file-moved", "store-moved-aside",
                 "store-swapped"],
    # the server's steps: staging graphs uploaded (store-copied), then one update
    "server": ["journal-written", "store-copied", "file-moved"],
}


def _killed_add(args, path: Path, step: str) -> dict:
    """Run `add` in a process that dies at ``step``; returns the journal it left."""
    import json

    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION=step)
    result = subprocess.run(
        [sys.executable, "-m", "caucasus_kg.cli", *map(str, args), "add", str(path)], env=env,
        capture_output=True, text=True, check=False)
    assert result.returncode == 137, result.stderr
    journal = Path(args[1]) / ".caucasus-kg" / "merge-journal.json"
    return json.loads(journal.read_text())


def _staging_graphs_left(project, journal: dict) -> list[str]:
    from caucasus_kg.store.remote import RemoteStore

    plan = journal["store"]
    remote = RemoteStore(project.store_url)
    return [g for g in [*plan["move"].values(), *plan["add"].values()]
            if remote.count(g)]


@pytest.mark.parametrize(("project_built", "step"),
                         [(kind, step) for kind in STORES for step in CRASH_POINTS[kind]],
                         indirect=["project_built"])
def test_a_merge_killed_midway_is_rolled_back(project_built, cli, tmp_path, step) -> None:
    project, args = project_built
    before = state(project)
    journal = _killed_add(args, new_file(tmp_path), step)
    assert journal["store"]["kind"] == ("server" if project.store_url else "embedded")
    if step != "journal-written" and project.store_url:
        assert _staging_graphs_left(project, journal)  # uploaded, and unseen by queries
    code, _, err = cli(*args, "query", "who-suspended-cfe")
    assert code == 0
    assert "rolled back a merge that was interrupted" in err
    assert state(project) == before
    if project.store_url:
        assert _staging_graphs_left(project, journal) == []


def test_a_merge_killed_after_the_server_took_it_is_finished(cli, tmp_path, built_template,
                                                            virtuoso_endpoint) -> None:
    """On a server, the one update that publishes an addition is the point of no return: killed
    after it, the merge is finished (the files were moved in before), not rolled back."""
    from caucasus_kg.store.backends import open_backend

    url = remote_store_url(virtuoso_endpoint)
    project, args = _copy(built_template, tmp_path / "killed", url)
    expected, expected_args = _copy(built_template, tmp_path / "expected",
                                    remote_store_url(virtuoso_endpoint))
    try:
        build_on(project.root, url)
        build_on(expected.root, expected.store_url)
        assert cli(*expected_args, "add", new_file(tmp_path))[0] == 0
        _killed_add(args, new_file(tmp_path), "store-swapped")
        code, _, err = cli(*args, "query", "who-suspended-cfe")
        assert code == 0
        assert "finished a merge that was interrupted after the store had taken it" in err
        assert "changed since" not in err
        assert not (project.root / ".caucasus-kg" / "merge-journal.json").exists()
        assert tree_digest(project.graphs_dir) == tree_digest(expected.graphs_dir)
        assert stored_quads(project) == stored_quads(expected)
        assert open_backend(project).info() == open_backend(expected).info()
    finally:
        release_store_url(url)
        release_store_url(expected.store_url)


def test_an_error_while_committing_is_rolled_back_at_once(project_built, tmp_path,
                                                         monkeypatch) -> None:
    """The store fails at its last step (the swap of the embedded store, the server's one
    update): the files already moved are put back and the store is as it was, before the
    command returns, without waiting for the next one to recover."""
    from caucasus_kg.ops.add import add_files
    from caucasus_kg.store.backend import StoreError
    from caucasus_kg.store.embedded import EmbeddedStore
    from caucasus_kg.store.remote import RemoteStore, RemoteStoreError

    project, _ = project_built
    before = state(project)
    sent: list[str] = []
    if project.store_url:
        update = RemoteStore.update

        def failing_update(self, text: str) -> None:
            sent.append(text)
            if text.startswith("MOVE SILENT GRAPH <https://w3id.org/caucasus-kg/store/staging/"):
                raise RemoteStoreError("the SPARQL server answered 500 Internal Server Error")
            update(self, text)

        monkeypatch.setattr(RemoteStore, "update", failing_update)
        expected = StoreError
    else:
        def failing_swap(self, addition, plan, fingerprint):
            assert (project.graphs_dir / "cfe-note.yaml").exists()  # moved in already
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(EmbeddedStore, "publish_addition", failing_swap)
        expected = OSError
    with pytest.raises(expected, match="500 Internal Server Error|No space left"):
        add_files(project, [new_file(tmp_path)])
    assert not (project.store_path.parent / "merge-journal.json").exists()
    monkeypatch.undo()
    assert state(project) == before
    if project.store_url:  # the staging graphs uploaded before the update are gone
        [publishing] = [text for text in sent if text.startswith("MOVE")]
        staged = [line.split("<")[1].split(">")[0] for line in publishing.split(" ;\n")
                  if line.startswith("MOVE")]
        assert staged and all(RemoteStore(project.store_url).count(g) == 0 for g in staged)


@pytest.mark.parametrize("case", ["response-before-cause", "resumption-without-suspension",
                                  "denies-own-claim", "clean"])
def test_incremental_validation_matches_full_validation(project_built, tmp_path, case) -> None:
    """The add path validates only new and touched nodes; its findings equal a full check's."""
    from caucasus_kg.ops.add import add_files
    from caucasus_kg.ops.build import check

    project, _ = project_built
    extra = {
        "response-before-cause": "  - id: early-response\n    type: SuspensionOfParticipation\n"
                                 "    label: An early response\n    actor: armenia\n"
                                 "    treaty: cfe-treaty\n    date: 2023-01-01\n"
                                 "    in_response_to: russia-withdraws-from-cfe-2023\n",
        "resumption-without-suspension": "  - id: odd-resumption\n    type: Resumption\n"
                                         "    label: A resumption\n    actor: armenia\n"
                                         "    treaty: cfe-treaty\n    date: 2024-01-01\n",
        "denies-own-claim": "claims:\n  - id: self-denial\n    label: Azerbaijan denies itself\n"
                            "    claimant: azerbaijan\n    stance: denies\n    about: armenia\n"
                            "    denies: azerbaijan-alleges-armenia-prepares-for-war\n",
        "clean": "",
    }[case]
    evidence = ("    evidence:\n      - quote: Test note\n        attributed_to: armenpress\n"
                if extra else "")
    path = new_file(tmp_path, FACTS + extra + evidence)
    report = add_files(project, [path], dry_run=True)
    incremental = sorted((p.fact, p.severity, p.message) for p in report.problems
                         if not p.message.startswith("this looks like a duplicate"))
    shutil_copy = project.graphs_dir / "cfe-note.yaml"
    staged = path.read_text("utf-8").replace("text: texts/note.txt", "text: sources/note.txt")
    shutil_copy.write_text(staged, "utf-8")
    (project.graphs_dir / "sources" / "note.txt").write_text(NOTE, "utf-8")
    full = check(project)
    expected = sorted((p.fact, p.severity, p.message) for p in full.diagnostics
                      if not p.message.startswith("this looks like a duplicate"))
    assert incremental == expected
    assert (case == "clean") == (incremental == [])


COMMENTED = """\
# A note on the CFE Treaty, with comments and quoting the merge must keep.
source:
  id: test-cfe-note
  title: "Test note on the CFE Treaty"   # quoted on purpose
  text: texts/note.txt
  publisher: armenpress
events:
  # the withdrawal, as the note tells it
  - id: "russia-completes-cfe-withdrawal"   # the graph has it under another id
    type: Withdrawal
    label: 'Russia completes its withdrawal from the CFE Treaty'  # the graph's label stays
    # the actor, by the name the note uses
    actor: Russian Federation
    treaty: CFE Treaty
    date: 2023-11-07
    evidence:
      - quote: "Russia completed its withdrawal from the CFE Treaty on 7 November 2023."
        attributed_to: armenpress

  - id: russia-suspends-cfe-2007
    type: SuspensionOfParticipation
    label: Russia suspends its participation in the CFE Treaty
    actor: russia
    treaty: cfe-treaty
    date: 2007-12-12
    note: 'Not russia-completes-cfe-withdrawal: an earlier step'
    evidence:
      - quote: Russia had suspended its participation in the treaty on 12 December 2007.
        attributed_to: armenpress
claims:
  - id: armenpress-reports-the-withdrawal
    label: Armenpress reports the withdrawal
    claimant: armenpress
    stance: asserts
    about: 'russia-completes-cfe-withdrawal'   # a reference in quotes
    evidence: [{quote: Test note, attributed_to: armenpress}]
"""


def test_merging_a_duplicate_keeps_comments_and_quoting(project_built, cli, tmp_path) -> None:
    """The merged entry loses its label and every reference to its id (quoted or not) becomes
    the stored id; every other byte of the file, comments included, stays as written."""
    project, args = project_built
    code, out, _ = cli(*args, "add", new_file(tmp_path, COMMENTED))
    assert code == 0, out
    assert out.splitlines()[:3] == [
        "merged: graphs/cfe-note.yaml", "  95 triples",
        "  'russia-completes-cfe-withdrawal' is already in the graph as "
        "'russia-withdraws-from-cfe-2023': its evidence is added there"]
    stored = (project.graphs_dir / "cfe-note.yaml").read_text("utf-8")
    assert stored == COMMENTED.replace(
        "  text: texts/note.txt\n", "  text: sources/note.txt\n").replace(
        '  - id: "russia-completes-cfe-withdrawal"   #', '  - id: "russia-withdraws-from-cfe-2023"    #'
    ).replace(
        "    label: 'Russia completes its withdrawal from the CFE Treaty'  # the graph's label "
        "stays\n", "").replace(
        "    about: 'russia-completes-cfe-withdrawal'   #",
        "    about: 'russia-withdraws-from-cfe-2023'    #")
    assert cli(*args, "build")[0] == 0
    code, out, _ = cli(*args, "query", "SELECT ?c WHERE { ?c ckg:about "
                       "id:russia-withdraws-from-cfe-2023 }", "-f", "csv")
    assert out.splitlines()[1:] == [  # SPARQL CSV writes whole IRIs
        "https://w3id.org/caucasus-kg/id/armenpress-reports-the-withdrawal"]


LABEL_LAYOUTS = {
    "label first, folded over two lines": (
        "events:\n  - label: >-\n      A label over\n      two lines\n    # why this id\n"
        "    id: new-one\n    type: Withdrawal\n",
        "events:\n  - id: old-one\n    # why this id\n    type: Withdrawal\n"),
    "comments and a blank line after the label": (
        "events:\n  - id: new-one\n    label: A label  # goes with the label\n"
        "    # about the type\n\n    # second\n    type: Withdrawal\n",
        "events:\n  - id: old-one\n    # about the type\n\n    # second\n    type: Withdrawal\n"),
    "after a block scalar": (
        "events:\n  - id: new-one\n    note: |\n      block\n    label: >-\n      folded\n"
        "    # after the label\n    type: Withdrawal\n",
        "events:\n  - id: old-one\n    note: |\n      block\n    # after the label\n"
        "    type: Withdrawal\n"),
    "after a list": (
        "events:\n  - id: new-one\n    evidence:\n      - quote: q\n    label: L\n"
        "    # after the label\n    claims: [a]\n",
        "events:\n  - id: old-one\n    evidence:\n      - quote: q\n    # after the label\n"
        "    claims: [a]\n"),
    "references in lists, by IRI and in other text": (
        "events:\n  - id: new-one\n    label: L\n  - id: other\n    in_response_to:\n"
        "      - new-one\n    see: [https://w3id.org/caucasus-kg/id/new-one, \"new-one\"]\n"
        "    note: new-one is not a reference here\n",
        "events:\n  - id: old-one\n  - id: other\n    in_response_to:\n      - old-one\n"
        "    see: [https://w3id.org/caucasus-kg/id/old-one, \"old-one\"]\n"
        "    note: new-one is not a reference here\n"),
}


@pytest.mark.parametrize("layout", sorted(LABEL_LAYOUTS))
def test_merge_entry_drops_only_the_label_and_the_id(layout) -> None:
    from caucasus_kg.sources.yamledit import merge_entry

    before, after = LABEL_LAYOUTS[layout]
    assert merge_entry(before, "new-one", "old-one", "https://w3id.org/caucasus-kg/id/") == after
    assert merge_entry(before, "absent", "old-one", "https://w3id.org/caucasus-kg/id/") is None


def test_the_neighbourhood_holds_the_quads_of_what_the_nodes_point_to(built_template) -> None:
    """Everything a touched node points to comes with its quads (asked apart, then in batches),
    whatever the batch size."""
    import pyoxigraph as ox

    from caucasus_kg.checks import incremental
    from caucasus_kg.model.namespaces import CKG

    store = ox.Store.read_only(str(built_template / ".caucasus-kg" / "store"))
    nodes = {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(CKG.hasEvidence),
                                                              None)
             if isinstance(q.subject, ox.NamedNode)}
    assert len(nodes) > 20
    pointed = {q.object for n in nodes for q in store.quads_for_pattern(ox.NamedNode(n), None, None)
               if isinstance(q.object, ox.NamedNode) and q.object.value not in nodes}
    expected = {q for m in pointed for q in store.quads_for_pattern(m, None, None)}
    assert expected
    found = set(incremental.neighbourhood(store, nodes))
    assert expected <= found
    values = " ".join(f"<{n}>" for n in sorted(nodes))
    assert set(incremental._pointed_to(store, nodes, values, batch=3)) == expected
