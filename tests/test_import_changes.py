"""`caucasus-kg import`: the same deal from both SIPRI layouts, re-importing a changed file,
RDF files, and progress lines.

The SIPRI inputs are committed excerpts (every Israel -> Azerbaijan deal) of the classic trade
register and of the newer one-row-per-delivery-year export described in
../shared/realdata/README.md: tests/fixtures/import/sipri_register_ISR_AZE.csv and
sipri_deliveries_ISR_AZE.csv. The newer export has 31 of the register's 32 deals (the
OptSat-500 satellite ordered in 2023 has no delivery yet and the export lists deliveries only).
The imports run on both stores (``proj`` and ``both_layouts`` are parametrized): the embedded one
and a SPARQL server, with the same assertions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run_cli as run
from conftest import STORES, built_copy, project_state, server_state, tree_digest
from test_import import select

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
REGISTER = FIXTURES / "sipri_register_ISR_AZE.csv"
DELIVERIES = FIXTURES / "sipri_deliveries_ISR_AZE.csv"




def transfers(root: Path) -> list[str]:
    return [r[0].rsplit("/", 1)[1] for r in select(root, """
        SELECT ?t WHERE { ?t a ckg:ArmsTransfer ; ckg:supplier id:israel ;
                          ckg:recipient id:azerbaijan ; ckg:tivPerUnit ?u }""")]


def per_year(root: Path) -> str:
    code, out, err = run("--project", root, "query", "deliveries-per-year", "--param",
                         "supplier=israel", "--param", "recipient=azerbaijan", "--format", "csv")
    assert code == 0, err
    return out


@pytest.fixture(params=STORES)
def proj(request, built_template, tmp_path):
    """A copy of the built project, on the embedded store or on a server store of its own."""
    yield from built_copy(request, built_template, tmp_path / "project", request.param)


# ------------------------------------------------------------------------------------------
# The same deal from the two SIPRI layouts
# ------------------------------------------------------------------------------------------

HERON = ("duplicate: {file}:26: deal 'Heron UAV' (SIPRI deal 53823) is already in the graph as "
         "'sipri-israel-to-azerbaijan-2011-heron' (imports/sipri-sipri_register_ISR_AZE.nt, "
         "row=15): its record was added to it as evidence; the two records differ: designation "
         "'Heron UAV' here, 'Heron' there")


@pytest.fixture(scope="module", params=STORES)
def both_layouts(request, built_template, tmp_path_factory):
    """The register imported, then the newer export of the same deals."""
    folder = tmp_path_factory.mktemp("layouts") / "project"
    for root in built_copy(request, built_template, folder, request.param):
        code, out, err = run("--project", root, "import", "sipri", REGISTER)
        assert code == 0, out + err
        before = per_year(root)
        code, out, err = run("--project", root, "import", "sipri", DELIVERIES)
        assert code == 0, out + err
        yield root, before, out, err


def test_newer_export_merges_into_the_register_deals(both_layouts) -> None:
    root, before, out, err = both_layouts
    assert HERON.format(file=DELIVERIES) in err.splitlines()
    assert len([line for line in err.splitlines() if line.startswith("duplicate: ")]) == 31
    assert ("summary: 61 records read, 0 facts imported, 31 merged into existing transfers, "
            "0 skipped (malformed)") in err
    assert "merged: imports/sipri-sipri_deliveries_ISR_AZE.nt" in out
    found = transfers(root)
    assert len(found) == 32 and not [t for t in found if t.startswith("sipri-at-")]
    assert "sipri-israel-to-azerbaijan-2023-optsat-500" in found


def test_merged_deal_has_evidence_from_both_files(both_layouts) -> None:
    root = both_layouts[0]
    rows = select(root, """
        SELECT ?record ?fragment ?file WHERE {
          id:sipri-israel-to-azerbaijan-2013-spike-nlos ckg:hasEvidence ?ev .
          ?ev ckg:recordId ?record ; oa:hasTarget ?t .
          ?t oa:hasSelector/rdf:value ?fragment ; oa:hasSource/dct:identifier ?file }""")
    assert rows == [("19", "row=19", "sipri_register_ISR_AZE.csv")] + [
        ("57601", f"row={n}", "sipri_deliveries_ISR_AZE.csv") for n in range(55, 60)]
    # the LORA launcher and the LORA missile: same order year, told apart by TIV per unit
    assert select(root, """SELECT ?r WHERE { id:sipri-israel-to-azerbaijan-2017-lora-2
        ckg:hasEvidence/ckg:recordId ?r }""") == [("40",), ("61951",)]


def test_second_layout_does_not_change_the_tiv_answers(both_layouts) -> None:
    root, before, _, _ = both_layouts
    after = per_year(root)
    assert after == before
    assert after.splitlines()[8] == "2014,28.5,53,2"


def test_register_after_the_newer_export_merges_the_other_way(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", DELIVERIES)
    assert code == 0, out + err
    assert "summary: 61 records read, 31 facts imported" in err
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    assert ("summary: 32 records read, 1 facts imported, 31 merged into existing transfers"
            in err)
    assert (f"duplicate: {REGISTER}:15: deal 'Heron' is already in the graph as "
            "'sipri-at-53823' (imports/sipri-sipri_deliveries_ISR_AZE.nt, row=26): its record "
            "was added to it as evidence; the two records differ: designation 'Heron' here, "
            "'Heron UAV' there") in err.splitlines()
    found = transfers(proj)
    assert len(found) == 32
    assert [t for t in found if not t.startswith("sipri-at-")] == [
        "sipri-israel-to-azerbaijan-2023-optsat-500"]


def test_ambiguous_deal_is_reported_and_kept_apart(proj, tmp_path) -> None:
    """Two register deals share supplier, recipient, order year, TIV per unit, and neither
    designation nor deliveries tell which one a newer-export deal is."""
    code, out, err = run("--project", proj, "import", "sipri", REGISTER)
    assert code == 0, out + err
    lines = DELIVERIES.read_text("utf-8").splitlines(keepends=True)
    # deal 52992 (Aerostar, 2010, 0.1 per unit) under another designation, delivered otherwise
    odd = tmp_path / "odd.csv"
    odd.write_text("".join(lines[:12]) +
                   "99999,Israel,Azerbaijan,Drone,UAV,Aircraft,2007,No,3,No,2009,No,New,"
                   "0.1,0.1,0.3,No\n" +
                   "99998,Israel,Azerbaijan,Drone,UAV,Aircraft,2007,No,3,No,2009,No,New,"
                   "0.1,0.1,0.3,No\n", "utf-8")
    code, out, err = run("--project", proj, "import", "sipri", odd)
    assert code == 0, out + err
    assert (f"duplicate: {odd}:13: deal 'Drone' (SIPRI deal 99999) is already in the graph "
            "as 'sipri-israel-to-azerbaijan-2007-aerostar' (imports/sipri-sipri_register_ISR_AZE"
            ".nt, row=32): its record was added to it as evidence; the two records differ: "
            "designation 'Drone' here, 'Aerostar' there; number delivered 3 here, 4 there; "
            "delivery years 2009 here, 2008 there") in err.splitlines()
    assert "summary: 2 records read, 1 facts imported, 1 merged" in err
    assert "sipri-at-99998" in transfers(proj)


# ------------------------------------------------------------------------------------------
# Re-importing a changed file
# ------------------------------------------------------------------------------------------

def _changed_register(path: Path, harop: str | None = None, drop_last: bool = False) -> None:
    lines = REGISTER.read_bytes().decode("latin-1").splitlines(keepends=True)
    assert lines[16].startswith("Azerbaijan,Israel,2014,?,100,?,Harop,")
    if harop is not None:
        lines[16] = harop
    if drop_last:
        assert "Shaldag" in lines[-1]
        lines = lines[:-1]
    path.write_bytes("".join(lines).encode("latin-1"))


def test_changed_file_replaces_its_earlier_import(proj, tmp_path) -> None:
    path = tmp_path / "register.csv"
    shutil.copyfile(REGISTER, path)
    code, out, err = run("--project", proj, "import", "sipri", path)
    assert code == 0, out + err
    assert len(transfers(proj)) == 32
    _changed_register(path, "Azerbaijan,Israel,2014,?,100,?,Harop,loitering munition,90,,"
                            "2015; 2016; 2017,New,,0.6,60,54\r\n", drop_last=True)
    code, out, err = run("--project", proj, "import", "sipri", path)
    assert code == 0, out + err
    assert out.splitlines()[0] == (
        "replaces the earlier import imports/sipri-register.nt: 0 fact(s) added, 1 removed, "
        "1 changed (2 triples added, 42 removed)")
    found = transfers(proj)
    assert len(found) == 31 and "sipri-israel-to-azerbaijan-2013-shaldag" not in found
    harop = "id:sipri-israel-to-azerbaijan-2014-harop"
    assert select(proj, f"""SELECT ?n ?tiv WHERE {{ {harop} ckg:numberDelivered ?n ;
        ckg:tivDelivered ?tiv }}""") == [("90", "54")]
    assert select(proj, f"SELECT ?y WHERE {{ {harop} ckg:deliveryYear ?y }}") == [
        ("2015",), ("2016",), ("2017",)]
    graph_file = (proj / "imports" / "sipri-register.nt").read_text("utf-8")
    assert "shaldag" not in graph_file and '"54"^^' in graph_file
    assert not (proj / ".caucasus-kg" / "replaced").exists()
    # the same changed file again: nothing to do
    before = project_state(proj)
    code, out, _ = run("--project", proj, "import", "sipri", path)
    assert code == 0 and out.startswith("unchanged: imports/sipri-register.nt")
    assert project_state(proj) == before
    # and a later build from the files gives the same transfers
    code, _, err = run("--project", proj, "build")
    assert code == 0, err
    assert len(transfers(proj)) == 31


def test_changed_file_that_fails_the_checks_changes_nothing(proj, tmp_path) -> None:
    path = tmp_path / "register.csv"
    shutil.copyfile(REGISTER, path)
    code, out, err = run("--project", proj, "import", "sipri", path)
    assert code == 0, out + err
    before = project_state(proj)
    _changed_register(path, "Azerbaijan,Azerbaijan,2014,?,100,?,Harop,loitering munition,100,,"
                            "2015; 2016; 2017; 2018,New,,0.6,60,60\r\n")
    code, out, err = run("--project", proj, "import", "sipri", path)
    assert code == 1, out + err
    assert ("would replace the earlier import imports/sipri-register.nt: 1 fact(s) added, "
            "1 removed, 0 changed") in out
    # located at the dataset row the fact came from
    assert (f"{path}:17: error in 'sipri-azerbaijan-to-azerbaijan-2014-harop': The supplier "
            "(ckg:supplier) must be an actor other than the recipient") in out
    assert "rejected: nothing was changed" in out
    assert project_state(proj) == before
    assert "sipri-israel-to-azerbaijan-2014-harop" in transfers(proj)


def inputs_and_server(root: Path) -> str:
    """graphs/ and imports/ byte for byte, and the server's content when it is the store."""
    from caucasus_kg.core.project import find_project

    url = find_project(root).store_url
    return tree_digest(root / "graphs", root / "imports") + (server_state(url) if url else "")


