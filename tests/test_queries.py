"""The competency queries (queries/*.rq) and their answers for the founding article.

Every expected answer below is written out by hand from the article
(graphs/sources/armenpress-azerbaijan-arms-imports.txt) and its fact file, never computed from the
same SPARQL: these are the questions the graph must answer, and the answers it must give. Each
test pins the exact columns and rows, in order. The article gives an attack, a military transit,
a war and arms transfers only in the words of the analyst it interviews (his claims, not facts),
so the questions about such facts are also asked (``ask_chronicle``) of the graph with a made-up
test chronicle added (tests/fixtures/chronicle/), its answers written out from that file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from caucasus_kg.model.namespaces import sparql_prefixes
from caucasus_kg.read.queries import QueryError, catalogue, run_query
from caucasus_kg.read.results import cell_text
from caucasus_kg.store.embedded import memory_store

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
GRAPHS_DIR = QUERIES_DIR.parent / "graphs"
ARTICLE_FILE = "armenpress-azerbaijan-arms-imports.yaml"
CURATED_FILES = ("cfe-participation.yaml", "nato-membership.yaml", "csto-cis-membership.yaml")


def declared(files: tuple[str, ...], sections: tuple[str, ...] | None = None,
             labelled: bool = True) -> set[str]:
    """The ids the fact files declare (with a label, unless ``labelled`` is False) in the given
    lists (every list by default): read from the YAML, not from the graph."""
    ids = set()
    for name in files:
        data = yaml.safe_load((GRAPHS_DIR / name).read_text("utf-8"))
        for section, entries in data.items():
            if section in ("source", "sources") or (sections and section not in sections):
                continue
            ids |= {f"id:{e['id']}" for e in entries if "label" in e or not labelled}
    return ids


def sources_declared(files: tuple[str, ...]) -> set[str]:
    found = set()
    for name in files:
        data = yaml.safe_load((GRAPHS_DIR / name).read_text("utf-8"))
        found |= {f"src:{s['id']}" for s in [data.get("source")] + data.get("sources", []) if s}
    return found

SOURCE_TITLE = ("Azerbaijan named one of biggest arms importers in the world: Analyst comments on "
                "Baku\u2019s potential goals")
CFE = "Treaty on Conventional Armed Forces in Europe"
CAWAT = "Centre for Analysis of World Arms Trade"
NATO_ALLIES = "NATO allies of the United States"
HARUTYUNOV = "Davit Harutyunov"
ANALYST = "military-political analyst"
SECTION_907 = "Section 907 of the FREEDOM Support Act"
AUTHORITY = "Presidential authority to waive Section 907"
AMENDMENT = "2001 amendment allowing the President to waive Section 907"
ADOPTION = "The US Senate adopts the amendment allowing a waiver of Section 907"
BILL = "2023 Senate bill repealing the Section 907 waiver authority for Azerbaijan"
PASSAGE = "The US Senate passes the bill repealing the Section 907 waiver authority for Azerbaijan"
WAIVERS = "Presidential waivers of Section 907 since 2001"
ACQUISITIONS = "Azerbaijan's arms acquisitions in 2024"
RANKING = "Azerbaijan ranked 16th biggest arms importer in 2024 by CAWAT"

# Facts of the test chronicle (tests/fixtures/chronicle/), asked with ``ask_chronicle``.
CHRONICLE_TITLE = "Test chronicle"
CHRONICLE_DESK = "Test Chronicle Desk"
TRANSIT = "US Afghan transit through Azerbaijan"
ATTACKS = "11 September 2001 attacks"
COMBINING = ("Azerbaijan is mostly combining Russian heavy weaponry with drones bought from Israel "
             "and Turkiye.")

# Claims: label and summary, as curated in the fact file.
ALLEGES_WAR = ("Azerbaijan alleges that Armenia is preparing for war and buying weapons",
               "Armenia is preparing for war and buying weapons.")
DENIES_WAR = ("Armenia denies that it is preparing for war",
              "Armenia is not preparing for war; it has denied the accusation many times.")
DEFENSIVE = ("Armenia states that it acquires weaponry only for defence",
             "Armenia is acquiring weaponry exclusively for defensive purposes as part of military "
             "reforms.")
FALSE_ALLEGATIONS = ("Armenpress calls Azerbaijan's allegations false",
                     "Azerbaijan's allegations that Armenia is preparing for war are false.")
REARMAMENT = ("Armenpress reads the data as showing Azerbaijan's intensive rearmament",
              "The data shows that Azerbaijan itself is engaged in an intensive rearmament effort.")
FAKE_NEWS = ("Armenpress says Azerbaijan manipulates the issue in fake news campaigns",
             "Azerbaijan has been trying to manipulate the issue in its fake news campaigns.")
OPEN_SOURCES = ("Harutyunov says Azerbaijan's rearmament is documented in open sources, unlike "
                "its volumes and goals",
                "Information about Azerbaijan's rearmament can be found in open sources, but its "
                "volumes, goals and supervision are a different matter.")
ANNOUNCES = ("Harutyunov says Azerbaijan itself announces some of its arms procurements",
             "Information about Azerbaijan's rearmament is available in open sources too, and "
             "Azerbaijan itself has announced some of its arms procurements.")
SEVERAL_GOALS = ("Harutyunov says Azerbaijan pursues several goals by rearming",
                 "By rearming and announcing its procurements, Azerbaijan pursues several goals.")
FIRST_GOAL = ("Harutyunov on Azerbaijan's first goal, arms as a political resource",
              "Azerbaijan views arms acquisition as a significant resource with which it tries to "
              "resolve political issues.")
SECOND_GOAL = ("Harutyunov on Azerbaijan's second goal, deepening the balance of power",
               "Azerbaijan wants to deepen as far as possible the balance of power in its favour "
               "compared with Armenia that emerged after the 2020 war.")
RAPID = ("Harutyunov says Azerbaijan rearms rapidly so that Armenia cannot restore the balance",
         "Although Baku constantly claims to have a powerful military, it perceives that Armenia "
         "could restore the balance in some conditions, and rearms rapidly to prevent it.")
AGGRESSION = ("Harutyunov cannot rule out that Azerbaijan prepares a new aggression",
              "A third goal of Azerbaijan may be to prepare for a new aggression by increasing the "
              "volume of its arms.")
INEFFECTIVE = ("Harutyunov regrets that international arms control mechanisms are ineffective",
               "International arms control mechanisms are ineffective.")
PROPOSAL = ("Armenia proposes a joint arms control mechanism to Azerbaijan",
            "Armenia and Azerbaijan should create a joint arms control mechanism.")
REFUSAL = ("Azerbaijan refuses the joint arms control mechanism",
           "Azerbaijan refused Armenia's proposal to create a joint arms control mechanism.")
VIOLATED = ("Harutyunov alleges that Azerbaijan violated the CFE Treaty in the past",
            "Azerbaijan violated the CFE Treaty in the past too.")
ALWAYS_VIOLATED = ("Harutyunov alleges that Azerbaijan has always violated the CFE Treaty's terms",
                   "Azerbaijan has always violated the terms of the CFE Treaty and the terms of its "
                   "restrictions.")
VERIFICATION = ("Harutyunov says the CFE Treaty lacked verification and accountability",
                "Even when fully functioning, the CFE Treaty had no clear mechanisms for control or "
                "verification and no accountability for violations.")
MILITARIZATION = ("Harutyunov explains the South Caucasus's heavy militarization",
                  "The South Caucasus is heavily militarized because of the combination of "
                  "population and armaments.")
OTHER_REGIONS = ("Harutyunov names other heavily militarized regions",
                 "There are many other heavily militarized regions, such as the Middle East and "
                 "Southeast Asia.")
US_WEAPONS = ("Harutyunov doubts Azerbaijan would buy many US weapons",
              "Even the waiver is no ground to believe Azerbaijan would buy large amounts of US "
              "weapons, because American weapons are expensive.")
COMBINES = ("Harutyunov says Azerbaijan combines Russian heavy weaponry with Israeli and Turkish "
            "drones",
            "Azerbaijan mostly combines Russian heavy weaponry with drones bought from Israel and "
            "T\u00fcrkiye.")
AFGHAN_TRANSIT = ("Harutyunov says the US Afghan transit through Azerbaijan invoked the Section 907 "
                  "waiver",
                  "Years ago, after the attacks of 11 September 2001, the United States carried out "
                  "its Afghan transit through the territory of Azerbaijan by invoking the Section "
                  "907 waiver.")

# The CFE Treaty in the shipped graph: the founding article's 2023 events with the dates and the
# parties graphs/cfe-participation.yaml gives them (without an import of UNODA's data, which
# tests/test_treaty_status.py adds).
SUSPENDED = "suspension of participation"
ALLIES_SUSPEND = "id:nato-allies-suspend-cfe-2023"
LAW = "Russian federal law on the denunciation of the CFE Treaty (2023)"
CFE_STATUS_COLUMNS = ["actor", "status", "since", "action", "via", "pending", "announced",
                      "effective", "fact", "pending_fact"]
NO_PENDING = ("", "", "", "")


def _successor(state: str, slug: str) -> tuple[str, ...]:
    """A successor of the Soviet Union, a party by the 1992 apportionment (and nothing else)."""
    return (state, "party", "1992-06-05", "succession", "", *NO_PENDING[:3],
            f"id:{slug}-succeeds-to-cfe-1992", "")


ARMENIA, AZERBAIJAN, BELARUS, GEORGIA, KAZAKHSTAN, MOLDOVA, UKRAINE = (
    _successor(name, name.lower()) for name in
    ("Armenia", "Azerbaijan", "Belarus", "Georgia", "Kazakhstan", "Moldova", "Ukraine"))
CANADA = ("Canada", "party", "1991-11-22", "ratification", "")
CZECHIA = ("Czechia", "party", "1993-01-01", "succession", "")
SLOVAKIA = ("Slovakia", "party", "1993-01-01", "succession", "")
US = ("United States", "party", "1992-01-29", "ratification", "")
ALLIES_PENDING = ("suspension announced", "2023-11-07", "2023-12-07")
CFE_STATUS_6_NOVEMBER_2023 = [  # Russia suspended since 2007, its withdrawal announced
    ARMENIA, AZERBAIJAN, BELARUS, (*CANADA, *NO_PENDING[:3], "id:canada-ratifies-cfe-1991", ""),
    (*CZECHIA, *NO_PENDING[:3], "id:czechia-succeeds-to-cfe-1993", ""), GEORGIA, KAZAKHSTAN,
    MOLDOVA,
    ("Russia", "suspended", "2007-12-12", SUSPENDED, "", "withdrawal announced", "2023-05-29",
     "2023-11-07", "id:russia-suspends-cfe-operation-2007", "id:russia-denounces-cfe-2023"),
    (*SLOVAKIA, *NO_PENDING[:3], "id:slovakia-succeeds-to-cfe-1993", ""), UKRAINE,
    (*US, *NO_PENDING[:3], "id:united-states-ratifies-cfe-1992", ""),
]
CFE_STATUS_7_NOVEMBER_2023 = [  # Russia withdrawn; the suspensions announced, not yet in effect
    ARMENIA, AZERBAIJAN, BELARUS,
    (*CANADA, "suspension announced", "2023-11-07", "2024-02-07", "id:canada-ratifies-cfe-1991",
     "id:canada-suspends-cfe-2024"),
    (*CZECHIA, *ALLIES_PENDING, "id:czechia-succeeds-to-cfe-1993", ALLIES_SUSPEND),
    GEORGIA, KAZAKHSTAN, MOLDOVA,
    ("NATO allies of the United States", "", "", "", "", *ALLIES_PENDING, "", ALLIES_SUSPEND),
    ("Russia", "withdrawn", "2023-11-07", "withdrawal", "", *NO_PENDING[:3],
     "id:russia-withdraws-from-cfe-2023", ""),
    (*SLOVAKIA, *ALLIES_PENDING, "id:slovakia-succeeds-to-cfe-1993", ALLIES_SUSPEND),
    UKRAINE,
    (*US, *ALLIES_PENDING, "id:united-states-ratifies-cfe-1992",
     "id:united-states-suspends-cfe-2023"),
]
CFE_STATUS_2024 = [  # the suspensions of 7 December in effect; Canada's still announced
    ARMENIA, AZERBAIJAN, BELARUS, CFE_STATUS_7_NOVEMBER_2023[3],
    ("Czechia", "suspended", "2023-12-07", SUSPENDED, "NATO allies of the United States",
     *NO_PENDING[:3], ALLIES_SUSPEND, ""),
    GEORGIA, KAZAKHSTAN, MOLDOVA,
    ("NATO allies of the United States", "suspended", "2023-12-07", SUSPENDED, "",
     *NO_PENDING[:3], ALLIES_SUSPEND, ""),
    CFE_STATUS_7_NOVEMBER_2023[9],
    ("Slovakia", "suspended", "2023-12-07", SUSPENDED, "NATO allies of the United States",
     *NO_PENDING[:3], ALLIES_SUSPEND, ""),
    UKRAINE,
    ("United States", "suspended", "2023-12-07", SUSPENDED, "", *NO_PENDING[:3],
     "id:united-states-suspends-cfe-2023", ""),
]


# --------------------------------------------------------------------------------------------
# The catalogue itself
# --------------------------------------------------------------------------------------------

def _tested_queries() -> set[str]:
    """Names of the queries this file runs: the first argument of every ``ask(...)`` call."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "ask" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}


