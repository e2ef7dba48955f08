"""Hostile and malformed input files: each attack of the adversarial review, reproduced.

Every case checks the exit code, the message (located, and never echoing unbounded input), that
no traceback or "unexpected" error reached the user, and, for the commands that write, that the
project and its store are byte for byte as they were.

- YAML bombs: anchors and aliases are refused; a file holds a bounded number of values, nested
  to a bounded depth.
- Bounds: fact, RDF and dataset files are regular files of bounded size (`/dev/zero`, a pipe, a
  sparse file larger than the limit are refused at once).
- Exact data: YAML scalars are read exactly (no octal, hexadecimal, sexagesimal or underscored
  numbers); keys whose value has the wrong shape are errors; empty files and imports with nothing
  left to import are refused.
- Text no export can write (control characters, lone surrogates) is refused at load; a dataset's
  cells are kept, with such characters shown as their control pictures.
- Values that used to end in tracebacks: a `url` with `>` or `"`, a 5,000-digit number.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from conftest import TODAY, tree_digest
from rdflib import Literal
from rdflib.namespace import XSD

from caucasus_kg.core.diagnostics import InputError
from caucasus_kg.core.project import Project, find_project
from caucasus_kg.model.namespaces import CKG, ID, PREFIXES
from caucasus_kg.ops.build import check
from caucasus_kg.sources import yamlread
from caucasus_kg.sources.yamlread import FactYamlError, load_yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "import"

NOTE = "On 1 March 2024, Armenia signed the treaty. Officials called it final.\n"

FACTS = """\
source:
  id: hardening-note
  title: A note for the hardening tests
  text: texts/note.txt
  publisher: armenpress
events:
  - id: armenia-signs-cfe-2024
    type: Signature
    label: Armenia signs the CFE Treaty
    actor: armenia
    treaty: cfe-treaty
    date: 2024-03-01
    evidence:
      - quote: On 1 March 2024, Armenia signed the treaty.
        attributed_to: armenpress