CRASH_POINTS = {"embedded": ["journal-written", "file-moved", "store-moved-aside", "store-swapped"],
                "server": ["journal-written", "store-copied", "file-moved"]}


@pytest.mark.parametrize(("proj", "step"),
                         [(kind, step) for kind in STORES for step in CRASH_POINTS[kind]],
                         indirect=["proj"])
def test_replacing_import_killed_midway_is_rolled_back(proj, tmp_path, step) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "register.csv"
    shutil.copyfile(REGISTER, path)
    assert run("--project", proj, "import", "sipri", path)[0] == 0
    before = inputs_and_server(proj)
    old_transfers = transfers(proj)
    _changed_register(path, drop_last=True)
    env = dict(os.environ, CAUCASUS_KG_FAULT_INJECTION=step)
    result = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(proj),
                             "import", "sipri", str(path)], env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 137, result.stderr
    code, _, err = run("--project", proj, "query", "who-suspended-cfe")
    assert code == 0
    assert "rolled back a merge that was interrupted" in err
    assert inputs_and_server(proj) == before
    assert transfers(proj) == old_transfers


def test_dry_run_of_a_changed_file_changes_nothing(proj, tmp_path) -> None:
    path = tmp_path / "register.csv"
    shutil.copyfile(REGISTER, path)
    assert run("--project", proj, "import", "sipri", path)[0] == 0
    before = project_state(proj)
    _changed_register(path, drop_last=True)
    code, out, err = run("--project", proj, "import", "sipri", path, "--dry-run")
    assert code == 0, out + err
    assert out.splitlines()[0] == (
        "would replace the earlier import imports/sipri-register.nt: 0 fact(s) added, 1 removed, "
        "0 changed (0 triples added, 39 removed)")
    assert project_state(proj) == before