def test_every_query_has_a_title_a_description_and_a_test() -> None:
    queries = catalogue(QUERIES_DIR)
    assert len(queries) >= 14
    for name, query in queries.items():
        assert query.title and query.title != name, f"{name}.rq has no '# title:'"
        assert query.title.endswith("?"), f"{name}.rq: the title should be the question"
        assert query.description, f"{name}.rq has no '# description:'"
        for param in query.parameters:
            assert param.description, f"{name}.rq: parameter {param.name} has no description"
    assert _tested_queries() == set(queries), "every query in queries/ needs a test here"


def _body(text: str) -> str:
    """The query without its whole-line comments (the header included)."""
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())


@pytest.mark.parametrize("name", sorted(catalogue(QUERIES_DIR)))
def test_query_orders_by_every_selected_column_and_uses_its_parameters(name: str) -> None:
    query = catalogue(QUERIES_DIR)[name]
    body = _body(query.text)
    select = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s*\n?\s*WHERE", body, re.S)
    assert select, f"{name}.rq: no SELECT ... WHERE"
    projected = re.findall(r"\?(\w+)", select.group(1))
    assert "ORDER BY" in body, f"{name}.rq has no ORDER BY"
    order = body[body.rindex("ORDER BY"):]
    assert "}" not in order, f"{name}.rq: the outer query has no ORDER BY"
    ordered = set(re.findall(r"\?(\w+)", order))
    assert set(projected) <= ordered, (
        f"{name}.rq: ORDER BY misses {sorted(set(projected) - ordered)}")
    for param in query.parameters:
        assert re.search(rf"\?{param.name}\b", body), (
            f"{name}.rq: parameter {param.name} is declared but never used")


def test_unknown_and_missing_parameters_are_refused(ask) -> None:
    with pytest.raises(QueryError, match="no parameter 'colour'"):
        ask("timeline", colour="red")
    with pytest.raises(QueryError, match="no parameter 'country'"):
        ask("who-suspended-cfe", country="russia")
    with pytest.raises(QueryError, match="needs --param fact="):
        ask("provenance")
    with pytest.raises(QueryError, match="unknown entity 'Atlantis'"):
        ask("claims-by", actor="Atlantis")
    with pytest.raises(QueryError, match="not a date"):
        ask("treaty-status-as-of", date="7 November 2023")


# --------------------------------------------------------------------------------------------
# The CFE Treaty
# --------------------------------------------------------------------------------------------

WHO_SUSPENDED_COLUMNS = ["actor", "action", "announced", "effective", "via", "authorised_by",
                         "in_response_to", "fact"]


def test_who_suspended_cfe(ask) -> None:
    columns, rows = ask("who-suspended-cfe")
    assert columns == WHO_SUSPENDED_COLUMNS
    allies = "NATO allies of the United States"
    assert rows == [
        ("Russia", SUSPENDED, "2007-07-14", "2007-12-12", "", "", "",
         "id:russia-suspends-cfe-operation-2007"),
        # the notice (announced when the denunciation law was signed) and the withdrawal it
        # brought about, both authorised by the law
        ("Russia", "denunciation", "2023-05-29", "2023-11-07", "", LAW, "",
         "id:russia-denounces-cfe-2023"),
        ("Russia", "withdrawal", "", "2023-11-07", "", LAW, "", "id:russia-withdraws-from-cfe-2023"),
        (allies, SUSPENDED, "2023-11-07", "2023-12-07", "", "", "Russia withdrawal", ALLIES_SUSPEND),
        ("United States", SUSPENDED, "2023-11-07", "2023-12-07", "", "", "Russia withdrawal",
         "id:united-states-suspends-cfe-2023"),
        # the allies the shipped graph knows as parties (by succession), through the group
        ("Czechia", SUSPENDED, "2023-11-07", "2023-12-07", allies, "", "Russia withdrawal",
         ALLIES_SUSPEND),
        ("Slovakia", SUSPENDED, "2023-11-07", "2023-12-07", allies, "", "Russia withdrawal",
         ALLIES_SUSPEND),
        # an ally with dates of its own, which take precedence over the group's
        ("Canada", SUSPENDED, "2023-11-07", "2024-02-07", "", "", "Russia withdrawal",
         "id:canada-suspends-cfe-2024"),
    ]
    assert ask("who-suspended-cfe", treaty="CFE Treaty") == (columns, rows)
    assert ask("who-suspended-cfe", treaty="section-907")[1] == []


def test_treaty_status_as_of_default_date(ask) -> None:
    assert ask("treaty-status-as-of") == (CFE_STATUS_COLUMNS, CFE_STATUS_2024)


def test_treaty_status_before_and_after_7_november_2023(ask) -> None:
    assert ask("treaty-status-as-of", date="2023-11-06") == (CFE_STATUS_COLUMNS,
                                                             CFE_STATUS_6_NOVEMBER_2023)
    assert ask("treaty-status-as-of", date="2023-11-07")[1] == CFE_STATUS_7_NOVEMBER_2023
    assert ask("treaty-status-as-of", date="2023-12-06")[1] == CFE_STATUS_7_NOVEMBER_2023
    assert ask("treaty-status-as-of", date="2023-12-07")[1] == CFE_STATUS_2024
    # a month or a year means its first day
    assert ask("treaty-status-as-of", treaty="CFE", date="2023-11")[1] == \
        CFE_STATUS_6_NOVEMBER_2023
    assert ask("treaty-status-as-of", treaty="CFE", date="2024")[1] == CFE_STATUS_2024
    assert ask("treaty-status-as-of", treaty="section-907")[1] == []


def test_treaty_history(ask) -> None:
    columns, rows = ask("treaty-history", actor="Russia")
    assert columns == ["began", "by", "action", "announced", "effective", "via", "authorised_by",
                       "evidence", "fact"]
    assert rows == [
        ("1992-05-15", "Russia", "succession", "1992-05-15", "1992-06-05", "", "", "report",
         "id:russia-succeeds-to-cfe-1992"),
        ("2007-07-14", "Russia", SUSPENDED, "2007-07-14", "2007-12-12", "", "", "report",
         "id:russia-suspends-cfe-operation-2007"),
        ("2023-05-29", "Russia", "denunciation", "2023-05-29", "2023-11-07", "", LAW, "report",
         "id:russia-denounces-cfe-2023"),
        # the founding article's quote and two official sources' reports
        ("2023-11-07", "Russia", "withdrawal", "", "2023-11-07", "", LAW, "quote, report",
         "id:russia-withdraws-from-cfe-2023"),
    ]
    # a member through the group's action
    assert ask("treaty-history", actor="Czech Republic")[1] == [
        ("1993-01-01", "Czechia", "succession", "", "1993-01-01", "", "", "report",
         "id:czechia-succeeds-to-cfe-1993"),
        ("2023-11-07", "Czechia", SUSPENDED, "2023-11-07", "2023-12-07",
         "NATO allies of the United States", "", "quote, report", ALLIES_SUSPEND),
    ]
    # every actor: every action once, and each group action once more per member it reaches
    everyone = ask("treaty-history")[1]
    assert len(everyone) == 23 - 5 + 2  # the 23 events but 5 of other kinds, + Czechia, Slovakia
    assert [row[0] for row in everyone] == sorted(row[0] for row in everyone)
    assert ask("treaty-history", actor="any")[1] == everyone
    with pytest.raises(QueryError, match="unknown entity 'Atlantis'"):
        ask("treaty-history", actor="Atlantis")


