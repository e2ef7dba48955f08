"""`caucasus-kg import unoda`: the second UNODA layout of the same harvest adds evidence to the
actions the first one imported, instead of being rejected for declaring their ids again.

Inputs are committed excerpts of the two files described in ../shared/realdata/README.md:
tests/fixtures/import/unoda_cfe_status.csv (31 rows of the per-country CSV) and
unoda_cfe_treatydata.json (the same 31 country/treaty records copied from the JSON:
the CFE Treaty's 30 parties and Canada's Mine Ban Convention). unoda_cfe_turkey_redated.json is
the JSON's Turkey/CFE record with its ratification moved from 1992-07-08 to 1992-07-18, to
make a record that disagrees with the graph.

The CSV has no succession column: Slovakia's and the Czech Republic's CFE successions (JSON)
are accessions there, so those two stay separate actions of another kind. The shipped graph
records both successions from 1 January 1993 (graphs/cfe-participation.yaml): the JSON's records,
which date them by the instruments deposited in 1996, are kept as UNODA's claims; the graph also
holds the United States' and Canada's ratifications, which the records of both files support.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run_cli as run
from conftest import tree_digest
from test_import import select

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
CSV = FIXTURES / "unoda_cfe_status.csv"
JSON = FIXTURES / "unoda_cfe_treatydata.json"
REDATED = FIXTURES / "unoda_cfe_turkey_redated.json"
CFE = "Treaty on Conventional Armed Forces in Europe (CFE)"
DATES = ("1991-06-01", "1992-08-01", "1997-01-01", "2020-01-01")




def actions(root: Path) -> list[tuple[str, str, str]]:
    """Every UNODA treaty action: (id, class, date)."""
    return [(a.rsplit("/", 1)[1], c.rsplit("#", 1)[1], d) for a, c, d in select(root, """
        SELECT ?a ?c ?d WHERE {
          VALUES ?c { ckg:Signature ckg:Ratification ckg:Accession ckg:Succession }
          ?a a ?c ; ckg:date ?d .
          FILTER (STRSTARTS(STR(?a), "https://w3id.org/caucasus-kg/id/unoda-")) }""")]


def status(root: Path) -> dict[str, str]:
    """treaty-status-as-of on the CFE Treaty at each of DATES, as CSV."""
    answers = {}
    for date in DATES:
        code, out, err = run("--project", root, "query", "treaty-status-as-of",
                             "--param", f"date={date}", "--format", "csv")
        assert code == 0, err
        answers[date] = out
    return answers


def evidence_of(root: Path, fact: str) -> list[tuple[str, str, str]]:
    return select(root, f"""
        SELECT ?record ?fragment ?file WHERE {{
          id:{fact} ckg:hasEvidence ?ev .
          ?ev ckg:recordId ?record ; ckg:supports id:{fact} ; oa:hasTarget ?t .
          ?t oa:hasSelector/rdf:value ?fragment ; oa:hasSource/dct:identifier ?file }}""")


def _import(root: Path, path: Path) -> tuple[str, str]:
    code, out, err = run("--project", root, "import", "unoda", path)
    assert code == 0, out + err
    return out, err


def _first_then_second(built_template: Path, folder: Path, first: Path, second: Path) -> tuple:
    """A copy of the project with ``first`` imported, then ``second``: the project, the actions
    and treaty status after the first import alone, and the second import's output."""
    root = folder / "project"
    shutil.copytree(built_template, root)
    _import(root, first)
    alone = actions(root), status(root)
    out, err = _import(root, second)
    return root, alone, out, err


@pytest.fixture(scope="module")
def json_then_csv(built_template, tmp_path_factory):
    return _first_then_second(built_template, tmp_path_factory.mktemp("json-csv"), JSON, CSV)


@pytest.fixture(scope="module")
def csv_then_json(built_template, tmp_path_factory):
    return _first_then_second(built_template, tmp_path_factory.mktemp("csv-json"), CSV, JSON)


@pytest.fixture
def both(json_then_csv, tmp_path) -> Path:
    """A writable copy of the project with the JSON and then the CSV imported."""
    root = tmp_path / "project"
    shutil.copytree(json_then_csv[0], root)
    return root