# ------------------------------------------------------------------------------------------
# RDF files
# ------------------------------------------------------------------------------------------

TURTLE = """\
@prefix ckg: <https://w3id.org/caucasus-kg/ontology#> .
@prefix id: <https://w3id.org/caucasus-kg/id/> .
@prefix src: <https://w3id.org/caucasus-kg/source/> .
@prefix weapon: <https://w3id.org/caucasus-kg/vocab/weapon-category/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

id:turkish-drones-rdf a ckg:ArmsTransfer ;
    rdfs:label "Turkish drones for Azerbaijan (from an RDF file)"@en ;
    ckg:supplier id:turkiye ; ckg:recipient id:azerbaijan ; ckg:weaponCategory weapon:drones ;
    ckg:hasEvidence <https://w3id.org/caucasus-kg/id/turkish-drones-rdf/evidence/1> .
<https://w3id.org/caucasus-kg/id/turkish-drones-rdf/evidence/1> a ckg:Evidence , oa:Annotation ;
    ckg:supports id:turkish-drones-rdf ; oa:hasBody id:turkish-drones-rdf ;
    prov:wasAttributedTo id:davit-harutyunov ;
    oa:hasTarget [ a oa:SpecificResource ;
        oa:hasSource src:armenpress-azerbaijan-arms-imports ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "QUOTE" ] ] .
""".replace("QUOTE", "Azerbaijan is mostly combining Russian heavy weaponry with drones bought "
                     "from Israel and Turkiye")


