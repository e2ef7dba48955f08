"""`caucasus-kg import sipri|unoda FILE`: real dataset excerpts become facts with record evidence.

The fixtures in tests/fixtures/import/ are small excerpts copied unchanged from the SIPRI and
UNODA files described in ../shared/realdata/README.md (AZE/ARM rows, the CFE status rows).
The imports run on both stores (the ``imported`` and ``proj`` fixtures are parametrized): the
embedded one and a SPARQL server, with the same assertions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import run_cli
from conftest import STORES, built_copy, project_state

from caucasus_kg.core.project import find_project
from caucasus_kg.model.namespaces import PREFIXES
from caucasus_kg.ops.imports import nt_name
from caucasus_kg.sources.importers import sipri, unoda
from caucasus_kg.sources.importers.names import NameResolver, slugify

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
REGISTER = FIXTURES / "sipri_register_AZE_ARM.csv"
DELIVERIES = FIXTURES / "sipri_deliveries_AZE_ARM.csv"
UNODA_CSV = FIXTURES / "unoda_cfe_status.csv"


@pytest.fixture(params=STORES)
def proj(request, built_template, tmp_path):
    """A copy of the built project, on the embedded store or on a server store of its own."""
    yield from built_copy(request, built_template, tmp_path / "project", request.param)


@pytest.fixture(scope="module", params=STORES)
def imported(request, built_template, tmp_path_factory):
    """One project with all three fixtures imported (read-only for the tests using it)."""
    from cli_run import invoke

    folder = tmp_path_factory.mktemp("imported") / "project"
    for root in built_copy(request, built_template, folder, request.param):
        outputs = {}
        for dataset, path in (("sipri", REGISTER), ("sipri", DELIVERIES), ("unoda", UNODA_CSV)):
            result = invoke(["--project", str(root), "import", dataset, str(path)])
            assert result.exit_code == 0, result.output
            outputs[path.name] = (result.stdout, result.stderr)
        yield root, outputs


def select(root: Path, query: str) -> list[tuple[str, ...]]:
    """The rows of ``query`` on the project's store, whichever it is, as sorted strings."""
    from caucasus_kg.store.backends import open_backend

    backend = open_backend(find_project(root))
    result = backend.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    rows = [tuple("" if row[v] is None else row[v].value for v in result.variables)
            for row in result]
    backend.close()
    return sorted(rows)


def values(root: Path, node: str, prop: str) -> list[str]:
    return [r[0] for r in select(root, f"SELECT ?v WHERE {{ {node} {prop} ?v }}")]


def run(cli_args: list[str]) -> tuple[int, str, str]:
    return run_cli(*cli_args)


# ------------------------------------------------------------------------------------------
# SIPRI
# ------------------------------------------------------------------------------------------

MI17 = "id:sipri-russia-to-armenia-2020-mi-17"


def test_sipri_counts_and_lines_are_written_as_xsd_integer(imported):
    """Counts and source lines are written as xsd:integer, the type the store keeps, so the graph
    file and the store hold the same literals."""
    root, _ = imported
    lines = [line for path in sorted((root / "imports").glob("sipri-*.nt"))
             for line in path.read_text("utf-8").splitlines()]
    numbers = [line for line in lines
               if any(f"#{p}> " in line for p in ("numberOrdered", "numberDelivered",
                                                   "sourceLine"))]
    assert len(numbers) > 10
    assert all(line.endswith('"^^<http://www.w3.org/2001/XMLSchema#integer> .')
               for line in numbers), numbers[:3]
    assert not [line for line in lines if "positiveInteger" in line or "NegativeInteger" in line]