"""


@pytest.fixture
def built(built_template: Path, tmp_path: Path) -> tuple[Project, list[str | Path]]:
    """A writable copy of the built project, and the arguments that select it."""
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    return find_project(root, root / ".caucasus-kg" / "store"), ["--project", root]


def state(project: Project) -> str:
    return tree_digest(project.graphs_dir, project.store_path.parent, project.imports_dir)


def incoming(tmp_path: Path, body: str, name: str = "hardening.yaml", text: str = NOTE) -> Path:
    """A fact file outside the project (as `add` takes them), with its source text."""
    folder = tmp_path / "incoming"
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    (folder / "texts" / "note.txt").write_text(text, "utf-8")
    path = folder / name
    path.write_text(body, "utf-8")
    return path


def clean(out: str, err: str) -> None:
    """No traceback and no error the command did not expect reached the user."""
    for text in (out, err):
        assert "Traceback" not in text, text
        assert "unexpected" not in text, text


# --------------------------------------------------------------------------------------------
# Finding 3: a YAML alias bomb through one field


def alias_bomb() -> str:
    """The reported file: nine nested anchors, each a list of nine of the one before, used as
    one event's `participant: *i` (9**9 = 387 million values once expanded)."""
    levels = "abcdefghi"
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip(levels, levels[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n" + FACTS + "    participant: *i\n"


def test_the_alias_bomb_is_refused_at_once_with_a_short_message(built, cli, tmp_path) -> None:
    project, args = built
    path = incoming(tmp_path, alias_bomb())
    assert path.stat().st_size < 2000
    before = state(project)
    started = time.perf_counter()
    code, out, err = cli(*args, "validate", path)
    assert time.perf_counter() - started < 30  # it ran 250 s at 3.7 GB
    clean(out, err)
    assert code == 2
    assert len(out) + len(err) < 1000  # 2.8 GB of error text before
    assert f"{path}:1: error: not valid YAML: anchors (&name) and aliases (*name) are not " \
           "allowed in fact files" in out
    assert "fix: write each value out where it belongs" in out
    code, out, err = cli(*args, "add", path)
    clean(out, err)
    assert code == 2 and "anchors (&name) and aliases (*name) are not allowed" in err
    assert state(project) == before


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: 2\n",                          # an anchor alone
    "base: &b {type: State}\nactors:\n  - <<: *b\n    id: x\n",  # a merge key needs an alias
    "a: !!python/object:os.system ls\n",        # tags other than !!str
    "a: !!binary aGVsbG8=\n",
    "a: 1\n---\nb: 2\n",                        # a second document
    "? [a, b]\n: c\n",                          # a list as a key
])
def test_yaml_a_fact_file_never_needs_is_refused_with_its_line(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml(text)
    assert info.value.problem_mark is not None


def test_a_file_holds_at_most_two_million_values() -> None:
    flat = "[" + "0," * yamlread.MAX_NODES + "0]"  # 4 MB, 2,000,001 values
    with pytest.raises(FactYamlError, match="more than 2,000,000 values"):
        load_yaml(flat)
    assert len(load_yaml("[" + "0," * 999 + "0]")) == 1000


def test_the_value_limit_is_located_and_refuses_the_file(tmp_project, monkeypatch) -> None:
    monkeypatch.setattr(yamlread, "MAX_NODES", 50)
    (tmp_project.graphs_dir / "many.yaml").write_text(
        FACTS + "    aliases: [" + ", ".join(f"A{i}" for i in range(60)) + "]\n", "utf-8")
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    [problem] = [d for d in info.value.diagnostics if d.file == "many.yaml"]
    assert (problem.file, problem.line) == ("many.yaml", 16)
    assert "more than 50 values" in problem.message
    assert problem.fix == "split it into one fact file per source document"


def test_deep_nesting_is_refused_without_recursion() -> None:
    with pytest.raises(FactYamlError, match="nest more than 40 levels"):
        load_yaml("a: " + "[" * 100 + "]" * 100 + "\n")
    with pytest.raises(yaml.YAMLError, match="exceeded maximum nesting depth"):  # libyaml's
        load_yaml("a: " + "[" * 100_000 + "]" * 100_000 + "\n")


# --------------------------------------------------------------------------------------------
# Finding 4: bounded inputs


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("fifo", "{path}: error: not a regular file (a device, a pipe or a folder)"),
    ("dev-zero-link", "{path}: error: '' files are not fact files"),  # it names /dev/zero
    ("folder", "is a folder, not a file"),
])
@pytest.mark.parametrize("suffix", [".yaml", ".ttl", ".jsonld"])
def test_validate_reads_regular_files_only(built, cli, tmp_path, kind, message,
                                           suffix) -> None:
    project, args = built
    path = tmp_path / f"input{suffix}"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 2
    assert message.format(path=path) in out + err


def test_a_pipe_among_the_graphs_is_never_read(built, cli) -> None:
    project, args = built
    os.mkfifo(project.graphs_dir / "pipe.yaml")
    os.mkfifo(project.graphs_dir / "pipe.ttl")
    code, out, err = cli(*args, "validate")
    clean(out, err)
    assert code == 0  # not an input: graphs/ holds regular files


@pytest.mark.parametrize(("name", "size", "message"), [
    ("big.yaml", 20 * 1024 * 1024 + 1, "fact files are limited to 20 MB"),
    ("big.jsonld", 256 * 1024 * 1024 + 1, "JSON-LD files are read whole and limited to 256 MB"),
    ("big.nt", 2 * 1024 ** 3 + 1, "split it into files of at most 2 GB"),
])
def test_oversized_files_are_refused_before_reading(built, cli, tmp_path, name, size,
                                                    message) -> None:
    project, args = built
    path = sparse(tmp_path / name, size)
    started = time.perf_counter()
    code, out, err = cli(*args, "validate", path)
    assert time.perf_counter() - started < 30
    clean(out, err)
    assert code == 2
    assert message in out or message in f"{out}{err}"


