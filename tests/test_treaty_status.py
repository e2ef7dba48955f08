"""Participation in the CFE Treaty for every party on every date: the founding article, the
curated participation and membership files (graphs/cfe-participation.yaml, nato-membership.yaml,
csto-cis-membership.yaml) and UNODA's treaty-status data (the JSON excerpt in
tests/fixtures/import/), on the embedded store and on Virtuoso.

The expected tables are written out from the sources, not from the queries: each party's
signature and ratification as UNODA's JSON dates them; the ratifications of the United States and
Canada and the successions of the Soviet Union's and Czechoslovakia's successors as the curated
file records them (UNODA's records become their evidence, or UNODA's claims where they date them
otherwise); the suspensions, the denunciation and the withdrawal of 2023 with their announced and
effective dates; NATO's members by their accession dates.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import TODAY, release_store_url, remote_store_url
from project_files import copy_project

from caucasus_kg.core.project import Project, find_project
from caucasus_kg.model.namespaces import GRAPH
from caucasus_kg.ops.build import check
from caucasus_kg.ops.imports import names_in
from caucasus_kg.read.queries import catalogue, run_query
from caucasus_kg.read.results import cell_text
from caucasus_kg.sources.importers import unoda
from caucasus_kg.store.embedded import memory_store

QUERIES = Path(__file__).resolve().parents[1] / "queries"
UNODA_JSON = Path(__file__).resolve().parent / "fixtures" / "import" / "unoda_cfe_treatydata.json"

SUSPENDED = "suspension of participation"
ALLIES = "NATO allies of the United States"
ALLIES_SUSPEND = "id:nato-allies-suspend-cfe-2023"
LAW = "Russian federal law on the denunciation of the CFE Treaty (2023)"

# --------------------------------------------------------------------------------------------
# The store: the shipped graph and UNODA's JSON, as `caucasus-kg import unoda` converts it
# --------------------------------------------------------------------------------------------


def _with_unoda(dataset) -> ox.Store:
    """The shipped graph with UNODA's JSON converted into a graph of its own, the importer given
    the actors and treaties the graph holds (as `import` gives them)."""
    store = memory_store(dataset.all_graphs())
    graph = f"unoda-{UNODA_JSON.stem}"
    resolver, treaties, ids = names_in(store, graph)
    parsed = unoda.parse(UNODA_JSON)
    unoda.match_existing(parsed, resolver, store, graph)
    text = unoda.build(parsed, resolver, treaties, ids, UNODA_JSON.name, graph).text()
    store.load(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(str(GRAPH[graph])))
    return store


@pytest.fixture(scope="module")
def unoda_memory_store(dataset) -> ox.Store:
    return _with_unoda(dataset)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def cfe(request, project: Project, unoda_memory_store):
    """Run a catalogue query on the shipped graph with UNODA's data, on both stores."""
    store = unoda_memory_store
    remote = None
    if request.param == "virtuoso":
        from rdflib import URIRef

        from caucasus_kg.sources.dataset import NamedGraph
        from caucasus_kg.store.backends import write_build
        from caucasus_kg.store.remote import RemoteStore

        url = remote_store_url(request.getfixturevalue("virtuoso_endpoint"))
        graphs = [NamedGraph(URIRef(g.value), g.value, store=store)
                  for g in sorted(store.named_graphs(), key=lambda g: g.value)]
        write_build(Project(root=project.root, store_path=project.store_path, store_url=url),
                    graphs, "cfe-with-unoda")
        store = remote = RemoteStore(url)
    known = catalogue(QUERIES)

    def ask(name: str, **params: str) -> tuple[list[str], list[tuple[str, ...]]]:
        result = run_query(known[name], store, params)
        return result.columns, [tuple(cell_text(v) for v in row) for row in result.rows]

    yield ask
    if remote is not None:
        release_store_url(url)


# --------------------------------------------------------------------------------------------
# The four tables
# --------------------------------------------------------------------------------------------

STATUS_COLUMNS = ["actor", "status", "since", "action", "via", "pending", "announced",
                  "effective", "fact", "pending_fact"]