def test_treaty_status_is_decided_by_the_latest_action(project, dataset) -> None:
    """Signature, ratification, suspension and resumption in sequence, on a made-up record of
    made-up states."""
    store = memory_store(dataset.all_graphs())
    made_up = sparql_prefixes() + """
        id:testland a ckg:State ; rdfs:label "Testland"@en .
        id:otherland a ckg:State ; rdfs:label "Otherland"@en .
        id:test-signs a ckg:Signature ; ckg:treaty id:cfe-treaty ; ckg:actor id:testland ;
            ckg:date "1990"^^xsd:gYear .
        id:test-ratifies a ckg:Ratification ; ckg:treaty id:cfe-treaty ;
            ckg:actor id:testland ; ckg:date "1992-07"^^xsd:gYearMonth .
        id:test-suspends a ckg:SuspensionOfParticipation ; ckg:treaty id:cfe-treaty ;
            ckg:actor id:testland ; ckg:announcedDate "2023-11-07"^^xsd:date ;
            ckg:effectiveDate "2023-12-01"^^xsd:date .
        id:test-resumes a ckg:Resumption ; ckg:treaty id:cfe-treaty ; ckg:actor id:testland ;
            ckg:date "2024-03-01"^^xsd:date .
        id:other-signs a ckg:Signature ; ckg:treaty id:cfe-treaty ; ckg:actor id:otherland ;
            ckg:date "1992-07-01"^^xsd:date .
        id:other-ratifies a ckg:Ratification ; ckg:treaty id:cfe-treaty ; ckg:actor id:otherland ;
            ckg:date "1992-07-01"^^xsd:date .
    """
    store.load(made_up.encode(), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode("https://w3id.org/caucasus-kg/graph/test"))
    query = catalogue(project.queries_dir)["treaty-status-as-of"]

    def made_up_rows(date: str) -> list[tuple[str, ...]]:
        rows = [tuple(cell_text(v) for v in row)
                for row in run_query(query, store, {"date": date}).rows]
        return [row for row in rows if row[0] in ("Testland", "Otherland")]

    assert made_up_rows("1989-12-31") == []
    assert made_up_rows("1992-06-30") == [
        ("Testland", "signatory", "1990", "signature", "", "", "", "", "id:test-signs", "")]
    # on the same day, the ratification decides
    assert made_up_rows("1992-07-01") == [
        ("Otherland", "party", "1992-07-01", "ratification", "", "", "", "", "id:other-ratifies",
         ""),
        ("Testland", "party", "1992-07", "ratification", "", "", "", "", "id:test-ratifies", "")]
    # Announced on 7 November, effective on 1 December.
    assert made_up_rows("2023-11-06")[1] == (
        "Testland", "party", "1992-07", "ratification", "", "", "", "", "id:test-ratifies", "")
    assert made_up_rows("2023-11-30")[1] == (
        "Testland", "party", "1992-07", "ratification", "", "suspension announced", "2023-11-07",
        "2023-12-01", "id:test-ratifies", "id:test-suspends")
    assert made_up_rows("2023-12-01")[1] == (
        "Testland", "suspended", "2023-12-01", SUSPENDED, "", "", "", "", "id:test-suspends", "")
    assert made_up_rows("2024-03-01")[1] == (
        "Testland", "party", "2024-03-01", "resumption", "", "", "", "", "id:test-resumes", "")


def test_treaty_scope(ask) -> None:
    columns, rows = ask("treaty-scope")
    assert columns == ["instrument", "aspect", "value", "fact"]
    assert rows == [
        (CFE, "geographic scope", "Europe from the Atlantic to the Urals", "id:cfe-treaty"),
        (CFE, "provides", "limits on key categories of conventional military equipment in Europe, "
         "from the Atlantic to the Urals", "id:cfe-treaty"),
        (CFE, "provides", "the destruction of excess weaponry", "id:cfe-treaty"),
    ]
    assert ask("treaty-scope", treaty="section-907")[1] == [
        (SECTION_907, "applies to", "Azerbaijan", "id:section-907"),
        (SECTION_907, "jurisdiction", "United States", "id:section-907"),
        (SECTION_907, "provides", "a ban on any kind of direct United States aid to the Azerbaijani "
         "government", "id:section-907"),
    ]


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------

def test_disputes(ask) -> None:
    columns, rows = ask("disputes")
    assert columns == ["claim", "claim_label", "claimant", "disputed_by", "disputing_claim",
                       "disputing_label", "relation", "stance"]
    assert rows == [
        ("id:azerbaijan-alleges-armenia-prepares-for-war", ALLEGES_WAR[0], "Azerbaijan", "Armenia",
         "id:armenia-denies-preparing-for-war", DENIES_WAR[0], "denies", "denies"),
        ("id:azerbaijan-alleges-armenia-prepares-for-war", ALLEGES_WAR[0], "Azerbaijan",
         "Armenpress", "id:armenpress-characterises-allegations-as-false", FALSE_ALLEGATIONS[0],
         "disputes", "characterises"),
    ]


def test_claims_by_azerbaijan(ask) -> None:
    columns, rows = ask("claims-by")
    assert columns == ["stance", "label", "summary", "addressee", "responds_to", "claim"]
    assert rows == [
        ("alleges", *ALLEGES_WAR, "", "", "id:azerbaijan-alleges-armenia-prepares-for-war"),
        # "Baku is constantly claiming that it has a powerful military" is the analyst's word
        # for it: part of his claim harutyunov-rapid-rearmament-to-keep-balance, not Baku's.
        ("refuses", *REFUSAL, "Armenia", PROPOSAL[0],
         "id:azerbaijan-refuses-joint-arms-control-mechanism"),
    ]


def test_claims_by_armenia_and_armenpress(ask) -> None:
    assert ask("claims-by", actor="Republic of Armenia")[1] == [
        ("asserts", *DEFENSIVE, "", ALLEGES_WAR[0], "id:armenia-asserts-defensive-acquisitions"),
        ("denies", *DENIES_WAR, "", ALLEGES_WAR[0], "id:armenia-denies-preparing-for-war"),
        ("proposes", *PROPOSAL, "Azerbaijan", "", "id:armenia-proposes-joint-arms-control-mechanism"),
    ]
    assert ask("claims-by", actor="armenpress")[1] == [
        ("assesses", *REARMAMENT, "", "", "id:armenpress-assesses-azerbaijan-rearmament"),
        ("characterises", *FALSE_ALLEGATIONS, "", ALLEGES_WAR[0],
         "id:armenpress-characterises-allegations-as-false"),
        ("characterises", *FAKE_NEWS, "", "", "id:armenpress-characterises-fake-news-campaigns"),
    ]
    assert ask("claims-by", actor="russia")[1] == []


def test_claims_by_the_analyst(ask) -> None:
    """Each statement the article attributes to the interviewed analyst is a claim of his own."""
    assert ask("claims-by", actor="Harutyunov")[1] == [
        (stance, *claim, "", "", f"id:{slug}") for stance, claim, slug in [
            ("alleges", ALWAYS_VIOLATED, "harutyunov-alleges-azerbaijan-always-violated-cfe"),
            ("alleges", VIOLATED, "harutyunov-alleges-azerbaijan-violated-cfe"),
            ("asserts", COMBINES, "harutyunov-azerbaijan-combines-russian-weapons-and-drones"),
            ("asserts", ANNOUNCES, "harutyunov-azerbaijan-announces-procurements"),
            ("asserts", OPEN_SOURCES, "harutyunov-rearmament-in-open-sources"),
            ("asserts", AFGHAN_TRANSIT, "harutyunov-us-afghan-transit-invoked-waiver"),
            ("assesses", US_WEAPONS, "harutyunov-us-weapons-too-expensive"),
            ("assesses", MILITARIZATION, "harutyunov-south-caucasus-militarization"),
            ("assesses", OTHER_REGIONS, "harutyunov-other-militarized-regions"),
            ("assesses", FIRST_GOAL, "harutyunov-goal-arms-as-political-resource"),
            ("assesses", SECOND_GOAL, "harutyunov-goal-balance-of-power"),
            ("assesses", INEFFECTIVE, "harutyunov-arms-control-mechanisms-ineffective"),
            ("assesses", SEVERAL_GOALS, "harutyunov-azerbaijan-pursues-several-goals"),
            ("assesses", RAPID, "harutyunov-rapid-rearmament-to-keep-balance"),
            ("assesses", VERIFICATION, "harutyunov-cfe-lacked-verification"),
            ("predicts", AGGRESSION, "harutyunov-predicts-possible-new-aggression"),
        ]]


def test_claims_about_azerbaijan(ask) -> None:
    columns, rows = ask("claims-about")
    assert columns == ["claimant", "stance", "label", "summary", "claim"]
    assert rows == [
        ("Armenia", "proposes", *PROPOSAL, "id:armenia-proposes-joint-arms-control-mechanism"),
        ("Armenpress", "assesses", *REARMAMENT, "id:armenpress-assesses-azerbaijan-rearmament"),
        ("Armenpress", "characterises", *FAKE_NEWS,
         "id:armenpress-characterises-fake-news-campaigns"),
        (HARUTYUNOV, "alleges", *ALWAYS_VIOLATED,
         "id:harutyunov-alleges-azerbaijan-always-violated-cfe"),
        (HARUTYUNOV, "alleges", *VIOLATED, "id:harutyunov-alleges-azerbaijan-violated-cfe"),
        (HARUTYUNOV, "asserts", *COMBINES,
         "id:harutyunov-azerbaijan-combines-russian-weapons-and-drones"),
        (HARUTYUNOV, "asserts", *ANNOUNCES, "id:harutyunov-azerbaijan-announces-procurements"),
        (HARUTYUNOV, "asserts", *OPEN_SOURCES, "id:harutyunov-rearmament-in-open-sources"),
        (HARUTYUNOV, "asserts", *AFGHAN_TRANSIT, "id:harutyunov-us-afghan-transit-invoked-waiver"),
        (HARUTYUNOV, "assesses", *US_WEAPONS, "id:harutyunov-us-weapons-too-expensive"),
        (HARUTYUNOV, "assesses", *FIRST_GOAL, "id:harutyunov-goal-arms-as-political-resource"),
        (HARUTYUNOV, "assesses", *SECOND_GOAL, "id:harutyunov-goal-balance-of-power"),
        (HARUTYUNOV, "assesses", *SEVERAL_GOALS, "id:harutyunov-azerbaijan-pursues-several-goals"),
        (HARUTYUNOV, "assesses", *RAPID, "id:harutyunov-rapid-rearmament-to-keep-balance"),
        (HARUTYUNOV, "predicts", *AGGRESSION, "id:harutyunov-predicts-possible-new-aggression"),
    ]