@pytest.mark.parametrize(("dataset", "file", "message"), [
    ("sipri", "/dev/zero", "not a regular file (a device, a pipe or a folder)"),
    ("unoda", "/dev/zero", "not a regular file (a device, a pipe or a folder)"),
    ("sipri", "fifo.csv", "not a regular file (a device, a pipe or a folder)"),
    ("sipri", "huge.csv", "dataset files are limited to 256 MB"),
    ("unoda", "huge.json", "dataset files are limited to 256 MB"),
    ("rdf", "huge.ttl", "`import rdf` reads files of at most 64 MB whole"),
])
def test_import_refuses_devices_pipes_and_oversized_files_at_once(built, cli, tmp_path,
                                                                   dataset, file,
                                                                   message) -> None:
    """`import sipri /dev/zero` was stopped by the kernel's OOM killer at 24 GB."""
    project, args = built
    path = Path(file)
    if file == "fifo.csv":
        path = tmp_path / file
        os.mkfifo(path)
    elif file.startswith("huge"):
        path = sparse(tmp_path / file, 256 * 1024 * 1024 + 1 if dataset != "rdf"
                      else 64 * 1024 * 1024 + 1)
    before = state(project)
    started = time.perf_counter()
    code, out, err = cli(*args, "import", dataset, path)
    assert time.perf_counter() - started < 30
    clean(out, err)
    assert code == 2
    assert f"{path}: cannot import: " in err and message in err
    assert state(project) == before


# --------------------------------------------------------------------------------------------
# Finding 5: exact data


@pytest.mark.parametrize(("text", "value"), [
    ("0100", "0100"), ("0x7D7", "0x7D7"), ("33:27", "33:27"), ("2_007", "2_007"),
    ("-0500", "-0500"), ("0o17", "0o17"), ("012", "012"), ("1.5e9", "1.5e9"), (".inf", ".inf"),
    ("2023-11-07", "2023-11-07"), ("NO", "NO"), ("yes", "yes"), ("1" * 31, "1" * 31),
    ("2007", 2007), ("-5", -5), ("+12", 12), ("0", 0), ("1" * 30, int("1" * 30)),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
    ("'0100'", "0100"), ('"2007"', "2007"), ("!!str 2007", "2007"),
])
def test_scalars_are_read_exactly(text: str, value: object) -> None:
    assert load_yaml(f"key: {text}\n") == {"key": value}


@pytest.mark.parametrize(("written", "problem"), [
    ("0x7D7", "'0x7D7' is not a date"),
    ("33:27", "'33:27' is not a date"),
    ("2_007", "'2_007' is not a date"),
    ("-0500", "'-0500' is not a date"),
    ("{year: 2007}", "'date' takes a single value, found a mapping"),
])
def test_numbers_in_other_notations_are_never_a_year(tmp_project, written, problem) -> None:
    (tmp_project.graphs_dir / "sources" / "note.txt").write_text(NOTE, "utf-8")
    (tmp_project.graphs_dir / "dated.yaml").write_text(
        FACTS.replace("texts/note.txt", "sources/note.txt")
        .replace("date: 2024-03-01", f"date: {written}"), "utf-8")
    result = check(tmp_project, today=TODAY)
    found = [(d.file, d.line, d.message) for d in result.errors]
    assert [(f, line) for f, line, m in found if problem in m] == [("dated.yaml", 12)], found
    assert not any("-320" in m or "0064" in m for _, _, m in found)
    assert not any(d.fact == "armenia-signs-cfe-2024" and "2007" in str(d) for d in
                   result.dataset.diagnostics.items if written in ("0x7D7", "33:27"))


def test_year_0100_is_the_year_0100(tmp_project) -> None:
    (tmp_project.graphs_dir / "sources" / "note.txt").write_text(NOTE, "utf-8")
    body = (FACTS.replace("texts/note.txt", "sources/note.txt")
            .replace("date: 2024-03-01", "date: 0100"))
    (tmp_project.graphs_dir / "dated.yaml").write_text(body, "utf-8")
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "dated.yaml")
    assert graph.value(ID["armenia-signs-cfe-2024"], CKG.date) == \
        Literal("0100", datatype=XSD.gYear)


TRANSFER = """\
source:
  id: hardening-note
  title: A note for the hardening tests
  text: texts/note.txt
  publisher: armenpress
events:
  - id: russia-arms-azerbaijan-2024
    type: ArmsTransfer
    label: Russian arms for Azerbaijan
    supplier: russia
    recipient: azerbaijan
    quantity: {quantity}
    value: {{amount: {amount}, currency: USD}}
    evidence:
      - quote: On 1 March 2024, Armenia signed the treaty.
        attributed_to: armenpress
"""