RATIFIED = {  # UNODA: the day each instrument of ratification was deposited
    "Armenia": "1992-10-12", "Azerbaijan": "1992-07-09", "Belarus": "1992-10-30",
    "Belgium": "1991-12-17", "Bulgaria": "1991-11-12", "Denmark": "1991-12-30",
    "France": "1992-03-24", "Georgia": "1992-07-06", "Germany": "1991-12-23",
    "Greece": "1992-07-08", "Hungary": "1991-11-04", "Iceland": "1991-12-24",
    "Italy": "1992-04-22", "Kazakhstan": "1992-10-30", "Luxembourg": "1992-01-22",
    "Moldova": "1992-07-06", "Netherlands": "1991-11-08", "Norway": "1991-11-29",
    "Poland": "1991-11-26", "Portugal": "1992-08-14", "Romania": "1992-04-21",
    "Russia": "1992-09-03", "Spain": "1992-06-01", "T\u00fcrkiye": "1992-07-08",
    "Ukraine": "1992-07-09", "United Kingdom": "1991-11-19",
}
SLUG = {"T\u00fcrkiye": "turkiye", "United Kingdom": "united-kingdom"}
CURATED = {  # graphs/cfe-participation.yaml: the party's own record, with UNODA's as evidence
    "Canada": ("1991-11-22", "ratification", "id:canada-ratifies-cfe-1991"),
    "Czechia": ("1993-01-01", "succession", "id:czechia-succeeds-to-cfe-1993"),
    "Slovakia": ("1993-01-01", "succession", "id:slovakia-succeeds-to-cfe-1993"),
    "United States": ("1992-01-29", "ratification", "id:united-states-ratifies-cfe-1992"),
}
NATO_PARTIES = {  # NATO members by 2023 that are parties; the United States and Canada act alone
    "Belgium", "Bulgaria", "Czechia", "Denmark", "France", "Germany", "Greece", "Hungary",
    "Iceland", "Italy", "Luxembourg", "Netherlands", "Norway", "Poland", "Portugal", "Romania",
    "Slovakia", "Spain", "T\u00fcrkiye", "United Kingdom"}
NONE = ("", "", "", "")


def joined(state: str) -> tuple[str, ...]:
    """(state, "party", since, action, via): the party's joining action."""
    if state in CURATED:
        since, action, _ = CURATED[state]
    else:
        since, action = RATIFIED[state], "ratification"
    return (state, "party", since, action, "")


def joining_fact(state: str) -> str:
    if state in CURATED:
        return CURATED[state][2]
    return f"id:unoda-{SLUG.get(state, state.lower())}-ratification-cfe-treaty"


def party(state: str) -> tuple[str, ...]:
    return (*joined(state), *NONE[:3], joining_fact(state), "")


PARTIES = sorted([*RATIFIED, *CURATED])
RUSSIA_SUSPENDED = ("Russia", "suspended", "2007-12-12", SUSPENDED, "", *NONE[:3],
                    "id:russia-suspends-cfe-operation-2007", "")
RUSSIA_WITHDRAWN = ("Russia", "withdrawn", "2023-11-07", "withdrawal", "", *NONE[:3],
                    "id:russia-withdraws-from-cfe-2023", "")

TABLE_1995 = [party(state) for state in PARTIES]
"""Every party to the treaty in force: the 22 signatories' ratifications (the Soviet Union's
successors' own), the Czech Republic and Slovakia by succession since 1993."""

TABLE_2008 = [RUSSIA_SUSPENDED if state == "Russia" else party(state) for state in PARTIES]
"""Russia's suspension in effect since 12 December 2007."""


def _20_november(state: str) -> tuple[str, ...]:
    if state == "Russia":
        return RUSSIA_WITHDRAWN
    if state == "United States":
        return (*joined(state), "suspension announced", "2023-11-07", "2023-12-07",
                joining_fact(state), "id:united-states-suspends-cfe-2023")
    if state == "Canada":
        return (*joined(state), "suspension announced", "2023-11-07", "2024-02-07",
                joining_fact(state), "id:canada-suspends-cfe-2024")
    if state in NATO_PARTIES:
        return (*joined(state), "suspension announced", "2023-11-07", "2023-12-07",
                joining_fact(state), ALLIES_SUSPEND)
    return party(state)


def _10_december(state: str) -> tuple[str, ...]:
    if state == "United States":
        return (state, "suspended", "2023-12-07", SUSPENDED, "", *NONE[:3],
                "id:united-states-suspends-cfe-2023", "")
    if state in NATO_PARTIES:
        return (state, "suspended", "2023-12-07", SUSPENDED, ALLIES, *NONE[:3], ALLIES_SUSPEND,
                "")
    return _20_november(state)


TABLE_20_NOVEMBER_2023 = sorted([
    *(_20_november(state) for state in PARTIES),
    (ALLIES, "", "", "", "", "suspension announced", "2023-11-07", "2023-12-07", "",
     ALLIES_SUSPEND)])
"""Russia withdrawn; the suspensions announced on 7 November pending: the NATO allies' through
their group, the United States' and Canada's their own."""

