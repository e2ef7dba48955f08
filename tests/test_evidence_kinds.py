"""Evidence for the real world: quotes of texts the project may not store, reports in the
curator's words, and the rules that keep the graph from showing anyone's words as a quote or
anyone's claim as a fact."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, tree_digest
from project_files import copy_project
from test_server import request, start_server, stop_server

from caucasus_kg.model.namespaces import PREFIXES

ARTICLE = "armenpress-azerbaijan-arms-imports"
STORED = f"text: sources/{ARTICLE}.txt"


def _count(store_path: Path, query: str) -> int:
    store = ox.Store.read_only(str(store_path))
    try:
        rows = list(store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True))
        return int(rows[0]["n"].value)
    finally:
        del store


# --- The founding article as a text kept outside the graph ---------------------------------------

def keep_the_article_elsewhere(graphs: Path, folder: Path) -> int:
    """Remove the article's stored copy from ``graphs``: the fact file keeps the quotes and gives
    the text's SHA-256; the text itself goes to the sources folder ``folder``, under another
    name. Returns how many quotes (and stated bases) the fact file has."""
    text_file = graphs / "sources" / f"{ARTICLE}.txt"
    text = text_file.read_bytes()
    text_file.unlink()
    fact_file = graphs / f"{ARTICLE}.yaml"
    yaml = fact_file.read_text("utf-8")
    assert STORED in yaml
    fact_file.write_text(yaml.replace(STORED, f"sha256: {hashlib.sha256(text).hexdigest()}"),
                         "utf-8")
    folder.mkdir()
    (folder / "the-article-under-another-name.txt").write_bytes(text)
    quotes = len(re.findall(r"^\s+- quote: ", yaml, re.MULTILINE))
    bases = len(re.findall(r"^\s+stated_basis: ", yaml, re.MULTILINE))
    return quotes + bases


@pytest.fixture
def anchored(tmp_project, tmp_path):
    """The project with the article kept outside it (:func:`keep_the_article_elsewhere`)."""
    folder = tmp_path / "private-sources"
    return tmp_project, folder, keep_the_article_elsewhere(tmp_project.graphs_dir, folder)


def test_every_quote_of_the_article_verifies_against_the_text_in_a_sources_folder(
        anchored, cli) -> None:
    project, folder, quotes = anchored
    root = project.root
    code, out, err = cli("--project", root, "--sources", folder, "validate", "--require-verified")
    assert code == 0, out + err
    assert "0 error(s), 0 warning(s)" in err
    assert cli("--project", root, "--sources", folder, "build")[0] == 0
    stored = _count(project.store_path, "SELECT (COUNT(*) AS ?n) WHERE { ?s ckg:text ?t }")
    assert stored == 0  # the article's text is not in the graph
    anchored_quotes = _count(project.store_path, "SELECT (COUNT(DISTINCT ?e) AS ?n) "
                             "WHERE { ?e a ckg:AnchoredQuoteEvidence }")
    assert anchored_quotes == quotes - 1 > 40  # the one stated basis is checked, not a quote
    assert _count(project.store_path, "SELECT (COUNT(DISTINCT ?e) AS ?n) "
                  "WHERE { ?e a ckg:QuoteEvidence }") == 0
    code, out, _ = cli("--project", root, "--sources", folder, "explain",
                       "russia-withdraws-from-cfe-2023")
    assert code == 0
    assert "kind: quote of a text kept outside the graph: verified here" in out
    assert '"On 7 November 2023, Russia withdrew from the treaty"' in out


def test_without_the_text_the_quotes_are_unverified_here(anchored, cli) -> None:
    project, _folder, quotes = anchored
    root = project.root
    code, out, err = cli("--project", root, "validate")
    assert code == 0, out + err  # never an error without --require-verified
    assert f"{quotes} quote(s) of '{ARTICLE}' are unverified here" in out
    assert "0 error(s), 1 warning(s)" in err
    code, out, err = cli("--project", root, "validate", "--require-verified")
    assert code == 1
    located = re.findall(rf"^{ARTICLE}\.yaml:(\d+): error in '([a-z0-9-]+)': the quote is "
                         "unverified here", out, re.MULTILINE)
    assert len(located) == quotes
    yaml = (project.graphs_dir / f"{ARTICLE}.yaml").read_text("utf-8").splitlines()
    for line, _fact in located:
        assert yaml[int(line) - 1].lstrip().startswith(("- quote: ", "stated_basis: "))
    assert cli("--project", root, "build")[0] == 0
    code, out, _ = cli("--project", root, "explain", "russia-withdraws-from-cfe-2023")
    assert "kind: quote of a text kept outside the graph: unverified here" in out


@pytest.mark.parametrize("with_text", [True, False], ids=["text-supplied", "no-text"])
def test_the_servers_entity_pages_verify_quotes_against_its_sources_folder(
        tmp_path, monkeypatch, with_text) -> None:
    store_path = tmp_path / "store"
    copy_project(tmp_path / "project")  # the project start_server serves
    folder = tmp_path / "private-sources"
    keep_the_article_elsewhere(tmp_path / "project" / "graphs", folder)
    if with_text:
        monkeypatch.setenv("CAUCASUS_KG_SOURCES", str(folder))
    server = start_server(store_path)
    try:
        answer = request(server, "/entity/russia-withdraws-from-cfe-2023",
                         headers={"Accept": "application/json"})
        assert answer.status == 200
        evidence = json.loads(answer.body)["evidence"]
        # the article's quote, and two reports (graphs/cfe-participation.yaml) with nothing to verify
        quotes = [e for e in evidence if e["kind"] == "quote of a text kept outside the graph"]
        assert len(quotes) == 1 and quotes[0]["verified"] is with_text
        assert [e["verified"] for e in evidence if e not in quotes] == [None, None]
        page = request(server, "/entity/russia-withdraws-from-cfe-2023").text
        shown = "verified here" if with_text else "unverified here"
        assert f"quote of a text kept outside the graph: {shown}" in page
    finally:
        stop_server(server)


def test_a_changed_text_in_the_sources_folder_does_not_verify(anchored, cli) -> None:
    project, folder, _quotes = anchored
    kept = folder / "the-article-under-another-name.txt"
    kept.write_text(kept.read_text("utf-8").replace("Russia withdrew", "Russia left"), "utf-8")
    code, out, _ = cli("--project", project.root, "--sources", folder, "validate",
                       "--require-verified")
    assert code == 1 and "the quote is unverified here" in out


def test_a_stored_text_whose_digest_differs_is_refused(tmp_project, cli) -> None:
    fact_file = tmp_project.graphs_dir / f"{ARTICLE}.yaml"
    yaml = fact_file.read_text("utf-8")
    fact_file.write_text(yaml.replace(STORED, STORED + "\n  sha256: " + "ab" * 32), "utf-8")
    code, out, _ = cli("--project", tmp_project.root, "validate")
    assert code == 1
    assert re.search(rf"^{ARTICLE}\.yaml:\d+: error in '{ARTICLE}': the text "
                     f"'sources/{ARTICLE}.txt' does not have the SHA-256 the source declares",
                     out, re.MULTILINE), out


# --- Bad evidence is refused, located, and nothing changes ----------------------------------------

NEW = """source:
  id: a-statement
  title: A statement
  publisher: armenpress
  kind: official statement