def test_import_rdf_file_with_its_dataset_document(proj, tmp_path) -> None:
    path = tmp_path / "drones.ttl"
    path.write_text(TURTLE, "utf-8")
    code, out, err = run("--project", proj, "import", "rdf", path)
    assert code == 0, out + err
    assert "merged: imports/rdf-drones.nt" in out
    assert "summary: 17 records read, 1 facts imported" in err
    rows = select(proj, """SELECT ?doc ?id ?title WHERE {
        id:turkish-drones-rdf prov:wasDerivedFrom ?doc .
        ?doc a ckg:SourceDocument , dcmitype:Dataset ; dct:identifier ?id ; dct:title ?title }""")
    assert rows == [("https://w3id.org/caucasus-kg/source/rdf-drones", "drones.ttl",
                     "RDF file drones.ttl")]
    assert select(proj, """SELECT ?who WHERE { id:turkish-drones-rdf ckg:supplier ?who }""") \
        == [("https://w3id.org/caucasus-kg/id/turkiye",)]
    written = (proj / "imports" / "rdf-drones.nt").read_text("utf-8")
    lines = written.splitlines()
    assert lines == sorted(lines)
    # the same file again: the canonical blank-node labels give the same bytes
    code, out, _ = run("--project", proj, "import", "rdf", path)
    assert code == 0 and out.startswith("unchanged: imports/rdf-drones.nt")