def test_claims_about_the_cfe_treaty_a_region_and_a_claim(ask) -> None:
    assert ask("claims-about", entity="CFE Treaty")[1] == [
        (HARUTYUNOV, "alleges", *ALWAYS_VIOLATED,
         "id:harutyunov-alleges-azerbaijan-always-violated-cfe"),
        (HARUTYUNOV, "alleges", *VIOLATED, "id:harutyunov-alleges-azerbaijan-violated-cfe"),
        (HARUTYUNOV, "assesses", *INEFFECTIVE, "id:harutyunov-arms-control-mechanisms-ineffective"),
        (HARUTYUNOV, "assesses", *VERIFICATION, "id:harutyunov-cfe-lacked-verification"),
    ]
    assert ask("claims-about", entity="Transcaucasia")[1] == [
        (HARUTYUNOV, "assesses", *MILITARIZATION, "id:harutyunov-south-caucasus-militarization"),
    ]
    assert ask("claims-about", entity="azerbaijan-alleges-armenia-prepares-for-war")[1] == [
        ("Armenpress", "characterises", *FALSE_ALLEGATIONS,
         "id:armenpress-characterises-allegations-as-false"),
        ("Armenpress", "characterises", *FAKE_NEWS,
         "id:armenpress-characterises-fake-news-campaigns"),
    ]
    # What the analyst said of the Afghan transit and of the drones is his claim about the
    # states involved, not a fact of the graph.
    assert ask("claims-about", entity="Afghanistan")[1] == [
        (HARUTYUNOV, "asserts", *AFGHAN_TRANSIT, "id:harutyunov-us-afghan-transit-invoked-waiver"),
    ]
    assert ask("claims-about", entity="Turkey")[1] == [
        (HARUTYUNOV, "asserts", *COMBINES,
         "id:harutyunov-azerbaijan-combines-russian-weapons-and-drones"),
    ]


def test_analyst_statements(ask) -> None:
    columns, rows = ask("analyst-statements")
    assert columns == ["analyst", "role", "stance", "statement", "summary", "proposition", "claim"]
    h = (HARUTYUNOV, ANALYST)
    # Every statement the article attributes to the analyst, each its own claim.
    assert rows == [
        (*h, "alleges", *ALWAYS_VIOLATED, "",
         "id:harutyunov-alleges-azerbaijan-always-violated-cfe"),
        (*h, "alleges", *VIOLATED, f"Azerbaijan violated {CFE}",
         "id:harutyunov-alleges-azerbaijan-violated-cfe"),
        (*h, "asserts", *COMBINES, "",
         "id:harutyunov-azerbaijan-combines-russian-weapons-and-drones"),
        (*h, "asserts", *ANNOUNCES, "", "id:harutyunov-azerbaijan-announces-procurements"),
        (*h, "asserts", *OPEN_SOURCES, "", "id:harutyunov-rearmament-in-open-sources"),
        (*h, "asserts", *AFGHAN_TRANSIT, "", "id:harutyunov-us-afghan-transit-invoked-waiver"),
        (*h, "assesses", *US_WEAPONS, "", "id:harutyunov-us-weapons-too-expensive"),
        (*h, "assesses", *MILITARIZATION, "", "id:harutyunov-south-caucasus-militarization"),
        (*h, "assesses", *OTHER_REGIONS, "", "id:harutyunov-other-militarized-regions"),
        (*h, "assesses", *FIRST_GOAL, "", "id:harutyunov-goal-arms-as-political-resource"),
        (*h, "assesses", *SECOND_GOAL, "", "id:harutyunov-goal-balance-of-power"),
        (*h, "assesses", *INEFFECTIVE, "", "id:harutyunov-arms-control-mechanisms-ineffective"),
        (*h, "assesses", *SEVERAL_GOALS, "", "id:harutyunov-azerbaijan-pursues-several-goals"),
        (*h, "assesses", *RAPID, "", "id:harutyunov-rapid-rearmament-to-keep-balance"),
        (*h, "assesses", *VERIFICATION, "", "id:harutyunov-cfe-lacked-verification"),
        (*h, "predicts", *AGGRESSION, "", "id:harutyunov-predicts-possible-new-aggression"),
    ]


def test_proposals_and_refusals(ask) -> None:
    columns, rows = ask("proposals-and-refusals")
    assert columns == ["proposer", "addressee", "proposal", "responder", "response_stance",
                       "proposal_claim", "response_claim"]
    assert rows == [
        ("Armenia", "Azerbaijan", PROPOSAL[1], "Azerbaijan", "refuses",
         "id:armenia-proposes-joint-arms-control-mechanism",
         "id:azerbaijan-refuses-joint-arms-control-mechanism"),
    ]


def test_responses(ask) -> None:
    columns, rows = ask("responses")
    assert columns == ["date", "responder", "action", "relation", "responded_to_actor",
                       "responded_to_action", "response", "responded_to", "origin"]
    allegation = "id:azerbaijan-alleges-armenia-prepares-for-war"
    proposal = "id:armenia-proposes-joint-arms-control-mechanism"
    withdrawal = "id:russia-withdraws-from-cfe-2023"
    assert rows == [
        ("", "Armenia", "asserts", "in response to", "Azerbaijan", "alleges",
         "id:armenia-asserts-defensive-acquisitions", allegation, allegation),
        ("", "Armenia", "denies", "denies", "Azerbaijan", "alleges",
         "id:armenia-denies-preparing-for-war", allegation, allegation),
        ("", "Armenpress", "characterises", "disputes", "Azerbaijan", "alleges",
         "id:armenpress-characterises-allegations-as-false", allegation, allegation),
        ("", "Azerbaijan", "refuses", "in response to", "Armenia", "proposes",
         "id:azerbaijan-refuses-joint-arms-control-mechanism", proposal, proposal),
        # dated by the day they took effect (graphs/cfe-participation.yaml)
        ("2023-12-07", NATO_ALLIES, "suspension of participation", "in response to", "Russia",
         "withdrawal", "id:nato-allies-suspend-cfe-2023", withdrawal, withdrawal),
        ("2023-12-07", "United States", "suspension of participation", "in response to",
         "Russia", "withdrawal", "id:united-states-suspends-cfe-2023", withdrawal, withdrawal),
        ("2024-02-07", "Canada", "suspension of participation", "in response to", "Russia",
         "withdrawal", "id:canada-suspends-cfe-2024", withdrawal, withdrawal),
    ]


# --------------------------------------------------------------------------------------------
# Arms, rankings, events
# --------------------------------------------------------------------------------------------

ARMS_COLUMNS = ["supplier", "weapon_category", "description", "year", "amount", "currency",
                "bound", "according_to", "fact"]
CAWAT_PROCUREMENT = ("", "arms", "", "2024", "2200000000", "USD", "more than", CAWAT,
                     "id:azerbaijan-arms-acquisitions-2024")


def test_arms_procurements(ask) -> None:
    # The Russian weaponry and the Israeli and Turkish drones are the analyst's claim
    # (harutyunov-azerbaijan-combines-russian-weapons-and-drones), not transfers of the graph.
    columns, rows = ask("arms-procurements")
    assert columns == ARMS_COLUMNS
    assert rows == [CAWAT_PROCUREMENT]
    assert ask("arms-procurements", recipient="Baku") == (columns, [CAWAT_PROCUREMENT])
    assert ask("arms-procurements", recipient="armenia")[1] == []


def test_arms_procurements_with_transfers_from_named_suppliers(ask_chronicle) -> None:
    ask = ask_chronicle
    arms = [
        CAWAT_PROCUREMENT,
        ("Israel", "drones", "drones", "", "", "", "", CHRONICLE_DESK,
         "id:israel-drones-to-azerbaijan"),
        ("Russia", "heavy weaponry", "Russian heavy weaponry", "", "", "", "", CHRONICLE_DESK,
         "id:russia-heavy-weaponry-to-azerbaijan"),
        ("T\u00fcrkiye", "drones", "drones", "", "", "", "", CHRONICLE_DESK,
         "id:turkiye-drones-to-azerbaijan"),
    ]
    assert ask("arms-procurements") == (ARMS_COLUMNS, arms)
    assert ask("arms-procurements", recipient="Baku") == (ARMS_COLUMNS, arms)
    assert ask("arms-procurements", recipient="armenia")[1] == []


def test_rankings(ask) -> None:
    columns, rows = ask("rankings")
    assert columns == ["entity", "rank", "year", "population", "ranked_by", "fact"]
    assert rows == [
        ("Azerbaijan", "16", "2024", "arms importers in the world", CAWAT,
         "id:cawat-ranking-azerbaijan-2024"),
    ]


TIMELINE_COLUMNS = ["date", "after", "event", "kind", "involved", "fact"]
ADOPTION_AND_WAIVERS = [
    ("2001-10-24", "", ADOPTION, "amendment adoption", "United States Senate",
     "id:senate-adopts-section-907-waiver-amendment-2001"),
    ("", ADOPTION, WAIVERS, "waiver (recurring)", "President of the United States",
     "id:section-907-waivers-since-2001"),
]

def _succession(date: str, label: str, state: str, slug: str) -> tuple[str, ...]:
    return (date, "", label, "succession", state, f"id:{slug}")