def test_csv_after_json_merges_as_evidence(json_then_csv) -> None:
    root, (alone, _), out, err = json_then_csv
    # 21 signatures (the Soviet Union's once), 26 ratifications (the graph held the United
    # States' and Canada's), and Canada's signature and ratification of the Mine Ban Convention
    assert len(alone) == 21 + 26 + 2
    assert "merged: imports/unoda-unoda_cfe_status.nt" in out
    assert ("summary: 31 records read, 2 facts imported, 58 merged into existing treaty "
            "actions, 0 skipped (malformed)") in err
    # the graph's successions date from 1993, not from the day of the CSV's accessions: no
    # action of the graph on the same day to point out
    assert [line for line in err.splitlines() if line.startswith("disagreement: ")] == []
    after = actions(root)
    assert len(after) == 21 + 26 + 2 + 2
    assert sorted(set(after) - set(alone)) == [
        ("unoda-czechia-accession-cfe-treaty", "Accession", "1996-12-11"),
        ("unoda-slovakia-accession-cfe-treaty", "Accession", "1996-10-22")]
    # the CSV's graph declares no action it shares with the JSON: only evidence for them
    declared = select(root, """SELECT ?a WHERE { GRAPH <https://w3id.org/caucasus-kg/graph/
        unoda-unoda_cfe_status> { ?a a ?c } ?c rdfs:subClassOf* ckg:TreatyAction }"""
                      .replace("\n        ", ""))
    assert [a.rsplit("/", 1)[1] for (a,) in declared] == [
        "unoda-czechia-accession-cfe-treaty", "unoda-slovakia-accession-cfe-treaty"]


def test_merged_action_has_evidence_from_both_files(json_then_csv) -> None:
    root = json_then_csv[0]
    assert evidence_of(root, "unoda-armenia-ratification-cfe-treaty") == [
        ("Armenia/" + CFE, f"/Armenia/{CFE}/actions/1", "unoda_cfe_treatydata.json"),
        ("Armenia/" + CFE, "row=11", "unoda_cfe_status.csv")]
    # the Soviet signature: the JSON's and the CSV's rows of every successor listing it
    soviet = evidence_of(root, "unoda-soviet-union-signature-cfe-treaty")
    assert len(soviet) == 16
    assert ("Azerbaijan/" + CFE, "row=5", "unoda_cfe_status.csv") in soviet
    assert ("Azerbaijan/" + CFE, f"/Azerbaijan/{CFE}/actions/0",
            "unoda_cfe_treatydata.json") in soviet
    assert [r[0] for r in select(root, """SELECT ?d WHERE {
        id:unoda-armenia-ratification-cfe-treaty ckg:date ?d }""")] == ["1992-10-12"]


def test_the_order_of_the_imports_does_not_change_the_actions(json_then_csv,
                                                              csv_then_json) -> None:
    first, second = json_then_csv[0], csv_then_json[0]
    assert actions(first) == actions(second)
    _, _, out, err = csv_then_json
    # the JSON's two successions, dated otherwise in the graph, are kept as UNODA's claims
    assert ("summary: 31 records read, 2 facts imported, 58 merged into existing treaty "
            "actions, 2 disagreement(s) listed above") in err
    assert evidence_of(second, "unoda-armenia-ratification-cfe-treaty") == \
        evidence_of(first, "unoda-armenia-ratification-cfe-treaty")


def test_treaty_status_is_the_same_with_one_or_both_imported(json_then_csv,
                                                             csv_then_json) -> None:
    root, (_, json_alone), _, _ = json_then_csv
    _, (_, csv_alone), _, _ = csv_then_json
    assert status(root) == status(csv_then_json[0]) == csv_alone
    iri = "https://w3id.org/caucasus-kg/id/"  # CSV writes IRIs in full
    assert (f"Armenia,party,1992-10-12,ratification,,,,,{iri}"
            "unoda-armenia-ratification-cfe-treaty," in json_alone["2020-01-01"].splitlines())
    # The CSV cannot tell a succession from an accession: once the CSV's accessions of 1996
    # are in effect, they decide the Czech Republic's and Slovakia's status (still party) in
    # place of the successions of 1993; otherwise the same answers.
    for date in DATES:
        differ = sorted(set(csv_alone[date].splitlines()) ^ set(json_alone[date].splitlines()))
        assert differ == ([] if date < "1996-12-11" else [
            f"Czechia,party,1993-01-01,succession,,,,,{iri}czechia-succeeds-to-cfe-1993,",
            f"Czechia,party,1996-12-11,accession,,,,,{iri}unoda-czechia-accession-cfe-treaty,",
            f"Slovakia,party,1993-01-01,succession,,,,,{iri}slovakia-succeeds-to-cfe-1993,",
            f"Slovakia,party,1996-10-22,accession,,,,,{iri}unoda-slovakia-accession-cfe-treaty,"]), \
            date


def test_validate_passes_after_both_imports(json_then_csv, csv_then_json) -> None:
    for root in (json_then_csv[0], csv_then_json[0]):
        code, out, err = run("--project", root, "validate")
        assert code == 0, out + err
        assert "0 error(s)" in out + err


def test_importing_either_file_again_changes_nothing(both) -> None:
    before = tree_digest(both / "graphs", both / "imports", both / ".caucasus-kg")
    for path, name in ((CSV, "unoda-unoda_cfe_status.nt"),
                       (JSON, "unoda-unoda_cfe_treatydata.nt")):
        code, out, err = run("--project", both, "import", "unoda", path)
        assert code == 0, out + err
        assert f"unchanged: imports/{name} already holds this import; nothing was changed" in out
    assert tree_digest(both / "graphs", both / "imports", both / ".caucasus-kg") == before