events:
  - id: armenia-signs-something-2024
    type: Signature
    label: Armenia signs the CFE Treaty again
    actor: armenia
    treaty: cfe-treaty
    date: 2024-01-01
    evidence:
{evidence}"""

BAD = {
    "paraphrase-as-quote": ("      - quote: Armenia signed the treaty again, the statement says\n"
                            "        attributed_to: armenpress\n",
                            "the source 'a-statement' has no text to check quotes against",
                            "write them as 'report:'"),
    "report-without-reporter": ("      - report: The statement says Armenia signed the treaty.\n"
                                "        reports: armenia\n",
                                "a report needs its reporter", "attributed_to"),
    "report-without-whom": ("      - report: The statement says Armenia signed the treaty.\n"
                            "        attributed_to: armenpress\n",
                            "a report needs 'reports'", "reports: united-states"),
    "quote-and-report": ("      - quote: Armenia signed\n"
                         "        report: The statement says Armenia signed the treaty.\n"
                         "        attributed_to: armenpress\n        reports: armenia\n",
                         "either a verbatim 'quote' or a 'report'", "split it"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_evidence_is_a_located_error_and_changes_nothing(case, tmp_project, tmp_path,
                                                            cli) -> None:
    evidence, message, fix = BAD[case]
    new = tmp_path / "new.yaml"
    new.write_text(NEW.format(evidence=evidence), "utf-8")
    assert cli("--project", tmp_project.root, "build")[0] == 0
    before = tree_digest(tmp_project.graphs_dir, tmp_project.store_path)
    code, out, _ = cli("--project", tmp_project.root, "add", new)
    assert code == 1
    assert re.search(rf"new\.yaml:1[5-8]: error in 'armenia-signs-something-2024': .*{re.escape(message)}",
                     out), out
    assert fix in out
    assert "rejected: nothing was changed" in out
    assert tree_digest(tmp_project.graphs_dir, tmp_project.store_path) == before


def test_a_report_is_stored_as_a_paraphrase_never_as_a_quote(tmp_project, tmp_path, cli) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(NEW.format(evidence=(
        "      - report: The statement says Armenia signed the treaty again.\n"
        "        attributed_to: armenpress\n        reports: armenia\n")), "utf-8")
    code, out, err = cli("--project", tmp_project.root, "add", new, "--format", "json")
    assert code == 0, out + err
    assert json.loads(out)["accepted"] is True
    store = tmp_project.store_path
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?e a ckg:ReportEvidence ; "
                  "ckg:paraphrase ?p ; ckg:reports id:armenia ; "
                  "ckg:supports id:armenia-signs-something-2024 }") == 1
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?e a ckg:ReportEvidence ; "
                  "oa:hasTarget/oa:hasSelector ?s }") == 0
    code, out, _ = cli("--project", tmp_project.root, "explain", "armenia-signs-something-2024")
    assert "reported, in the curator's words: The statement says Armenia signed" in out
    assert '"The statement says' not in out
    code, out, _ = cli("--project", tmp_project.root, "query", "provenance", "-f", "csv",
                       "-p", "fact=armenia-signs-something-2024", "-p", "kind=report")
    rows = out.strip().splitlines()
    assert len(rows) == 2
    assert rows[1].startswith("report in the curator's words,,The statement says")
    # The source lists its evidence by kind: one report, no quote.
    code, out, _ = cli("--project", tmp_project.root, "query", "sources", "-f", "json")
    assert code == 0
    rows = {b["source"]["value"].rsplit("/", 1)[1]: b for b in
            json.loads(out)["results"]["bindings"]}
    counts = {name: rows["a-statement"][name]["value"] for name in ("quotes", "reports", "records")}
    assert counts == {"quotes": "0", "reports": "1", "records": "0"}


# --- Claims, interviews and the graph's own rules ------------------------------------------------

def test_no_fact_rests_only_on_the_analysts_words(project, cli, tmp_path) -> None:
    code, out, err = cli("--project", project.root, "--store", tmp_path / "store", "validate")
    assert code == 0 and "0 warning(s)" in err, out + err
    assert cli("--project", project.root, "--store", tmp_path / "store", "build")[0] == 0
    store = ox.Store.read_only(str(tmp_path / "store"))
    facts = list(store.query("""
        SELECT DISTINCT ?fact WHERE {
          ?class rdfs:subClassOf* ckg:Fact . ?fact a ?class ; ckg:hasEvidence ?e .
          ?e prov:wasAttributedTo id:davit-harutyunov .
        }""", prefixes=PREFIXES, use_default_graph_as_union=True))
    assert facts == []
    claims = {r["c"].value.rsplit("/", 1)[1] for r in store.query("""
        SELECT ?c WHERE { ?c ckg:claimant id:davit-harutyunov }""", prefixes=PREFIXES,
        use_default_graph_as_union=True)}
    statements = {r["e"].value for r in store.query("""
        SELECT ?e WHERE { ?e prov:wasAttributedTo id:davit-harutyunov }""",
        prefixes=PREFIXES, use_default_graph_as_union=True)}
    # every piece of his evidence supports a claim of his, one statement a claim
    assert len(statements) == len(claims) == 16
    assert "harutyunov-azerbaijan-pursues-several-goals" in claims
    assert "harutyunov-alleges-azerbaijan-always-violated-cfe" in claims
    [basis] = list(store.query("SELECT ?b WHERE { id:harutyunov-goal-arms-as-political-resource "
                               "ckg:statedBasis ?b }", prefixes=PREFIXES,
                               use_default_graph_as_union=True))
    assert basis["b"].value == "The statements made by high-ranking officials"
    [interviewee] = list(store.query(f"SELECT ?p WHERE {{ src:{ARTICLE} ckg:interviewee ?p }}",
                                     prefixes=PREFIXES, use_default_graph_as_union=True))
    assert interviewee["p"].value.endswith("/davit-harutyunov")


def test_a_fact_on_a_persons_word_is_a_warning_with_the_fix(tmp_project, cli) -> None:
    extra = tmp_project.graphs_dir / "analyst-fact.yaml"
    extra.write_text(f"""events:
  - id: afghan-transit-as-fact
    type: MilitaryTransit
    label: US Afghan transit through Azerbaijan
    actor: united-states
    location: azerbaijan
    date: 2002
    evidence:
      - quote: the US was carrying out its Afghan transit through the territory of Azerbaijan
        source: {ARTICLE}
        attributed_to: davit-harutyunov