# The curated CFE participation (graphs/cfe-participation.yaml): each action at the day it took
# effect; on the same day, by label.
CFE_PARTIES_1991_1993 = [
    ("1991-11-22", "", "Canada ratifies the CFE Treaty", "ratification", "Canada",
     "id:canada-ratifies-cfe-1991"),
    ("1992-01-29", "", "The United States ratifies the CFE Treaty", "ratification",
     "United States", "id:united-states-ratifies-cfe-1992"),
    *(_succession("1992-06-05", f"{state} succeeds to the Soviet Union's participation in the "
                  "CFE Treaty", state, f"{state.lower()}-succeeds-to-cfe-1992")
      for state in ("Armenia", "Azerbaijan", "Belarus", "Georgia", "Kazakhstan", "Moldova",
                    "Russia", "Ukraine")),
    _succession("1993-01-01", "Slovakia succeeds to Czechoslovakia's participation in the CFE "
                "Treaty", "Slovakia", "slovakia-succeeds-to-cfe-1993"),
    _succession("1993-01-01", "The Czech Republic succeeds to Czechoslovakia's participation in "
                "the CFE Treaty", "Czechia", "czechia-succeeds-to-cfe-1993"),
]
RUSSIA_2007 = [
    ("2007-12-12", "", "Russia suspends the operation of the CFE Treaty (2007)",
     "suspension of participation", "Russia", "id:russia-suspends-cfe-operation-2007"),
]
SINCE_2023 = [
    ("2023-06-09", "", "Russia's law on the denunciation of the CFE Treaty is signed",
     "enactment", "President of the Russian Federation",
     "id:russia-enacts-cfe-denunciation-law-2023"),
    ("2023-11-07", "", "Russia denounces the CFE Treaty", "denunciation", "Russia",
     "id:russia-denounces-cfe-2023"),
    ("2023-11-07", "", "Russia withdraws from the CFE Treaty", "withdrawal", "Russia",
     "id:russia-withdraws-from-cfe-2023"),
    ("2023-11-15", "", PASSAGE, "bill passage", "United States Senate",
     "id:senate-passes-section-907-bill-2023"),
    ("2023-12-07", "", "NATO allies of the United States suspend their participation in the "
     "CFE Treaty", "suspension of participation", NATO_ALLIES, "id:nato-allies-suspend-cfe-2023"),
    ("2023-12-07", "", "The United States suspends its participation in the CFE Treaty",
     "suspension of participation", "United States", "id:united-states-suspends-cfe-2023"),
    ("2024", "", ACQUISITIONS, "arms procurement", "Azerbaijan",
     "id:azerbaijan-arms-acquisitions-2024"),
    ("2024-02-07", "", "Canada suspends the operation of the CFE Treaty",
     "suspension of participation", "Canada", "id:canada-suspends-cfe-2024"),
]


def test_timeline(ask) -> None:
    # The 9/11 attacks, the Afghan transit and the 2020 war are in the article only in the
    # analyst's words: his claims, not events of the graph.
    columns, rows = ask("timeline")
    assert columns == TIMELINE_COLUMNS
    # An event is dated by the day it took effect: the enactment of Russia's denunciation law
    # by its entry into force, the suspensions of 2023 by 7 December and 7 February.
    assert rows == CFE_PARTIES_1991_1993 + ADOPTION_AND_WAIVERS + RUSSIA_2007 + SINCE_2023


def test_timeline_with_an_anchored_transit_a_war_and_undated_transfers(ask_chronicle) -> None:
    """A year sorts before the days in it, an undated event follows its anchor, undated and
    unanchored events come last."""
    assert ask_chronicle("timeline") == (TIMELINE_COLUMNS, [
        *CFE_PARTIES_1991_1993,
        ("2001-09-11", "", ATTACKS, "attack", "", "id:september-11-attacks"),
        ("", ATTACKS, TRANSIT, "military transit", "United States",
         "id:us-afghan-transit-through-azerbaijan"),
        *ADOPTION_AND_WAIVERS,
        *RUSSIA_2007,
        ("2020", "", "2020 war", "armed conflict", "Armenia, Azerbaijan", "id:war-2020"),
        *SINCE_2023,
        ("", "", "Israeli drones for Azerbaijan", "arms transfer", "Azerbaijan, Israel",
         "id:israel-drones-to-azerbaijan"),
        ("", "", "Russian heavy weaponry for Azerbaijan", "arms transfer", "Azerbaijan, Russia",
         "id:russia-heavy-weaponry-to-azerbaijan"),
        ("", "", "Turkish drones for Azerbaijan", "arms transfer", "Azerbaijan, T\u00fcrkiye",
         "id:turkiye-drones-to-azerbaijan"),
    ])


# --------------------------------------------------------------------------------------------
# Legislation
# --------------------------------------------------------------------------------------------

HISTORY_COLUMNS = ["date", "kind", "label", "actor", "relation", "object", "fact"]
_PROVISION = ("", "provision", SECTION_907, "")
_AMENDMENT = ("2001-10-24", "amendment", AMENDMENT, "")
_AUTHORITY = ("2001-10-24", "waiver authority", AUTHORITY, "")
_WAIVERS = ("after 2001-10-24", "waiver", WAIVERS, "President of the United States")
_BILL = ("2023-11-15", "bill", BILL, "")
ACT_AND_PROVISION = [
    ("", "act", "FREEDOM Support Act", "", "", "", "id:freedom-support-act"),
    (*_PROVISION, "applies to", "Azerbaijan", "id:section-907"),
    (*_PROVISION, "part of", "FREEDOM Support Act", "id:section-907"),
    (*_PROVISION, "provides", "a ban on any kind of direct United States aid to the "
     "Azerbaijani government", "id:section-907"),
    (*_PROVISION, "section number", "907", "id:section-907"),
]
SINCE_THE_AMENDMENT = [
    (*_AMENDMENT, "amends", "FREEDOM Support Act", "id:section-907-waiver-amendment-2001"),
    (*_AMENDMENT, "establishes", AUTHORITY, "id:section-907-waiver-amendment-2001"),
    ("2001-10-24", "amendment adoption", ADOPTION, "United States Senate", "instrument",
     AMENDMENT, "id:senate-adopts-section-907-waiver-amendment-2001"),
    (*_AUTHORITY, "applies to", "Azerbaijan", "id:section-907-waiver-authority"),
    (*_AUTHORITY, "held by", "President of the United States", "id:section-907-waiver-authority"),
    (*_AUTHORITY, "waives", SECTION_907, "id:section-907-waiver-authority"),
    (*_WAIVERS, "applies to", "Azerbaijan", "id:section-907-waivers-since-2001"),
    (*_WAIVERS, "exercises", AUTHORITY, "id:section-907-waivers-since-2001"),
    (*_WAIVERS, "recurring", "true", "id:section-907-waivers-since-2001"),
    (*_BILL, "applies to", "Azerbaijan", "id:senate-bill-2023-section-907-azerbaijan"),
    (*_BILL, "fiscal year", "2024", "id:senate-bill-2023-section-907-azerbaijan"),
    (*_BILL, "fiscal year", "2025", "id:senate-bill-2023-section-907-azerbaijan"),
    (*_BILL, "provides", "suspending all military aid to Azerbaijan by repealing the Section "
     "907 waiver authority with respect to assistance to Azerbaijan for fiscal years 2024 or "
     "2025", "id:senate-bill-2023-section-907-azerbaijan"),
    (*_BILL, "repeals", AUTHORITY, "id:senate-bill-2023-section-907-azerbaijan"),
    ("2023-11-15", "bill passage", PASSAGE, "United States Senate", "instrument", BILL,
     "id:senate-passes-section-907-bill-2023"),
]


def test_section_907_history(ask) -> None:
    columns, rows = ask("section-907-history")
    assert columns == HISTORY_COLUMNS
    # The Afghan transit that invoked the waiver is the analyst's claim, not an event here.
    assert rows == ACT_AND_PROVISION + SINCE_THE_AMENDMENT
    # The same history is reached from any instrument in it.
    assert ask("section-907-history", provision="Section 907 waiver") == (columns, rows)


def test_section_907_history_with_an_invocation_dated_after_its_anchor(ask_chronicle) -> None:
    rows = ACT_AND_PROVISION + [
        ("after 2001-09-11", "military transit", TRANSIT, "United States", "invokes", AUTHORITY,
         "id:us-afghan-transit-through-azerbaijan"),
        *SINCE_THE_AMENDMENT,
    ]
    assert ask_chronicle("section-907-history") == (HISTORY_COLUMNS, rows)
    assert ask_chronicle("section-907-history", provision="Section 907 waiver") == (
        HISTORY_COLUMNS, rows)


def test_section_907_history_of_an_unrelated_instrument(ask) -> None:
    assert ask("section-907-history", provision="cfe-treaty")[1] == [
        ("", "treaty", CFE, "", "provides", "limits on key categories of conventional military "
         "equipment in Europe, from the Atlantic to the Urals", "id:cfe-treaty"),
        ("", "treaty", CFE, "", "provides", "the destruction of excess weaponry", "id:cfe-treaty"),
    ]


# --------------------------------------------------------------------------------------------
# Actors, places, entities
# --------------------------------------------------------------------------------------------

def test_actors(ask) -> None:
    """The founding article's actors exactly, in the catalogue's order, among every actor the
    fact files declare (the curated CFE and membership files add states, organisations and the
    publishers of their sources)."""
    columns, rows = ask("actors")
    assert columns == ["actor", "label", "kind", "aliases", "wikidata", "details"]
    assert {row[0] for row in rows} == declared((ARTICLE_FILE, *CURATED_FILES), ("actors",))
    assert len(rows) == 70
    for row in [
        ("id:soviet-union", "Soviet Union", "state", "USSR; Union of Soviet Socialist Republics",
         "wd:Q15180", ""),
        ("id:csto", "Collective Security Treaty Organization", "alliance", "CSTO", "", ""),
        ("id:cfe-states-parties", "States Parties to the CFE Treaty", "group of states", "", "",
         ""),
        ("id:global-affairs-canada", "Global Affairs Canada", "government office",
         "Canadian Foreign Ministry", "", "jurisdiction: Canada"),
    ]:
        assert row in rows
    article = declared((ARTICLE_FILE,), ("actors",))
    assert [row for row in rows if row[0] in article] == [
        ("id:nato", "NATO", "alliance", "North Atlantic Treaty Organization", "wd:Q7184", ""),
        ("id:us-president", "President of the United States", "government office",
         "US President", "wd:Q11696", "jurisdiction: United States"),
        ("id:nato-allies-of-the-united-states", NATO_ALLIES, "group of states", "NATO allies",
         "", "excludes: United States; group of: NATO"),
        ("id:us-senate", "United States Senate", "legislative body", "Senate; US Senate",
         "wd:Q66096", "jurisdiction: United States"),
        ("id:armenpress", "Armenpress", "media outlet", "Armenpress news agency", "", ""),
        ("id:davit-harutyunov", HARUTYUNOV, "person", "Harutyunov", "",
         "role: military-political analyst"),
        ("id:cawat", CAWAT, "research organisation", "CAWAT", "", "based in: Moscow"),
        ("id:afghanistan", "Afghanistan", "state", "", "wd:Q889", ""),
        ("id:armenia", "Armenia", "state", "Republic of Armenia; Yerevan", "wd:Q399", ""),
        ("id:azerbaijan", "Azerbaijan", "state",
         "Azerbaijani government; Baku; Republic of Azerbaijan", "wd:Q227", ""),
        ("id:israel", "Israel", "state", "", "wd:Q801", ""),
        ("id:russia", "Russia", "state", "Russian Federation", "wd:Q159", ""),
        ("id:turkiye", "T\u00fcrkiye", "state", "Republic of T\u00fcrkiye; Turkey; Turkiye",
         "wd:Q43", ""),
        ("id:united-states", "United States", "state", "US; USA; United States of America",
         "wd:Q30", ""),
    ]