TABLE_10_DECEMBER_2023 = sorted([
    *(_10_december(state) for state in PARTIES),
    (ALLIES, "suspended", "2023-12-07", SUSPENDED, "", *NONE[:3], ALLIES_SUSPEND, "")])
"""The suspensions of 7 December in effect, each ally's through the group; Canada's pending
until 7 February 2024."""


@pytest.mark.parametrize(("date", "table"), [
    ("1995-01-01", TABLE_1995), ("2008-01-01", TABLE_2008),
    ("2023-11-20", TABLE_20_NOVEMBER_2023), ("2023-12-10", TABLE_10_DECEMBER_2023)])
def test_status_of_every_party(cfe, date: str, table: list[tuple[str, ...]]) -> None:
    assert cfe("treaty-status-as-of", date=date) == (STATUS_COLUMNS, table)


def test_the_tables_name_every_party_once() -> None:
    """The expected tables themselves: the treaty's 30 states parties, and the group."""
    assert len(PARTIES) == 30 and "Soviet Union" not in PARTIES
    for table in (TABLE_1995, TABLE_2008):
        assert [row[0] for row in table] == PARTIES
    for table in (TABLE_20_NOVEMBER_2023, TABLE_10_DECEMBER_2023):
        assert [row[0] for row in table] == sorted([*PARTIES, ALLIES])
    suspended = [row for row in TABLE_10_DECEMBER_2023 if row[1] == "suspended"]
    assert len(suspended) == 20 + 1 + 1  # the allies, the United States, the group


def test_the_soviet_union_has_no_status_from_its_dissolution(cfe) -> None:
    signed = ("Soviet Union", "signatory", "1990-11-19", "signature", "", *NONE[:3],
              "id:unoda-soviet-union-signature-cfe-treaty", "")
    assert signed in cfe("treaty-status-as-of", date="1991-12-25")[1]
    for date in ("1991-12-26", "1991-12-27", "1992", "1992-06-05", "1995-01-01", "2008-01-01",
                 "2023-11-20", "2024-01-01"):
        actors = [row[0] for row in cfe("treaty-status-as-of", date=date)[1]]
        assert "Soviet Union" not in actors, date
    # its successors act in its place
    assert cfe("treaty-history", actor="USSR")[1] == [
        ("1990-11-19", "Soviet Union", "signature", "", "1990-11-19", "", "", "record",
         "id:unoda-soviet-union-signature-cfe-treaty")]


def test_succession_is_pending_between_tashkent_and_oslo(cfe) -> None:
    assert ("Armenia", "", "", "", "", "joining announced", "1992-05-15", "1992-06-05", "",
            "id:armenia-succeeds-to-cfe-1992") in cfe("treaty-status-as-of", date="1992-05-20")[1]
    assert ("Armenia", "party", "1992-06-05", "succession", "", *NONE[:3],
            "id:armenia-succeeds-to-cfe-1992", "") in cfe("treaty-status-as-of",
                                                          date="1992-06-05")[1]


def test_russias_withdrawal_is_pending_while_suspended(cfe) -> None:
    assert ("Russia", "suspended", "2007-12-12", SUSPENDED, "", "withdrawal announced",
            "2023-05-29", "2023-11-07", "id:russia-suspends-cfe-operation-2007",
            "id:russia-denounces-cfe-2023") in cfe("treaty-status-as-of", date="2023-08-01")[1]
    # suspension announced on 14 July 2007, in effect from 12 December
    assert ("Russia", "party", "1992-09-03", "ratification", "", "suspension announced",
            "2007-07-14", "2007-12-12", "id:unoda-russia-ratification-cfe-treaty",
            "id:russia-suspends-cfe-operation-2007") in cfe("treaty-status-as-of",
                                                            date="2007-10-01")[1]


# --------------------------------------------------------------------------------------------
# Who suspended, and the history of one party
# --------------------------------------------------------------------------------------------