@pytest.mark.parametrize(("quantity", "amount", "line", "problem"), [
    ("12", "2_007", 13, "'amount' must be a number, found '2_007'"),
    ("12", "0x7D7", 13, "'amount' must be a number, found '0x7D7'"),
    ("12", "1e999999999", 13, "'amount' must be a number, found '1e999999999'"),
    ("0x10", "2007", 12, "'quantity' must be a whole number, found '0x10'"),
    ("1" * 5000, "2007", 12, "'quantity' must be a whole number, found '1111111111"),
    ('"' + "1" * 5000 + '"', "2007", 12, "'quantity' must be a whole number, found '1111111"),
])
def test_numbers_are_exact_and_a_5000_digit_one_is_a_located_error(built, cli, tmp_path,
                                                                  quantity, amount, line,
                                                                  problem) -> None:
    project, args = built
    path = incoming(tmp_path, TRANSFER.format(quantity=quantity, amount=amount))
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 1
    located = [text for text in out.splitlines() if text.startswith(f"{path}:{line}: error")]
    assert any(problem in text for text in located), out
    assert max(len(text) for text in out.splitlines()) < 300  # never the whole number


def test_a_1_5e9_amount_is_exact(tmp_project) -> None:
    (tmp_project.graphs_dir / "sources" / "note.txt").write_text(NOTE, "utf-8")
    (tmp_project.graphs_dir / "deal.yaml").write_text(
        TRANSFER.format(quantity=12, amount="1.5e9").replace("texts/", "sources/"), "utf-8")
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "deal.yaml")
    value = graph.value(ID["russia-arms-azerbaijan-2024"], CKG.value)
    assert graph.value(value, CKG.amount) == Literal("1500000000", datatype=XSD.decimal)


@pytest.mark.parametrize(("replace", "by", "line", "message"), [
    ("    label: Armenia signs the CFE Treaty\n",
     "    label: Armenia signs the CFE Treaty\n    note: [first, second]\n", 10,
     "'note' must be text, not a list of 2"),
    ("  publisher: armenpress\n", "  publisher: armenpress\n  note: {a: b}\n", 6,
     "'note' in 'source' must be text, not a mapping"),
    ("  publisher: armenpress\n", "  publisher: [armenpress, reuters]\n", 5,
     "'publisher' in 'source' must be text, not a list of 2"),
    ("        attributed_to: armenpress\n",
     "        attributed_to: armenpress\n        note: [a]\n", 16,
     "'note' in evidence must be text, not a list of 1"),
    ("        attributed_to: armenpress\n", "        attributed_to: [armenpress]\n", 15,
     "'attributed_to' in evidence must be text, not a list of 1"),
    ("  - id: armenia-signs-cfe-2024\n", "  - id: 12345\n", 7,
     "'id' must be text, not the number 12345"),
    ("    type: Signature\n", "    type: [Signature]\n", 8,
     "'type' must be the name of a class, not a list of 1"),
])
def test_a_known_key_of_the_wrong_shape_is_an_error_naming_it(built, cli, tmp_path, replace,
                                                              by, line, message) -> None:
    """A list-valued `note:` was dropped without a word; `id: 12345` was "has no 'id'"."""
    project, args = built
    assert replace in FACTS
    path = incoming(tmp_path, FACTS.replace(replace, by))
    before = state(project)
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 1
    assert f"{path}:{line}: error" in out and message in out, out
    code, out, err = cli(*args, "add", path)
    clean(out, err)
    assert code == 1 and message in out and "rejected: nothing was changed" in out
    assert state(project) == before


@pytest.mark.parametrize("body", ["", "# only a comment\n", "{}\n", "events: []\nactors:\n"])
def test_an_empty_fact_file_is_refused(built, cli, tmp_path, body) -> None:
    project, args = built
    path = incoming(tmp_path, body)
    before = state(project)
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 1
    assert f"{path}:1: error: the file is empty: it declares no source and no entries" in out
    code, out, err = cli(*args, "add", path)
    clean(out, err)
    assert code == 1 and "the file is empty" in out
    assert state(project) == before


# --------------------------------------------------------------------------------------------
# Imports with nothing left to import


def sipri_header() -> str:
    text = (FIXTURES / "sipri_register_ISR_AZE.csv").read_text("latin-1")
    return text.split("Recipient,Supplier", 1)[0] + "Recipient,Supplier" + \
        text.split("Recipient,Supplier", 1)[1].split("\n", 1)[0] + "\n"