def test_sipri_register_exact_transfer(imported):
    root, _ = imported
    assert values(root, MI17, "a") == ["https://w3id.org/caucasus-kg/ontology#ArmsTransfer"]
    assert values(root, MI17, "ckg:supplier") == ["https://w3id.org/caucasus-kg/id/russia"]
    assert values(root, MI17, "ckg:recipient") == ["https://w3id.org/caucasus-kg/id/armenia"]
    assert values(root, MI17, "ckg:designation") == ["Mi-17"]
    assert values(root, MI17, "ckg:weaponDescription") == ["transport helicopter"]
    assert values(root, MI17, "ckg:weaponCategory") == [
        "https://w3id.org/caucasus-kg/vocab/weapon-category/aircraft"]
    assert values(root, MI17, "ckg:orderYear") == ["2020"]
    assert values(root, MI17, "ckg:orderYearEstimated") == ["true"]
    assert values(root, MI17, "ckg:numberOrdered") == ["4"]
    assert values(root, MI17, "ckg:numberOrderedEstimated") == ["true"]
    assert values(root, MI17, "ckg:numberDelivered") == ["4"]
    assert values(root, MI17, "ckg:numberDeliveredEstimated") == ["false"]
    assert values(root, MI17, "ckg:deliveryYear") == ["2022"]
    assert values(root, MI17, "ckg:tivPerUnit") == ["7.25"]
    assert values(root, MI17, "ckg:tivOrder") == ["29"]
    assert values(root, MI17, "ckg:tivDelivered") == ["29"]
    assert values(root, MI17, "ckg:secondHand") == ["false"]
    assert values(root, MI17, "rdfs:comment") == ["Armed Mi-8MTV-5 version"]


def test_sipri_register_evidence_points_at_the_row(imported):
    root, _ = imported
    rows = select(root, f"""
        SELECT ?record ?line ?fragment ?who ?issued ?publisher WHERE {{
          {MI17} ckg:hasEvidence ?ev .
          ?ev ckg:recordId ?record ; ckg:sourceLine ?line ; prov:wasAttributedTo ?who ;
              oa:hasTarget ?t .
          ?t oa:hasSource ?doc ; oa:hasSelector/rdf:value ?fragment .
          ?doc a ckg:SourceDocument , dcmitype:Dataset ; dct:issued ?issued ;
               dct:publisher ?publisher .
        }}""")
    sipri_iri = "https://w3id.org/caucasus-kg/id/sipri"
    # the newer export's deal 65217 is the same deal: its row is a second evidence
    assert rows == [("13", "13", "row=13", sipri_iri, "2025-03-13", sipri_iri),
                    ("65217", "14", "row=14", sipri_iri, "2025-01-03", sipri_iri)]
    assert values(root, "id:sipri", "rdfs:label") == [
        "Stockholm International Peace Research Institute"]


def test_the_sources_question_counts_each_row_as_a_dataset_record(imported):
    from caucasus_kg.read.queries import catalogue, run_query
    from caucasus_kg.store.backends import open_backend

    root, _ = imported
    project = find_project(root)
    result = run_query(catalogue(project.queries_dir)["sources"], open_backend(project))
    counts = {row[0].value.rsplit("/", 1)[1]: dict(zip(result.columns[-3:],
                                                       (int(c.value) for c in row[-3:]),
                                                       strict=True))
              for row in result.rows}
    lines = REGISTER.read_text("utf-8").splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("Recipient,"))
    data_rows = [line for line in lines[header + 1:] if line.strip()]
    assert counts["sipri-sipri-register-aze-arm"] == {"quotes": 0, "reports": 0,
                                                      "records": len(data_rows)}
    assert counts["armenpress-azerbaijan-arms-imports"]["records"] == 0