STATES_COLUMNS = ["name", "alpha2", "alpha3", "alpha4", "wikidata", "state"]
STATES = [
    ("Afghanistan", "AF", "AFG", "", "wd:Q889", "id:afghanistan"),
    ("Armenia", "AM", "ARM", "", "wd:Q399", "id:armenia"),
    ("Azerbaijan", "AZ", "AZE", "", "wd:Q227", "id:azerbaijan"),
    ("Israel", "IL", "ISR", "", "wd:Q801", "id:israel"),
    ("Russia", "RU", "RUS", "", "wd:Q159", "id:russia"),
    ("T\u00fcrkiye", "TR", "TUR", "", "wd:Q43", "id:turkiye"),
    ("United States", "US", "USA", "", "wd:Q30", "id:united-states"),
]
"""The founding article's states, each with the ISO 3166-1 codes its fact file gives (checked
against pycountry by tests/test_iso_codes.py) and its Wikidata item."""

STATES += [  # graphs/cfe-participation.yaml, nato-membership.yaml, csto-cis-membership.yaml
    ("Albania", "AL", "ALB", "", "wd:Q222", "id:albania"),
    ("Belarus", "BY", "BLR", "", "wd:Q184", "id:belarus"),
    ("Belgium", "BE", "BEL", "", "wd:Q31", "id:belgium"),
    ("Bulgaria", "BG", "BGR", "", "wd:Q219", "id:bulgaria"),
    ("Canada", "CA", "CAN", "", "wd:Q16", "id:canada"),
    ("Croatia", "HR", "HRV", "", "wd:Q224", "id:croatia"),
    ("Czechia", "CZ", "CZE", "", "wd:Q213", "id:czechia"),
    ("Czechoslovakia", "", "CSK", "CSHH", "wd:Q33946", "id:czechoslovakia"),
    ("Denmark", "DK", "DNK", "", "", "id:denmark"),
    ("Estonia", "EE", "EST", "", "wd:Q191", "id:estonia"),
    ("Finland", "FI", "FIN", "", "wd:Q33", "id:finland"),
    ("France", "FR", "FRA", "", "wd:Q142", "id:france"),
    ("Georgia", "GE", "GEO", "", "wd:Q230", "id:georgia"),
    ("Germany", "DE", "DEU", "", "wd:Q183", "id:germany"),
    ("Greece", "GR", "GRC", "", "wd:Q41", "id:greece"),
    ("Hungary", "HU", "HUN", "", "wd:Q28", "id:hungary"),
    ("Iceland", "IS", "ISL", "", "wd:Q189", "id:iceland"),
    ("Italy", "IT", "ITA", "", "wd:Q38", "id:italy"),
    ("Kazakhstan", "KZ", "KAZ", "", "wd:Q232", "id:kazakhstan"),
    ("Kyrgyzstan", "KG", "KGZ", "", "wd:Q813", "id:kyrgyzstan"),
    ("Latvia", "LV", "LVA", "", "wd:Q211", "id:latvia"),
    ("Lithuania", "LT", "LTU", "", "wd:Q37", "id:lithuania"),
    ("Luxembourg", "LU", "LUX", "", "wd:Q32", "id:luxembourg"),
    ("Moldova", "MD", "MDA", "", "wd:Q217", "id:moldova"),
    ("Montenegro", "ME", "MNE", "", "wd:Q236", "id:montenegro"),
    ("Netherlands", "NL", "NLD", "", "", "id:netherlands"),
    ("North Macedonia", "MK", "MKD", "", "wd:Q221", "id:north-macedonia"),
    ("Norway", "NO", "NOR", "", "wd:Q20", "id:norway"),
    ("Poland", "PL", "POL", "", "wd:Q36", "id:poland"),
    ("Portugal", "PT", "PRT", "", "wd:Q45", "id:portugal"),
    ("Romania", "RO", "ROU", "", "wd:Q218", "id:romania"),
    ("Slovakia", "SK", "SVK", "", "wd:Q214", "id:slovakia"),
    ("Slovenia", "SI", "SVN", "", "wd:Q215", "id:slovenia"),
    ("Soviet Union", "", "SUN", "SUHH", "wd:Q15180", "id:soviet-union"),
    ("Spain", "ES", "ESP", "", "wd:Q29", "id:spain"),
    ("Sweden", "SE", "SWE", "", "wd:Q34", "id:sweden"),
    ("Tajikistan", "TJ", "TJK", "", "wd:Q863", "id:tajikistan"),
    ("Ukraine", "UA", "UKR", "", "wd:Q212", "id:ukraine"),
    ("United Kingdom", "GB", "GBR", "", "wd:Q145", "id:united-kingdom"),
]  # the dissolved Soviet Union and Czechoslovakia with their ISO 3166-3 codes
STATES.sort()


def test_states(ask) -> None:
    columns, rows = ask("states")
    assert columns == STATES_COLUMNS
    assert rows == STATES


GEOGRAPHY_COLUMNS = ["place", "kind", "relation", "subject", "fact", "place_id"]
GEOGRAPHY = [
    ("Europe from the Atlantic to the Urals", "region", "geographic scope", CFE,
     "id:cfe-treaty", "id:europe-atlantic-to-urals"),
    ("Middle East", "region", "about", OTHER_REGIONS[0],
     "id:harutyunov-other-militarized-regions", "id:middle-east"),
    ("Moscow", "city", "based in", CAWAT, "id:cawat", "id:moscow"),
    ("Russia", "state", "located in", "Moscow", "id:moscow", "id:russia"),
    ("South Caucasus", "region", "about", MILITARIZATION[0],
     "id:harutyunov-south-caucasus-militarization", "id:south-caucasus"),
    ("Southeast Asia", "region", "about", OTHER_REGIONS[0],
     "id:harutyunov-other-militarized-regions", "id:southeast-asia"),
]


def test_geography(ask) -> None:
    columns, rows = ask("geography")
    assert columns == GEOGRAPHY_COLUMNS
    assert rows == GEOGRAPHY


def test_geography_of_a_transit_and_an_attack(ask_chronicle) -> None:
    """Where an event happened (location) and led to (destination)."""
    assert ask_chronicle("geography") == (GEOGRAPHY_COLUMNS, [
        ("Afghanistan", "state", "destination", TRANSIT,
         "id:us-afghan-transit-through-azerbaijan", "id:afghanistan"),
        ("Azerbaijan", "state", "location", TRANSIT, "id:us-afghan-transit-through-azerbaijan",
         "id:azerbaijan"),
        *GEOGRAPHY,
        ("United States", "state", "location", ATTACKS, "id:september-11-attacks",
         "id:united-states"),
    ])