""", "utf-8")
    code, out, err = cli("--project", tmp_project.root, "validate")
    assert code == 0, out + err
    assert re.search(r"analyst-fact\.yaml:\d+: warning in 'afghan-transit-as-fact': This fact "
                     "rests only on the words of Davit Harutyunov, who is not the publisher",
                     out), out
    assert "record it under 'claims:'" in out


def test_stated_basis_must_be_the_sources_words(tmp_project, cli) -> None:
    fact_file = tmp_project.graphs_dir / f"{ARTICLE}.yaml"
    yaml = fact_file.read_text("utf-8")
    fact_file.write_text(yaml.replace("stated_basis: The statements made by high-ranking "
                                      "officials", "stated_basis: according to officials"),
                         "utf-8")
    code, out, _ = cli("--project", tmp_project.root, "validate")
    assert code == 1
    assert "the stated basis is not found in the source text: \"according to officials\"" in out


def test_a_property_outside_its_domain_is_refused(tmp_project, cli) -> None:
    extra = tmp_project.graphs_dir / "enactment.yaml"
    extra.write_text(f"""events:
  - id: an-enactment
    type: Enactment
    label: An act is enacted
    actor: us-senate
    instrument: freedom-support-act
    treaty: cfe-treaty
    date: 1992
    evidence:
      - quote: the Section 907 of the United States Freedom Support Act
        source: {ARTICLE}
        attributed_to: armenpress