def test_sipri_register_more_transfers(imported):
    root, _ = imported
    sam = "id:sipri-russia-to-armenia-2007-5v55u"
    assert values(root, sam, "ckg:deliveryYear") == ["2009", "2010"]
    assert values(root, sam, "ckg:secondHand") == ["true"]
    assert values(root, sam, "ckg:tivOrder") == ["57.6"]
    assert values(root, sam, "ckg:weaponCategory") == [
        "https://w3id.org/caucasus-kg/vocab/weapon-category/missiles"]
    grad = "id:sipri-turkiye-to-azerbaijan-2010-t-122-300"
    assert values(root, grad, "ckg:supplier") == ["https://w3id.org/caucasus-kg/id/turkiye"]
    assert values(root, grad, "ckg:deliveryYear") == ["2012", "2013", "2014"]
    bell = "id:sipri-unknown-supplier-to-azerbaijan-2018-bell-412"
    assert values(root, bell, "ckg:supplier") == [
        "https://w3id.org/caucasus-kg/id/unknown-supplier"]
    # Armenia as a supplier
    assert values(root, "id:sipri-armenia-to-sudan-2005-an-32", "ckg:recipient") == [
        "https://w3id.org/caucasus-kg/id/sudan"]


def test_sipri_deal_values(imported):
    root, _ = imported
    rows = select(root, """
        SELECT ?fact ?prop ?amount ?currency WHERE {
          ?fact ?prop ?v . VALUES ?prop { ckg:value ckg:dealValue }
          ?v ckg:amount ?amount ; ckg:currency ?currency .
          FILTER (STRSTARTS(STR(?fact), "https://w3id.org/caucasus-kg/id/sipri-"))
        }""")
    short = {(r[0].rsplit("/", 1)[1], r[1].rsplit("#", 1)[1], r[2], r[3]) for r in rows}
    assert ("sipri-russia-to-armenia-2019-su-30k", "value", "120000000", "USD") in short
    assert ("sipri-israel-to-azerbaijan-2011-searcher", "dealValue", "1600000000", "USD") in short
    assert ("sipri-turkiye-to-azerbaijan-2010-t-122-300", "dealValue", "244000000",
            "USD") in short


def test_sipri_deliveries_rows_fold_into_deals(imported):
    root, _ = imported
    smerch = "id:sipri-at-61009"
    assert values(root, smerch, "ckg:deliveryYear") == ["2016", "2017"]
    assert values(root, smerch, "ckg:numberDelivered") == ["6"]
    assert values(root, smerch, "ckg:numberDeliveredEstimated") == ["true"]
    assert values(root, smerch, "ckg:tivDelivered") == ["7.2"]
    assert values(root, smerch, "ckg:tivPerUnit") == ["1.2"]
    assert values(root, smerch, "ckg:weaponCategory") == [
        "https://w3id.org/caucasus-kg/vocab/weapon-category/artillery"]
    assert values(root, smerch, "ckg:localProduction") == ["false"]
    assert len(values(root, smerch, "ckg:hasEvidence")) == 2
    assert sorted(r[0] for r in select(root, """SELECT ?id WHERE {
        id:sipri-at-61009 ckg:hasEvidence/ckg:recordId ?id }""")) == ["61009", "61009"]
    l39 = "id:sipri-at-53618"
    assert values(root, l39, "ckg:supplier") == ["https://w3id.org/caucasus-kg/id/ukraine"]
    assert values(root, l39, "ckg:deliveryYear") == ["2010", "2011"]
    assert values(root, l39, "ckg:tivDelivered") == ["7.2"]
    assert values(root, "id:sipri-at-56469", "ckg:localProduction") == ["true"]


def test_imported_transfers_answer_arms_procurements(imported):
    from caucasus_kg.read.queries import catalogue, run_query
    from caucasus_kg.read.results import cell_text
    from caucasus_kg.store.backends import open_backend

    root, _ = imported
    project = find_project(root)
    backend = open_backend(project)
    result = run_query(catalogue(project.queries_dir)["arms-procurements"], backend.reader(),
                       {"recipient": "armenia"})
    facts = {cell_text(row[-1]) for row in result.rows}
    backend.close()
    assert "id:sipri-russia-to-armenia-2020-mi-17" in facts


# ------------------------------------------------------------------------------------------
# UNODA
# ------------------------------------------------------------------------------------------