def test_entities(ask) -> None:
    """The founding article's entities exactly, in the catalogue's order, among every entity the
    fact files declare."""
    columns, rows = ask("entities")
    assert columns == ["id", "label", "type", "wikidata", "aliases"]
    everything = declared((ARTICLE_FILE, *CURATED_FILES))
    assert {row[0] for row in rows} == everything
    # the article's 57 entries; 56 more actors, 4 instruments, 16 events; 32 + 6 + 4 memberships
    assert len(rows) == len(everything) == 57 + 56 + 4 + 16 + 42
    for row in [
        ("id:russia-denounces-cfe-2023", "Russia denounces the CFE Treaty", "denunciation", "", ""),
        ("id:nato-membership-germany", "Germany's membership of NATO", "membership", "", ""),
        ("id:russia-cfe-denunciation-law-2023", LAW, "act", "", "CFE denunciation law"),
    ]:
        assert row in rows
    article = declared((ARTICLE_FILE,))
    rows = [row for row in rows if row[0] in article]
    claims = [(f"id:{slug}", label, "claim", "", "") for slug, label in [
        ("armenia-denies-preparing-for-war", DENIES_WAR[0]),
        ("armenia-proposes-joint-arms-control-mechanism", PROPOSAL[0]),
        ("armenia-asserts-defensive-acquisitions", DEFENSIVE[0]),
        ("armenpress-characterises-allegations-as-false", FALSE_ALLEGATIONS[0]),
        ("armenpress-assesses-azerbaijan-rearmament", REARMAMENT[0]),
        ("armenpress-characterises-fake-news-campaigns", FAKE_NEWS[0]),
        ("azerbaijan-alleges-armenia-prepares-for-war", ALLEGES_WAR[0]),
        ("azerbaijan-refuses-joint-arms-control-mechanism", REFUSAL[0]),
        ("harutyunov-alleges-azerbaijan-always-violated-cfe", ALWAYS_VIOLATED[0]),
        ("harutyunov-alleges-azerbaijan-violated-cfe", VIOLATED[0]),
        ("harutyunov-predicts-possible-new-aggression", AGGRESSION[0]),
        ("harutyunov-us-weapons-too-expensive", US_WEAPONS[0]),
        ("harutyunov-south-caucasus-militarization", MILITARIZATION[0]),
        ("harutyunov-other-militarized-regions", OTHER_REGIONS[0]),
        ("harutyunov-goal-arms-as-political-resource", FIRST_GOAL[0]),
        ("harutyunov-goal-balance-of-power", SECOND_GOAL[0]),
        ("harutyunov-arms-control-mechanisms-ineffective", INEFFECTIVE[0]),
        ("harutyunov-azerbaijan-combines-russian-weapons-and-drones", COMBINES[0]),
        ("harutyunov-azerbaijan-announces-procurements", ANNOUNCES[0]),
        ("harutyunov-azerbaijan-pursues-several-goals", SEVERAL_GOALS[0]),
        ("harutyunov-rapid-rearmament-to-keep-balance", RAPID[0]),
        ("harutyunov-rearmament-in-open-sources", OPEN_SOURCES[0]),
        ("harutyunov-cfe-lacked-verification", VERIFICATION[0]),
        ("harutyunov-us-afghan-transit-invoked-waiver", AFGHAN_TRANSIT[0]),
    ]]
    assert rows == [
        ("id:freedom-support-act", "FREEDOM Support Act", "act", "",
         "Freedom Support Act; United States Freedom Support Act"),
        ("id:nato", "NATO", "alliance", "wd:Q7184", "North Atlantic Treaty Organization"),
        ("id:section-907-waiver-amendment-2001", AMENDMENT, "amendment", "", ""),
        ("id:senate-adopts-section-907-waiver-amendment-2001", ADOPTION, "amendment adoption", "",
         ""),
        ("id:azerbaijan-arms-acquisitions-2024", ACQUISITIONS, "arms procurement", "", ""),
        ("id:senate-bill-2023-section-907-azerbaijan", BILL, "bill", "", ""),
        ("id:senate-passes-section-907-bill-2023", PASSAGE, "bill passage", "", ""),
        ("id:moscow", "Moscow", "city", "wd:Q649", ""),
        *claims,
        ("id:us-president", "President of the United States", "government office", "wd:Q11696",
         "US President"),
        ("id:nato-allies-of-the-united-states", NATO_ALLIES, "group of states", "", "NATO allies"),
        ("id:us-senate", "United States Senate", "legislative body", "wd:Q66096",
         "Senate; US Senate"),
        ("id:armenpress", "Armenpress", "media outlet", "", "Armenpress news agency"),
        ("id:davit-harutyunov", HARUTYUNOV, "person", "", "Harutyunov"),
        ("id:section-907", SECTION_907, "provision", "", "Section 907"),
        ("id:cawat-ranking-azerbaijan-2024", RANKING, "ranking", "", ""),
        ("id:europe-atlantic-to-urals", "Europe from the Atlantic to the Urals", "region", "",
         "ATTU zone"),
        ("id:middle-east", "Middle East", "region", "wd:Q7204", ""),
        ("id:south-caucasus", "South Caucasus", "region", "", "Transcaucasia"),
        ("id:southeast-asia", "Southeast Asia", "region", "wd:Q11708", ""),
        ("id:cawat", CAWAT, "research organisation", "", "CAWAT"),
        ("id:afghanistan", "Afghanistan", "state", "wd:Q889", ""),
        ("id:armenia", "Armenia", "state", "wd:Q399", "Republic of Armenia; Yerevan"),
        ("id:azerbaijan", "Azerbaijan", "state", "wd:Q227",
         "Azerbaijani government; Baku; Republic of Azerbaijan"),
        ("id:israel", "Israel", "state", "wd:Q801", ""),
        ("id:russia", "Russia", "state", "wd:Q159", "Russian Federation"),
        ("id:turkiye", "T\u00fcrkiye", "state", "wd:Q43", "Republic of T\u00fcrkiye; Turkey; Turkiye"),
        ("id:united-states", "United States", "state", "wd:Q30",
         "US; USA; United States of America"),
        ("id:nato-allies-suspend-cfe-2023", "NATO allies of the United States suspend their "
         "participation in the CFE Treaty", "suspension of participation", "", ""),
        ("id:united-states-suspends-cfe-2023", "The United States suspends its participation in "
         "the CFE Treaty", "suspension of participation", "", ""),
        ("id:cfe-treaty", CFE, "treaty", "", "CFE; CFE Treaty; treaty on conventional arms"),
        ("id:section-907-waivers-since-2001", WAIVERS, "waiver", "", ""),
        ("id:section-907-waiver-authority", AUTHORITY, "waiver authority", "",
         "Section 907 waiver; Section 907 waiver authority"),
        ("id:russia-withdraws-from-cfe-2023", "Russia withdraws from the CFE Treaty", "withdrawal",
         "", ""),
    ]
    assert len(rows) == 57  # every entry of the article's fact file


# --------------------------------------------------------------------------------------------
# Sources and evidence
# --------------------------------------------------------------------------------------------

PROVENANCE_COLUMNS = ["evidence_kind", "quote", "paraphrase", "record", "source_title",
                      "publisher", "attributed_to", "reports", "start", "end", "evidence"]
QUOTE = "quote of a stored text"
REPORT = "report in the curator's words"


def quoted(quote: str, attributed_to: str, start: str, end: str,
           evidence: str) -> tuple[str, ...]:
    """A provenance row of a quote of the founding article."""
    return (QUOTE, quote, "", "", SOURCE_TITLE, "Armenpress", attributed_to, "", start, end,
            evidence)


def test_provenance_of_russias_withdrawal(ask) -> None:
    columns, rows = ask("provenance", fact="russia-withdraws-from-cfe-2023")
    assert columns == PROVENANCE_COLUMNS
    article = quoted("On 7 November 2023, Russia withdrew from the treaty", "Armenpress", "2866",
                     "2917", "id:russia-withdraws-from-cfe-2023/evidence/1")
    # two official sources, reported in the curator's words (graphs/cfe-participation.yaml)
    mfa = "Ministry of Foreign Affairs of the Russian Federation"
    reports = [
        (REPORT, "", "Russia's Foreign Ministry said on 7 November 2023 that Russia's withdrawal "
         "from the CFE Treaty had been completed.", "", "Russian Foreign Ministry statement on "
         "the completed withdrawal from the CFE Treaty (7 November 2023)", mfa, mfa, "Russia", "",
         "", "id:russia-withdraws-from-cfe-2023/evidence/cfe-participation/1"),
        (REPORT, "", "Russia's withdrawal from the CFE Treaty was completed at midnight on "
         "7 November 2023, under the law denouncing the Treaty that President Putin signed on "
         "29 May 2023.", "", "TASS report on the Allied statement after Russia's withdrawal from "
         "the CFE Treaty (7 November 2023)", "TASS", "TASS", "Russia", "", "",
         "id:russia-withdraws-from-cfe-2023/evidence/cfe-participation/2"),
    ]
    assert rows == [article, *reports]
    assert ask("provenance", fact="russia-withdraws-from-cfe-2023", kind="quote") == (columns,
                                                                                     [article])
    assert ask("provenance", fact="russia-withdraws-from-cfe-2023", kind="report")[1] == reports
    for kind in ("anchored-quote", "record"):
        assert ask("provenance", fact="russia-withdraws-from-cfe-2023", kind=kind)[1] == []


def test_provenance_of_a_claim_with_two_quotes(ask) -> None:
    first = quoted("Armenia is the one that is preparing for war and buying weapons",
                   "Armenpress", "490", "553",
                   "id:azerbaijan-alleges-armenia-prepares-for-war/evidence/1")
    second = quoted("the Azeri accusations of preparing for war", "Armenpress", "585", "627",
                    "id:azerbaijan-alleges-armenia-prepares-for-war/evidence/2")
    claim = "azerbaijan-alleges-armenia-prepares-for-war"
    assert ask("provenance", fact=claim)[1] == [first, second]
    # an evidence node (or its target) gives that evidence alone
    base = "https://w3id.org/caucasus-kg/id/"
    assert ask("provenance", fact=base + claim + "/evidence/2")[1] == [second]
    assert ask("provenance", fact=base + claim + "/evidence/2/quote")[1] == [second]


def test_provenance_of_nested_nodes_and_of_an_evidence(ask) -> None:
    base = "https://w3id.org/caucasus-kg/id/"
    value = quoted("In 2024, Azerbaijan acquired more than $2,2 billion in arms.", CAWAT, "306",
                   "366", "id:azerbaijan-arms-acquisitions-2024/evidence/1")
    assert ask("provenance", fact=base + "azerbaijan-arms-acquisitions-2024/value")[1] == [value]
    in_the_past = quoted("the treaty on conventional arms was violated by Azerbaijan in the past "
                         "also", HARUTYUNOV, "2277", "2352",
                         "id:harutyunov-alleges-azerbaijan-violated-cfe/evidence/1")
    claim = base + "harutyunov-alleges-azerbaijan-violated-cfe"
    assert ask("provenance", fact=claim + "/proposition")[1] == [in_the_past]
    assert ask("provenance", fact=claim + "/evidence/1")[1] == [in_the_past]
    assert ask("provenance", fact=claim + "/evidence/1/quote")[1] == [in_the_past]
    # "always violated" is a statement of its own, a claim of its own
    always = quoted("Azerbaijan has always violated the terms of that treaty and the terms of its "
                    "restrictions", HARUTYUNOV, "2528", "2617",
                    "id:harutyunov-alleges-azerbaijan-always-violated-cfe/evidence/1")
    assert ask("provenance", fact="harutyunov-alleges-azerbaijan-always-violated-cfe")[1] == [
        always]
    assert ask("provenance", fact="azerbaijan")[1] == []  # an actor needs no evidence


def test_provenance_of_a_quote_and_a_report_and_of_a_proposition(ask_chronicle) -> None:
    ask = ask_chronicle
    chronicle = (CHRONICLE_TITLE, CHRONICLE_DESK, CHRONICLE_DESK)
    quote = (QUOTE, "After 9/11, the US was carrying out its Afghan transit through the territory "
             "of Azerbaijan by invoking the Section 907 waiver.", "", "", *chronicle, "", "233",
             "359", "id:us-afghan-transit-through-azerbaijan/evidence/1")
    report = (REPORT, "", "The United States moved its Afghan transit through Azerbaijan under "
              "the Section 907 waiver.", "", *chronicle, "United States", "", "",
              "id:us-afghan-transit-through-azerbaijan/evidence/2")
    transit = "us-afghan-transit-through-azerbaijan"
    assert ask("provenance", fact=transit) == (PROVENANCE_COLUMNS, [report, quote])
    assert ask("provenance", fact=transit, kind="report")[1] == [report]
    assert ask("provenance", fact=transit, kind="quote")[1] == [quote]
    assert ask("provenance", fact=transit, kind="record")[1] == []
    # a node written inside a claim has the claim's evidence, every piece of it
    claim = "test-chronicle-alleges-azerbaijan-violated-cfe"
    proposition = f"https://w3id.org/caucasus-kg/id/{claim}/proposition"
    assert ask("provenance", fact=proposition)[1] == [
        (QUOTE, "The chronicle holds that Azerbaijan violated the CFE Treaty.", "", "", *chronicle,
         "", "505", "565", f"id:{claim}/evidence/1"),
        (QUOTE, "It was violated by Azerbaijan more than once.", "", "", *chronicle, "", "566",
         "611", f"id:{claim}/evidence/2"),
    ]