def test_import_rdf_runs_the_add_checks(proj, tmp_path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(TURTLE.replace("combining Russian", "combining Soviet"), "utf-8")
    before = project_state(proj)
    code, out, err = run("--project", proj, "import", "rdf", path)
    assert code == 1, out + err
    assert "error in 'turkish-drones-rdf': The quote \"Azerbaijan is mostly combining Soviet" in out
    assert project_state(proj) == before


def test_import_rdf_syntax_error_names_the_line(proj, tmp_path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(TURTLE.replace("ckg:supplier id:turkiye ;", "ckg:supplier id:turkiye ;;;."),
                    "utf-8")
    code, _, err = run("--project", proj, "import", "rdf", path)
    assert code == 2
    assert f"{path}:11" in err


# ------------------------------------------------------------------------------------------
# Progress
# ------------------------------------------------------------------------------------------

def test_progress_lines_on_request(proj) -> None:
    code, out, err = run("--project", proj, "import", "sipri", REGISTER, "--progress",
                         "--dry-run")
    assert code == 0, out + err
    lines = [line for line in err.splitlines() if line.startswith("progress: ")]
    assert lines[0].startswith("progress: read 32 records, 0 malformed (")
    assert lines[1].startswith("progress: converted to 1,254 triples (")
    assert lines[2].startswith("progress: checking 1,254 triples against the graph (")
    assert lines[-1].startswith("progress: checked (")
    assert err.splitlines()[-1].startswith("summary: 32 records read")


def test_no_progress_lines_by_default_when_not_a_terminal(proj) -> None:
    code, _, err = run("--project", proj, "import", "sipri", REGISTER, "--dry-run")
    assert code == 0
    assert "progress:" not in err


def test_progress_reports_records_per_second_while_reading() -> None:
    from caucasus_kg.sources.importers import sipri
    from caucasus_kg.sources.importers.progress import Progress

    said: list[str] = []
    progress = Progress(said.append, interval=0.0)
    parsed = sipri.parse(DELIVERIES, progress=progress.records)
    assert parsed.read == 61
    reading = [s for s in said if s.startswith("progress: reading: ")]
    assert len(reading) == 61
    assert reading[-1].startswith("progress: reading: 61 records, ")
    assert reading[-1].endswith(" records/s")


def test_register_record_broken_by_a_line_break_is_read_whole(tmp_path) -> None:
    """The classic register has four records whose comments hold an unquoted line break (for
    example line 5432 of the 13 Mar 2025 export)."""
    from caucasus_kg.sources.importers import sipri

    lines = REGISTER.read_bytes().decode("latin-1").splitlines(keepends=True)
    assert lines[13].startswith("Azerbaijan,Israel,2011,?,5,?,Searcher,")
    lines[13] = lines[13].replace("Part of $1.6 b deal,", "Part of $1.6 b\ndeal,")
    path = tmp_path / "broken.csv"
    path.write_bytes("".join(lines).encode("latin-1"))
    parsed = sipri.parse(path)
    assert (parsed.read, len(parsed.records), parsed.problems) == (32, 32, [])
    assert [w.render("f") for w in parsed.warnings] == [
        "f:14: the record continues on the next line (a line break inside its comments); the "
        "two lines were read as one record"]
    searcher = next(t for t in parsed.records if t.designation == "Searcher")
    assert (searcher.comments, searcher.tiv_delivered, searcher.lines) == (
        "Part of $1.6 b deal", sipri.Decimal("1.5"), [14])
    heron = next(t for t in parsed.records if t.designation == "Heron")
    assert heron.lines == [16]