def test_every_imported_state_has_its_iso_codes(imported):
    """After the SIPRI and UNODA imports every state has ISO 3166 codes: the curated states those
    of their fact file, the states the importers created those ISO 3166 gives their names, the
    Soviet Union its ISO 3166-3 code. Each state has one alpha-3 code, on both stores."""
    root, _ = imported
    rows = select(root, """
        SELECT DISTINCT ?state ?alpha2 ?alpha3 ?alpha4 WHERE {
          ?s a ckg:State .
          OPTIONAL { ?s ckg:iso3166Alpha2 ?alpha2 }
          OPTIONAL { ?s ckg:iso3166Alpha3 ?alpha3 }
          OPTIONAL { ?s ckg:iso3166Alpha4 ?alpha4 }
          BIND (STRAFTER(STR(?s), "/id/") AS ?state)
        }""")
    assert [r for r in rows if not r[2]] == []
    assert len({r[0] for r in rows}) == len(rows) >= 30
    assert ("azerbaijan", "AZ", "AZE", "") in rows        # curated
    assert ("belarus", "BY", "BLR", "") in rows           # created by the SIPRI import
    assert ("czechia", "CZ", "CZE", "") in rows           # UNODA's "Czech Republic"
    assert ("moldova", "MD", "MDA", "") in rows           # UNODA's "Republic of Moldova"
    assert ("soviet-union", "", "SUN", "SUHH") in rows    # a former country


def test_unoda_cfe_actions(imported):
    root, _ = imported
    rows = select(root, """
        SELECT ?actor ?class ?date WHERE {
          ?fact ckg:treaty id:cfe-treaty ; ckg:actor ?a ; a ?c ; ckg:date ?date .
          FILTER (STRSTARTS(STR(?fact), "https://w3id.org/caucasus-kg/id/unoda-"))
          BIND (STRAFTER(STR(?a), "/id/") AS ?actor)
          BIND (STRAFTER(STR(?c), "#") AS ?class)
        }""")
    assert ("armenia", "Ratification", "1992-10-12") in rows
    assert ("azerbaijan", "Ratification", "1992-07-09") in rows
    assert ("russia", "Ratification", "1992-09-03") in rows
    assert ("turkiye", "Ratification", "1992-07-08") in rows
    assert ("slovakia", "Accession", "1996-10-22") in rows
    assert ("soviet-union", "Signature", "1990-11-19") in rows
    # the USSR-era signature is the Soviet Union's, not Armenia's or Azerbaijan's
    signers = {r[0] for r in rows if r[1] == "Signature"}
    assert "armenia" not in signers and "azerbaijan" not in signers and "russia" not in signers
    assert {"canada", "germany", "united-states", "turkiye"} <= signers
    # 28 ratifications, of which the graph held two (graphs/cfe-participation.yaml): their
    # records are evidence of the existing facts, with the same dates
    assert len([r for r in rows if r[1] == "Ratification"]) == 26
    assert ("united-states", "Ratification", "1992-01-29") not in rows
    assert values(root, "id:united-states-ratifies-cfe-1992", "ckg:date") == ["1992-01-29"]
    assert "United States of America/Treaty on Conventional Armed Forces in Europe (CFE)" in [
        r[0] for r in select(root, """SELECT ?rec WHERE {
            id:united-states-ratifies-cfe-1992 ckg:hasEvidence/ckg:recordId ?rec }""")]
    # the Soviet signature keeps every row that lists it as evidence
    records = [r[0] for r in select(root, """SELECT ?rec WHERE {
        id:unoda-soviet-union-signature-cfe-treaty ckg:hasEvidence/ckg:recordId ?rec }""")]
    assert "Armenia/Treaty on Conventional Armed Forces in Europe (CFE)" in records
    assert "Azerbaijan/Treaty on Conventional Armed Forces in Europe (CFE)" in records
    assert values(root, "id:soviet-union", "ckg:wikidata") == [
        "http://www.wikidata.org/entity/Q15180"]
    assert values(root, "id:soviet-union", "a") == [
        "https://w3id.org/caucasus-kg/ontology#State"]