def test_an_import_whose_250003_records_are_all_skipped_is_refused(built, cli,
                                                                    tmp_path) -> None:
    """Such a file was merged with exit 0 (a source document and no facts)."""
    project, args = built
    rows = "".join(f"Azerbaijan,Israel,20X{i % 10},,1\n" for i in range(250_003))
    path = tmp_path / "skipped.csv"
    path.write_text(sipri_header() + rows, "utf-8")
    before = state(project)
    code, out, err = cli(*args, "import", "sipri", path)
    clean(out, err)
    assert code == 1
    skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 21 and skipped[-1] == "skipped: ... and 249,983 more"
    assert skipped[0].startswith(f"skipped: {path}:")
    assert f"{path}: rejected: nothing to import: all 250,003 records were skipped as " \
           "malformed; nothing was changed" in err
    assert state(project) == before


@pytest.mark.parametrize(("dataset", "name", "content", "message"), [
    ("sipri", "header-only.csv", None, "the file holds no records"),
    ("unoda", "empty.json", "{}", "the file holds no records"),
    ("unoda", "no-actions.csv", "country,treaty,signature date,signature time,ratification date,"
     "ratification time,accession date,accession time\nArmenia,CFE,,,,,,\n",
     "of the 1 records, none of the others states anything to import"),
    ("rdf", "empty.ttl", "# nothing\n", "the file holds no triples"),
])
def test_an_import_with_nothing_to_import_is_refused(built, cli, tmp_path, dataset, name,
                                                     content, message) -> None:
    project, args = built
    path = tmp_path / name
    path.write_text(sipri_header() if content is None else content, "utf-8")
    before = state(project)
    code, out, err = cli(*args, "import", dataset, path)
    clean(out, err)
    assert code == 1
    assert f"{path}: rejected: nothing to import: {message}; nothing was changed" in err
    assert state(project) == before


# --------------------------------------------------------------------------------------------
# Finding 6 (at load): text no XML export can write


@pytest.mark.parametrize(("label", "line", "message"), [
    ('"Armenia\\x01 signs"', 9, "the text holds a control character (U+0001) at character 8"),
    ('"Armenia\\x0b signs"', 9, "the text holds a control character (U+000B)"),
    ('"\\uFFFE"', 9, "the text holds a non-character (U+FFFE)"),
    ('"\\ud800"', 9, "not valid YAML: while parsing a quoted scalar: found invalid Unicode "
     "character escape code"),
])
def test_labels_no_export_could_write_are_refused_at_load(built, cli, tmp_path, label, line,
                                                          message) -> None:
    """`label: "\\ud800"` ended in a traceback (UnicodeEncodeError)."""
    project, args = built
    path = incoming(tmp_path, FACTS.replace("label: Armenia signs the CFE Treaty",
                                            f"label: {label}"))
    before = state(project)
    for command, shown in (("validate", path), ("add", path.name)):
        code, out, err = cli(*args, command, path)
        clean(out, err)
        assert code == 2
        assert f"{shown}:{line}: error: " in out + err and message in out + err, out + err
    assert state(project) == before


def test_a_raw_control_character_in_a_fact_file_is_located(built, cli, tmp_path) -> None:
    project, args = built
    path = incoming(tmp_path, "")
    path.write_bytes(FACTS.replace("Treaty\n", "Treaty\x07\n", 1).encode())
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 2
    assert f"{path}:9: error: not valid YAML: the file holds the character U+0007, which " \
           "YAML does not allow (a control character)" in out


@pytest.mark.parametrize(("written", "message"), [
    ('"Georgia\\u0001"', "the control character U+0001 (written \\u0001)"),
    ('"Georgia\\b"', "the control character U+0008 (written \\b)"),
    ('"Georgia\\uFFFF"', "the non-character U+FFFF (written \\uFFFF)"),
])
def test_rdf_literals_no_export_could_write_are_refused_with_their_line(built, cli, tmp_path,
                                                                        written,
                                                                        message) -> None:
    project, args = built
    path = tmp_path / "label.ttl"
    path.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    '<https://w3id.org/caucasus-kg/id/georgia> rdfs:comment "a \\\\u0001 is '
                    'fine: the backslash is escaped" .\n'
                    f'<https://w3id.org/caucasus-kg/id/georgia> rdfs:comment {written}@en .\n',
                    "utf-8")
    before = state(project)
    for command, shown in (("validate", path), ("add", path.name)):
        code, out, err = cli(*args, command, path)
        clean(out, err)
        assert code == 2
        assert f"{shown}:3: error: the file holds {message}, which no literal may hold" \
            in out + err, out + err
    assert state(project) == before