def test_according_to_the_analyst(ask) -> None:
    columns, rows = ask("according-to")
    assert columns == ["kind", "label", "quote", "fact"]
    # Everything the article attributes to the analyst is his claim: no fact rests on his word.
    assert rows == []


def test_according_to_the_chronicle(ask_chronicle) -> None:
    assert ask_chronicle("according-to", actor="Test Chronicle Desk") == (
        ["kind", "label", "quote", "fact"], [
            ("armed conflict", "2020 war", "In 2020, Armenia and Azerbaijan fought a war.",
             "id:war-2020"),
            ("arms transfer", "Israeli drones for Azerbaijan", COMBINING,
             "id:israel-drones-to-azerbaijan"),
            ("arms transfer", "Russian heavy weaponry for Azerbaijan", COMBINING,
             "id:russia-heavy-weaponry-to-azerbaijan"),
            ("arms transfer", "Turkish drones for Azerbaijan", COMBINING,
             "id:turkiye-drones-to-azerbaijan"),
            ("attack", ATTACKS, "On 11 September 2001, the United States was attacked.",
             "id:september-11-attacks"),
            ("military transit", TRANSIT, "After 9/11, the US was carrying out its Afghan transit "
             "through the territory of Azerbaijan by invoking the Section 907 waiver.",
             "id:us-afghan-transit-through-azerbaijan"),
        ])


def test_according_to_cawat(ask) -> None:
    assert ask("according-to", actor="CAWAT")[1] == [
        ("arms procurement", ACQUISITIONS,
         "In 2024, Azerbaijan acquired more than $2,2 billion in arms.",
         "id:azerbaijan-arms-acquisitions-2024"),
        ("ranking", RANKING, "Azerbaijan is the 16th biggest arms importer in the world, according "
         "to the 2024 analysis of the Centre for Analysis of World Arms Trade (CAWAT)",
         "id:cawat-ranking-azerbaijan-2024"),
    ]


def test_sources(ask) -> None:
    columns, rows = ask("sources")
    assert columns == ["source", "title", "publisher", "kind", "language", "note", "facts",
                       "claims", "quotes", "reports", "records"]
    assert {row[0] for row in rows} == sources_declared((ARTICLE_FILE, *CURATED_FILES))
    # 6 legal instruments + 7 events + 1 ranking; 24 claims; 42 quotes in the fact file (3 for
    # actors, 6 for instruments, 7 for events, 1 for the ranking, 25 for the claims); the
    # article is quoted only: no reports, no dataset records.
    assert ("src:armenpress-azerbaijan-arms-imports", SOURCE_TITLE, "Armenpress", "news article",
            "en", "The interview with Davit Harutyunov was given to Armenpress in Armenian; the "
            "English article is the source here.", "14", "24", "42", "0", "0") in rows
    # A source cited by reports only: each report is evidence of the fact it supports. The
    # Tashkent agreement: the agreement itself and the eight successions.
    assert ("src:tashkent-agreement-1992-text", "Agreement on the Principles and Procedures for "
            "the Implementation of the Treaty on Conventional Armed Forces in Europe (Tashkent, "
            "15 May 1992)", "Federation of American Scientists", "legislation", "en", "The "
            "agreement's text as published by the Federation of American Scientists.", "9", "0",
            "0", "9", "0") in rows
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)


# --------------------------------------------------------------------------------------------
# SIPRI TIV questions, over the shipped graph plus two committed SIPRI trade-register excerpts
# (tests/fixtures/import/sipri_register_ISR_AZE.csv: every Israel -> Azerbaijan deal;
# sipri_register_AZE_ARM.csv: Armenian and Azerbaijani deals). Expected rows are worked out by
# hand from the excerpts: a deal's units are spread evenly over its delivery years as whole
# numbers, the remainder to the latest years, and its TIV delivered in proportion to the units.
# --------------------------------------------------------------------------------------------

SIPRI_EXCERPTS = Path(__file__).resolve().parent / "fixtures" / "import"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def sipri_store(request, dataset, project):
    """The graphs of ``sipri_memory_store``, on the embedded store and on Virtuoso."""
    memory = request.getfixturevalue("sipri_memory_store")
    if request.param == "oxigraph":
        yield memory
        return
    from conftest import release_store_url, remote_store_url
    from rdflib import URIRef

    from caucasus_kg.core.project import Project
    from caucasus_kg.sources.dataset import NamedGraph
    from caucasus_kg.store.backends import write_build
    from caucasus_kg.store.remote import RemoteStore

    url = remote_store_url(request.getfixturevalue("virtuoso_endpoint"))
    graphs = [NamedGraph(URIRef(g.value), g.value, store=memory)
              for g in sorted(memory.named_graphs(), key=lambda g: g.value)]
    write_build(Project(root=project.root, store_path=project.store_path, store_url=url),
                graphs, "sipri-excerpts")
    remote = RemoteStore(url)
    yield remote
    release_store_url(url)


@pytest.fixture(scope="module")
def sipri_memory_store(dataset):
    """The shipped graph with both excerpts converted by the SIPRI importer, each into its own
    named graph (the second excerpt's Searcher and Heron deals merge into the first's)."""
    from caucasus_kg.model.namespaces import GRAPH, ID, PREFIXES
    from caucasus_kg.sources.importers import sipri
    from caucasus_kg.sources.importers.names import NameResolver

    store = memory_store(dataset.all_graphs())
    for name in ("sipri_register_ISR_AZE.csv", "sipri_register_AZE_ARM.csv"):
        resolver = NameResolver()
        for row in store.query("SELECT ?s ?l WHERE { ?s a/rdfs:subClassOf* ckg:Actor . "
                               "OPTIONAL { ?s rdfs:label|skos:altLabel ?l } }",
                               prefixes=PREFIXES, use_default_graph_as_union=True):
            slug = row["s"].value[len(str(ID)):]
            resolver.known_ids.add(slug)
            if row["l"] is not None:
                resolver.known.setdefault(row["l"].value.lower(), slug)
        path = SIPRI_EXCERPTS / name
        graph = f"sipri-{path.stem}"
        parsed = sipri.parse(path)
        sipri.match_existing(parsed, resolver, store, graph)
        text = sipri.build(parsed, resolver, {}, set(), path.name, graph).text()
        store.load(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(str(GRAPH[graph])))
    return store


def _asker(store):
    known = catalogue(QUERIES_DIR)

    def run(name: str, **params: str) -> tuple[list[str], list[tuple[str, ...]]]:
        result = run_query(known[name], store, params)
        return result.columns, [tuple(cell_text(v) for v in row) for row in result.rows]

    return run


def test_deliveries_per_year_israel_to_azerbaijan(sipri_store) -> None:
    ask = _asker(sipri_store)
    columns, rows = ask("deliveries-per-year", supplier="Israel", recipient="azerbaijan")
    assert columns == ["year", "tiv", "units", "deals"]
    assert rows == [
        ("2006", "6.6", "6", "1"),       # Lynx MRL
        ("2008", "4.15", "29", "2"),     # Aerostar 4; EXTRA 25 of 50 over 2008-2009
        ("2009", "5.85", "80", "3"),
        ("2010", "10.1", "65", "4"),
        ("2011", "8.25", "13", "3"),
        ("2012", "6.5", "8", "2"),
        ("2013", "24.5", "14", "3"),
        ("2014", "28.5", "53", "2"),     # Spike-NLOS 50 of 250 (7.5), Shaldag 3 of 6 (21)
        ("2015", "103", "129", "5"),
        ("2016", "247.97", "527", "13"),
        ("2017", "148.37", "136", "7"),
        ("2018", "254.31", "279", "10"),
        ("2019", "22.95", "153", "3"),
        ("2020", "23.1", "154", "3"),
    ]


def test_deliveries_per_year_russia_to_armenia(sipri_store) -> None:
    ask = _asker(sipri_store)
    assert ask("deliveries-per-year", supplier="russia", recipient="armenia")[1] == [
        # Igla 100 (8), D-1 9 (1.8), BMP-2 25 (9), BRDM-2 2 (0.64): half of each 1995-1996 deal
        ("1995", "19.44", "136", "4"),
        ("1996", "19.44", "136", "4"),
        ("2009", "28.8", "72", "1"),     # 5V55U, 144 over 2009-2010
        ("2010", "28.8", "72", "1"),
        ("2013", "16", "200", "1"),      # Igla-S
        ("2016", "20", "201", "2"),      # Igla-S 200 (16) and one T-90S (4)
        ("2017", "4", "100", "1"),       # Kornet
        ("2019", "190", "4", "1"),       # Su-30K
        ("2022", "29", "4", "1"),        # Mi-17
    ]
    assert ask("deliveries-per-year", supplier="armenia", recipient="azerbaijan")[1] == []


def test_states_after_a_sipri_import(sipri_store) -> None:
    """The states the SIPRI importer created for the parties of the two excerpts carry the codes
    ISO 3166 gives their names; the curated ones keep their own. The importer gives no QID to a
    state it creates from its name alone."""
    ask = _asker(sipri_store)
    columns, rows = ask("states")
    assert columns == STATES_COLUMNS
    created = [  # Belarus, a supplier of Armenia, is a curated state (a CFE party)
        ("Sudan", "SD", "SDN", "", "", "id:sudan"),  # a recipient of an Armenian An-32
    ]
    assert rows == sorted(STATES + created)


def test_top_suppliers_of_azerbaijan(sipri_store) -> None:
    ask = _asker(sipri_store)
    columns, rows = ask("top-suppliers", recipient="azerbaijan", from_year="2013",
                        to_year="2018")
    assert columns == ["supplier", "tiv", "deals", "supplier_id"]
    assert rows == [
        ("Israel", "806.65", "22", "id:israel"),
        # T-122/300: 40 units over 2012-2014 = 13, 13, 14; 2013-2014 hold 27 of 44 TIV x 40
        ("Türkiye", "29.7", "1", "id:turkiye"),
        ("Unknown supplier(s)", "4", "1", "id:unknown-supplier"),   # Bell-412, 2018
    ]
    assert ask("top-suppliers", recipient="azerbaijan", from_year="2006",
               to_year="2006")[1] == [("Israel", "6.6", "1", "id:israel")]


def test_top_suppliers_of_armenia(sipri_store) -> None:
    ask = _asker(sipri_store)
    assert ask("top-suppliers", recipient="armenia", from_year="1990", to_year="2030")[1] == [
        ("Russia", "355.48", "11", "id:russia"),
        ("Belarus", "1.4", "1", "id:belarus"),
    ]