def test_imported_facts_answer_the_treaty_queries(imported):
    root, _ = imported
    fact = "https://w3id.org/caucasus-kg/id/"  # CSV writes IRIs in full
    code, out, _ = run(["--project", root, "query", "treaty-status-as-of",
                        "--param", "date=1991-06-01", "--format", "csv"])
    assert code == 0
    lines = out.splitlines()
    assert f"Soviet Union,signatory,1990-11-19,signature,,,,,{fact}" \
           "unoda-soviet-union-signature-cfe-treaty," in lines
    assert f"Canada,signatory,1990-11-19,signature,,,,,{fact}unoda-canada-signature-cfe-treaty," \
        in lines
    code, out, _ = run(["--project", root, "query", "treaty-status-as-of",
                        "--param", "date=2020-01-01", "--format", "csv"])
    lines = out.splitlines()
    assert f"Armenia,party,1992-10-12,ratification,,,,,{fact}" \
           "unoda-armenia-ratification-cfe-treaty," in lines
    assert f"Russia,suspended,2007-12-12,suspension of participation,,,,,{fact}" \
           "russia-suspends-cfe-operation-2007," in lines
    assert not any(line.startswith("Soviet Union,") for line in lines)
    code, out, _ = run(["--project", root, "query", "treaty-status-as-of",
                        "--param", "date=2024-01-01", "--format", "csv"])
    lines = out.splitlines()
    assert f"Russia,withdrawn,2023-11-07,withdrawal,,,,,{fact}russia-withdraws-from-cfe-2023," \
        in lines
    assert any(line.startswith("United States,suspended,2023-12-07") for line in lines)
    # the imported ratifications make the NATO allies parties: the allies' suspension reaches
    # each of them (Canada, with dates of its own, and the United States act themselves)
    assert f"Germany,suspended,2023-12-07,suspension of participation,NATO allies of the United " \
           f"States,,,,{fact}nato-allies-suspend-cfe-2023," in lines
    code, out, _ = run(["--project", root, "query", "who-suspended-cfe", "--format", "csv"])
    assert code == 0
    allies = {line.split(",")[0] for line in out.splitlines()
              if ",NATO allies of the United States," in line}
    assert allies == {"Belgium", "Bulgaria", "Czechia", "Denmark", "France", "Germany", "Greece",
                      "Hungary", "Iceland", "Italy", "Luxembourg", "Netherlands", "Norway",
                      "Poland", "Portugal", "Romania", "Slovakia", "Spain", "Türkiye",
                      "United Kingdom"}
    # the header, Russia's three actions, the allies, the United States and Canada
    assert len(out.splitlines()) == 1 + 3 + 1 + len(allies) + 2


def test_unoda_csv_header_glitch_is_recovered_with_a_warning(imported):
    _, outputs = imported
    _, err = outputs[UNODA_CSV.name]
    assert f"{UNODA_CSV}:1: the header and the first record are on one line" in err
    parsed = unoda.parse(UNODA_CSV)
    assert parsed.read == 31 and not parsed.problems
    assert parsed.records[0].country == "Canada"