def test_dataset_cells_keep_control_characters_as_pictures(built, cli, tmp_path) -> None:
    project, args = built
    text = (FIXTURES / "sipri_register_ISR_AZE.csv").read_bytes()
    path = tmp_path / "sipri_control.csv"
    path.write_bytes(text.replace(b",Part of $1.6 b deal,", b",Part of\x01 $1.6 b deal,", 1))
    code, out, err = cli(*args, "import", "sipri", path)
    clean(out, err)
    assert code == 0, err
    assert f"warning: {path}:" in err and "1 control character(s) (the first U+0001)" in err
    store = ox.Store.read_only(str(project.store_path))
    comments = {row["c"].value for row in store.query(
        "SELECT ?c WHERE { ?t a ckg:ArmsTransfer ; rdfs:comment ?c }", prefixes=PREFIXES,
        use_default_graph_as_union=True)}
    assert "Part of\u2401 $1.6 b deal" in comments
    assert not any("\x01" in c for c in comments)


# --------------------------------------------------------------------------------------------
# Finding 7: values that ended in tracebacks


@pytest.mark.parametrize("url", ['https://example.org/a>b', 'https://example.org/"quoted"',
                                 "https://example.org/a b"])
def test_a_url_no_iri_can_hold_is_a_located_error_everywhere(built, cli, tmp_path,
                                                             url) -> None:
    project, args = built
    body = FACTS.replace("  publisher: armenpress\n",
                         f"  publisher: armenpress\n  url: '{url}'\n")
    path = incoming(tmp_path, body)
    bad = next(c for c in '>" ' if c in url)
    expected = f"{path}:6: error in 'hardening-note': '{url}' is not a web address: it holds " \
               f"{bad!r}"
    before = state(project)
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 1 and expected in out, out
    code, out, err = cli(*args, "add", path)
    clean(out, err)
    assert code == 1 and "is not a web address" in out
    assert state(project) == before
    shutil.copytree(path.parent / "texts", project.graphs_dir / "texts")
    shutil.copy(path, project.graphs_dir / path.name)
    store_before = tree_digest(project.store_path.parent)
    code, out, err = cli(*args, "build")
    clean(out, err)
    assert code == 1 and "is not a web address" in err
    assert tree_digest(project.store_path.parent) == store_before
    shutil.rmtree(project.store_path.parent)
    code, out, err = cli(*args, "query", "who-suspended-cfe")  # no store: it builds one
    clean(out, err)
    assert code == 1
    assert "is not a web address" in err and "the graphs do not validate" in err
    assert not project.store_path.exists()


def test_a_5000_digit_rank_in_an_rdf_file_gives_a_short_message(built, cli, tmp_path) -> None:
    project, args = built
    path = tmp_path / "rank.ttl"
    path.write_text("<https://w3id.org/caucasus-kg/id/cawat-ranking-azerbaijan-2024> "
                    f"<https://w3id.org/caucasus-kg/ontology#rank> {'1' * 5000} .\n", "utf-8")
    code, out, err = cli(*args, "validate", path)
    clean(out, err)
    assert code == 1
    assert "contradiction: rank is 16 here but 1111" in out and "111... in " in out
    assert "rank; it has one value" in out
    assert max(len(line) for line in out.splitlines()) < 400


def test_the_command_line_refuses_these_files_without_a_traceback_end_to_end(built,
                                                                           tmp_path) -> None:
    """The same through the installed entry point, in a process of its own."""
    project, _ = built
    path = incoming(tmp_path, FACTS.replace("label: Armenia signs the CFE Treaty",
                                            'label: "\\ud800"'))
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project",
                           str(project.root), "validate", str(path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(
                              ROOT / "src")})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "found invalid Unicode character escape code" in done.stdout