def test_changed_second_file_replaces_its_earlier_import(both, tmp_path) -> None:
    changed = tmp_path / CSV.name
    lines = CSV.read_text("utf-8").splitlines(keepends=True)
    assert lines[29].startswith("Hungary,")
    changed.write_text("".join(lines[:29] + lines[30:]), "utf-8")
    before = actions(both)
    code, out, err = run("--project", both, "import", "unoda", changed)
    assert code == 0, out + err
    assert ("replaces the earlier import imports/unoda-unoda_cfe_status.nt: 0 fact(s) added, "
            "2 removed, 2 changed (4 triples added, 40 removed)") in out
    assert "30 records read, 2 facts imported, 56 merged into existing treaty actions" in err
    # Hungary's actions stay, with the JSON's evidence only; Greece's rows moved up a line
    assert actions(both) == before
    assert [r[2] for r in evidence_of(both, "unoda-hungary-ratification-cfe-treaty")] == [
        "unoda_cfe_treatydata.json"]
    assert ("Greece/" + CFE, "row=30", CSV.name) in evidence_of(
        both, "unoda-greece-ratification-cfe-treaty")


def test_record_with_another_date_is_reported_and_kept_as_a_claim(both) -> None:
    root = both
    before = actions(root)
    code, out, err = run("--project", root, "import", "unoda", REDATED)
    assert code == 0, out + err
    claim = "unoda-turkiye-ratification-cfe-treaty-per-unoda-unoda-cfe-turkey-redated"
    assert [line for line in err.splitlines() if line.startswith("disagreement: ")] == [
        f"disagreement: {REDATED}: /Turkey/{CFE}/actions/1: Turkey/{CFE}: ratification dated "
        "1992-07-18 here, 1992-07-08 in the graph as 'unoda-turkiye-ratification-cfe-treaty' "
        "(imports/unoda-unoda_cfe_treatydata.nt): the graph keeps its date; this record is kept "
        f"as a claim by UNODA ('{claim}')"]
    assert ("summary: 1 records read, 1 facts imported, 1 merged into existing treaty actions, "
            "1 disagreement(s) listed above") in err
    # no second action; the stored date stands; the signature got the record as evidence
    assert actions(both) == before
    assert [r[0] for r in select(both, """SELECT ?d WHERE {
        id:unoda-turkiye-ratification-cfe-treaty ckg:date ?d }""")] == ["1992-07-08"]
    assert ("Turkey/" + CFE, f"/Turkey/{CFE}/actions/0", REDATED.name) in evidence_of(
        root, "unoda-turkiye-signature-cfe-treaty")
    # the other date is UNODA's claim about the action, with the record as its evidence
    assert select(root, f"""SELECT ?claimant ?stance ?about ?p ?o WHERE {{
        id:{claim} a ckg:Claim ; ckg:claimant ?claimant ; ckg:stance ?stance ;
            ckg:about ?about ; ckg:proposition [ rdf:predicate ?p ; rdf:object ?o ] }}""") == [
        ("https://w3id.org/caucasus-kg/id/unoda",
         "https://w3id.org/caucasus-kg/vocab/stance/asserts",
         "https://w3id.org/caucasus-kg/id/unoda-turkiye-ratification-cfe-treaty",
         "https://w3id.org/caucasus-kg/ontology#date", "1992-07-18")]
    assert evidence_of(root, claim) == [
        ("Turkey/" + CFE, f"/Turkey/{CFE}/actions/1", REDATED.name)]
    code, out, err = run("--project", both, "validate")
    assert code == 0, out + err
    # the answers keep the stored date
    code, out, _ = run("--project", both, "query", "treaty-status-as-of", "--param",
                       "date=1992-07-10", "--format", "csv")
    assert "Türkiye,party,1992-07-08,ratification,,,,,https://w3id.org/caucasus-kg/id/" \
        "unoda-turkiye-ratification-cfe-treaty," in out.splitlines()


def test_dry_run_of_the_second_file_changes_nothing(built_template, tmp_path) -> None:
    root = tmp_path / "project"
    shutil.copytree(built_template, root)
    _import(root, JSON)
    before = tree_digest(root / "graphs", root / "imports", root / ".caucasus-kg")
    code, out, err = run("--project", root, "import", "unoda", CSV, "--dry-run")
    assert code == 0, out + err
    assert "0 facts imported (2 would be), 58 would merge into existing treaty actions" in err
    assert "dry run: nothing was changed" in out
    assert tree_digest(root / "graphs", root / "imports", root / ".caucasus-kg") == before