def test_unoda_json(tmp_path):
    data = {
        "Armenia": {"Treaty on Conventional Armed Forces in Europe (CFE)": {
            "dates": ["1990-11-19", "1992-10-12"], "actions": [
                "Signature", "Deposit of instruments of ratification"]},
            "signed": 1},
        "Russian Federation": {"Treaty on Conventional Armed Forces in Europe (CFE)": {
            "dates": ["1990-11-19", "1992-09-03"], "actions": [
                "Signature", "Deposit of instruments of ratification"]}},
        "Moldova": {"Chemical Weapons Convention": {
            "dates": ["1993-01-13", "1996-07-08"], "actions": ["Signature", "Disagreement"]}},
    }
    path = tmp_path / "treaties.json"
    path.write_text(json.dumps(data))
    parsed = unoda.parse(path)
    assert parsed.read == 3
    assert [p.message for p in parsed.problems] == [
        "Moldova/Chemical Weapons Convention: unknown action 'Disagreement'; "
        "the record was skipped"]
    kinds = sorted((a.country, a.kind, a.date, a.fragment) for a in parsed.records)
    assert kinds[0] == ("Armenia", "Ratification", "1992-10-12",
                        "/Armenia/Treaty on Conventional Armed Forces in Europe (CFE)/actions/1")
    resolver = NameResolver(known={"russia": "russia", "russian federation": "russia",
                                   "armenia": "armenia"}, known_ids={"russia", "armenia"})
    text = unoda.build(parsed, resolver, {"cfe": "cfe-treaty"}, set(), path.name,
                       "unoda-treaties").text()
    assert "<https://w3id.org/caucasus-kg/id/unoda-soviet-union-signature-cfe-treaty>" in text
    assert "unoda-armenia-signature" not in text


# ------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------

def test_name_normalisation():
    resolver = NameResolver(known={"russia": "russia", "türkiye": "turkiye",
                                   "united states": "united-states", "armenia": "armenia"},
                            known_ids={"russia", "turkiye", "united-states", "armenia"})
    assert resolver.resolve("Turkiye").slug == "turkiye"
    assert resolver.resolve("Turkey").slug == "turkiye"
    assert resolver.resolve("Russian Federation").slug == "russia"
    assert resolver.resolve("Russia").slug == "russia"
    assert resolver.resolve("United States of America").slug == "united-states"
    assert resolver.resolve("United States").slug == "united-states"
    soviet = resolver.resolve("Soviet Union")
    assert (soviet.slug, soviet.kind, soviet.wikidata, soviet.new) == (
        "soviet-union", "State", "Q15180", True)
    unknown = resolver.resolve("unknown supplier(s)")
    assert (unknown.slug, unknown.kind) == ("unknown-supplier", "Actor")
    assert resolver.resolve("Côte d'Ivoire").slug == "cote-d-ivoire"
    assert resolver.resolve("Hezbollah (Lebanon)*").kind == "Actor"
    assert resolver.resolve("NATO**").kind == "InternationalOrganisation"
    assert set(resolver.unsure) == {"Hezbollah (Lebanon)*", "NATO**"}
    assert sorted(resolver.created) == ["cote-d-ivoire", "hezbollah-lebanon", "nato",
                                        "soviet-union", "unknown-supplier"]
    assert not any(a.new for a in map(resolver.resolve, ["Turkey", "Russia"]))
    assert slugify("United Kingdom of Great Britain") == "united-kingdom-of-great-britain"


# ------------------------------------------------------------------------------------------
# Malformed rows, --strict, re-import, dry run, determinism
# ------------------------------------------------------------------------------------------

BAD_ROWS = ("Armenia,Russia,20x0,,4,,Mi-8,helicopter,4,,2022,New,,1,4,4\n"
            "Azerbaijan,Israel,2011\n")