def test_who_suspended_cfe_with_every_ally(cfe) -> None:
    columns, rows = cfe("who-suspended-cfe")
    assert columns == ["actor", "action", "announced", "effective", "via", "authorised_by",
                       "in_response_to", "fact"]
    allies = [(state, SUSPENDED, "2023-11-07", "2023-12-07", ALLIES, "", "Russia withdrawal",
               ALLIES_SUSPEND) for state in sorted(NATO_PARTIES)]
    assert rows == [
        ("Russia", SUSPENDED, "2007-07-14", "2007-12-12", "", "", "",
         "id:russia-suspends-cfe-operation-2007"),
        ("Russia", "denunciation", "2023-05-29", "2023-11-07", "", LAW, "",
         "id:russia-denounces-cfe-2023"),
        ("Russia", "withdrawal", "", "2023-11-07", "", LAW, "", "id:russia-withdraws-from-cfe-2023"),
        (ALLIES, SUSPENDED, "2023-11-07", "2023-12-07", "", "", "Russia withdrawal",
         ALLIES_SUSPEND),
        ("United States", SUSPENDED, "2023-11-07", "2023-12-07", "", "", "Russia withdrawal",
         "id:united-states-suspends-cfe-2023"),
        *allies,
        ("Canada", SUSPENDED, "2023-11-07", "2024-02-07", "", "", "Russia withdrawal",
         "id:canada-suspends-cfe-2024"),
    ]


def test_history_of_a_member_through_its_group(cfe) -> None:
    assert cfe("treaty-history", actor="Germany")[1] == [
        ("1990-11-19", "Germany", "signature", "", "1990-11-19", "", "", "record",
         "id:unoda-germany-signature-cfe-treaty"),
        ("1991-12-23", "Germany", "ratification", "", "1991-12-23", "", "", "record",
         "id:unoda-germany-ratification-cfe-treaty"),
        ("2023-11-07", "Germany", SUSPENDED, "2023-11-07", "2023-12-07", ALLIES, "",
         "quote, report", ALLIES_SUSPEND),
    ]
    # Canada's own suspension, with its own dates, takes the place of the group's
    assert cfe("treaty-history", actor="Canada")[1] == [
        ("1990-11-19", "Canada", "signature", "", "1990-11-19", "", "", "record",
         "id:unoda-canada-signature-cfe-treaty"),
        ("1991-11-22", "Canada", "ratification", "", "1991-11-22", "", "", "report, record",
         "id:canada-ratifies-cfe-1991"),
        ("2023-11-07", "Canada", SUSPENDED, "2023-11-07", "2024-02-07", "", "", "report",
         "id:canada-suspends-cfe-2024"),
    ]
    # Finland joined NATO in 2023 but is no party: the group's action does not reach it
    assert cfe("treaty-history", actor="Finland")[1] == []


# --------------------------------------------------------------------------------------------
# The rules, end to end: a fact file that breaks them is refused with its place
# --------------------------------------------------------------------------------------------

AGAINST_THE_GROUP = """\
source:
  id: made-up-note
  title: Made-up note
  text: note.txt
  publisher: armenpress

events:
  - id: germany-resumes-cfe-2023
    type: Resumption
    label: Germany resumes the CFE Treaty
    actor: germany
    treaty: cfe-treaty
    date: 2023-12-07
    evidence:
      - quote: Germany resumed the treaty on 7 December 2023.
        attributed_to: armenpress
  - id: germany-suspends-cfe-2020
    type: SuspensionOfParticipation
    label: Germany suspends the CFE Treaty
    actor: germany
    treaty: cfe-treaty
    date: 2020
    evidence:
      - quote: Germany suspended it in 2020.
        attributed_to: armenpress
  - id: ussr-ratifies-cfe-1992
    type: Ratification
    label: The Soviet Union ratifies the CFE Treaty
    actor: USSR
    treaty: cfe-treaty
    date: 1992-03
    evidence:
      - quote: The Soviet Union ratified it in March 1992.
        attributed_to: armenpress
"""


def test_rules_refuse_an_action_against_the_group_and_one_after_dissolution(tmp_path) -> None:
    root = copy_project(tmp_path / "project")
    (root / "graphs" / "made-up.yaml").write_text(AGAINST_THE_GROUP, "utf-8")
    (root / "graphs" / "note.txt").write_text(
        "Germany resumed the treaty on 7 December 2023. Germany suspended it in 2020. The "
        "Soviet Union ratified it in March 1992.\n", "utf-8")
    result = check(find_project(root, tmp_path / "store"), today=TODAY)
    errors = [(d.file, d.line, d.fact, d.message) for d in result.errors]
    assert [e[:3] for e in errors] == [("made-up.yaml", 8, "germany-resumes-cfe-2023"),
                                       ("made-up.yaml", 26, "ussr-ratifies-cfe-1992")]
    assert errors[0][3].startswith(
        "This action by Germany takes effect on 2023-12-07, the day the action of NATO allies of "
        "the United States (NATO allies of the United States suspend their participation in the "
        "CFE Treaty) takes effect for its members, Germany among them, and leaves it party where "
        "the group's action leaves it suspended")
    assert errors[1][3].startswith("Soviet Union no longer existed from 1991-12-26, but this "
                                   "action by it is dated 1992-03")