""", "utf-8")
    code, out, _ = cli("--project", tmp_project.root, "validate")
    assert code == 1
    assert re.search(r"enactment\.yaml:7: error in 'an-enactment': 'treaty' does not apply to an "
                     r"enactment: it describes treaty actions", out), out


def test_announcing_is_a_stance(tmp_project, cli) -> None:
    extra = tmp_project.graphs_dir / "announcement.yaml"
    extra.write_text(f"""claims:
  - id: us-announces-suspension
    label: The United States announces it will suspend the CFE Treaty
    claimant: united-states
    stance: announces
    about: cfe-treaty
    evidence:
      - quote: the United States and its NATO allies suspended their participation
        source: {ARTICLE}
        attributed_to: armenpress
""", "utf-8")
    code, out, err = cli("--project", tmp_project.root, "validate")
    assert code == 0, out + err


def test_an_entity_described_by_two_files_is_listed_once(tmp_project, tmp_path, cli) -> None:
    """The worked example repeats two entries' type in a file of its own: the timeline and
    explain show each once, and `add` says which existing facts the file adds to."""
    example = ROOT / "docs" / "examples" / "section-907-waiver-2022.yaml"
    code, out, err = cli("--project", tmp_project.root, "add", example, "--format", "json")
    assert code == 0, out + err
    assert json.loads(out)["extended"] == ["section-907-waiver-authority",
                                            "section-907-waivers-since-2001"]
    code, out, _ = cli("--project", tmp_project.root, "query", "timeline", "-f", "csv")
    rows = out.splitlines()
    assert len(rows) == len(set(rows))
    assert sum("section-907-waivers-since-2001" in r for r in rows) == 1
    code, out, _ = cli("--project", tmp_project.root, "explain", "section-907-waivers-since-2001")
    assert "  type: waiver\n" in out
    assert "kind: quote of a stored text" in out and "kind: report in the curator's words" in out


def test_a_source_without_text_gives_one_error_for_its_quotes(tmp_project, tmp_path, cli) -> None:
    fact_file = tmp_project.graphs_dir / f"{ARTICLE}.yaml"
    yaml = fact_file.read_text("utf-8")
    fact_file.write_text(yaml.replace(f"  {STORED}\n", ""), "utf-8")
    code, out, err = cli("--project", tmp_project.root, "validate")
    assert code == 1, out + err
    errors = [line for line in out.splitlines() if ": error in " in line]
    assert len(errors) == 1, out
    assert "has no text to check quotes against" in errors[0]
    assert "has no 'source:'" not in out


def test_the_sources_variable_lists_folders_as_a_path_does(anchored, cli, monkeypatch,
                                                           tmp_path) -> None:
    """CAUCASUS_KG_SOURCES names several folders separated by the path separator; the text is
    found in the second. A --sources on the command line replaces the variable."""
    project, folder, _quotes = anchored
    empty = tmp_path / "empty-sources"
    empty.mkdir()
    monkeypatch.setenv("CAUCASUS_KG_SOURCES", f"{empty}{os.pathsep}{folder}")
    code, out, err = cli("--project", project.root, "validate", "--require-verified")
    assert code == 0, out + err
    code, out, _ = cli("--project", project.root, "--sources", empty, "validate",
                       "--require-verified")
    assert code == 1 and "the quote is unverified here" in out
    a_file = folder / "the-article-under-another-name.txt"
    monkeypatch.setenv("CAUCASUS_KG_SOURCES", f"{empty}{os.pathsep}{a_file}")
    code, out, err = cli("--project", project.root, "validate")
    assert (code, out) == (2, "")
    assert f"error: CAUCASUS_KG_SOURCES: '{a_file}' is a file, not a folder" in err