def _with_bad_rows(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "register_with_bad_rows.csv"
    data = REGISTER.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    path.write_bytes(data + BAD_ROWS.encode())
    first_bad = data.count(b"\n") + 1
    return path, first_bad


def test_malformed_rows_are_reported_and_skipped(proj, tmp_path):
    path, line = _with_bad_rows(tmp_path)
    code, out, err = run(["--project", proj, "import", "sipri", path])
    assert code == 0, out + err
    assert (f"skipped: {path}:{line}: the year of order '20x0' is not a year; "
            "the row was skipped") in err
    assert f"skipped: {path}:{line + 1}: expected 16 columns, found 3; the row was skipped" in err
    assert "summary: 19 records read, 17 facts imported, 2 skipped (malformed)" in err
    assert "records/s" in err


def test_strict_fails_on_a_malformed_row_and_changes_nothing(proj, tmp_path):
    path, line = _with_bad_rows(tmp_path)
    before = project_state(proj)
    code, out, err = run(["--project", proj, "import", "sipri", path, "--strict"])
    assert code == 1
    assert f"error: {path}:{line}: the year of order '20x0' is not a year" in err
    assert "rejected (--strict): 2 malformed record(s); nothing was changed" in err
    assert project_state(proj) == before


def test_reimport_changes_nothing(proj):
    code, out, err = run(["--project", proj, "import", "sipri", REGISTER])
    assert code == 0, out + err
    name = nt_name("sipri", REGISTER)
    assert name == "sipri-sipri_register_AZE_ARM.nt"
    assert f"merged: imports/{name}" in out
    before = project_state(proj)
    code, out, err = run(["--project", proj, "import", "sipri", REGISTER])
    assert code == 0, out + err
    assert f"unchanged: imports/{name} already holds this import; nothing was changed" in out
    assert project_state(proj) == before


def test_dry_run_changes_nothing(proj):
    before = project_state(proj)
    code, out, err = run(["--project", proj, "import", "unoda", UNODA_CSV, "--dry-run"])
    assert code == 0, out + err
    assert "would merge: imports/unoda-unoda_cfe_status.nt" in out
    assert "dry run: nothing was changed" in out
    assert "0 facts imported (58 would be), 2 would merge into existing treaty actions" in err
    assert project_state(proj) == before


def test_output_is_sorted_n_triples_without_blank_nodes():
    def render() -> str:
        resolver = NameResolver(known={"russia": "russia"}, known_ids={"russia"})
        return sipri.build(sipri.parse(REGISTER), resolver, {}, set(), REGISTER.name,
                           "sipri-x").text()

    text = render()
    assert text == render()
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert "_:" not in text
    assert all(line.endswith(" .") for line in lines)


def test_unreadable_dataset_is_a_usage_error(proj, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just,some\ncsv,text\n")
    code, _, err = run(["--project", proj, "import", "sipri", path])
    assert code == 2
    assert "no SIPRI header line" in err


def test_explain_shows_the_dataset_record_behind_an_imported_fact(imported):
    root, _ = imported
    code, out, _ = run(["--project", root, "explain", MI17.replace("id:", "")])
    assert code == 0, out
    evidence = out[out.index("Evidence:"):].splitlines()
    assert evidence[1] == "  [1] dataset record row=14"
    assert evidence[2] == "      kind: dataset record"
    assert evidence[3] == "      attributed to: Stockholm International Peace Research Institute"
    assert evidence[4] == ("      source: SIPRI Arms Transfers Database export "
                           "(sipri_deliveries_AZE_ARM.csv) (src:sipri-sipri-deliveries-aze-arm, "
                           "published by Stockholm International Peace Research Institute)")
    assert evidence[5] == "  [2] dataset record row=13"
    assert evidence[6] == "      kind: dataset record"
    assert "(sipri_register_AZE_ARM.csv)" in evidence[8]


def test_the_newer_export_merges_the_mi17_deal_into_the_register_one(imported):
    """The two SIPRI fixtures share one deal (Mi-17 for Armenia, ordered 2020): the second
    import adds its row as evidence of the first's transfer instead of a second transfer."""
    root, outputs = imported
    _, err = outputs[DELIVERIES.name]
    assert (f"duplicate: {DELIVERIES}:14: deal 'Mi-17' (SIPRI deal 65217) is already in the "
            "graph as 'sipri-russia-to-armenia-2020-mi-17' (imports/sipri-sipri_register_AZE_ARM"
            ".nt, row=13): its record was added to it as evidence") in err.splitlines()
    assert ("summary: 20 records read, 11 facts imported, 1 merged into existing transfers"
            in err)
    assert select(root, "SELECT ?t WHERE { ?t a ckg:ArmsTransfer ; ckg:designation 'Mi-17' }") \
        == [("https://w3id.org/caucasus-kg/id/sipri-russia-to-armenia-2020-mi-17",)]
