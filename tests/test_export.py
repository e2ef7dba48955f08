"""The networkx bridge and the exporters: what the network holds, round trips through GraphML and
GEXF, DOT that Graphviz draws, the HTML page's contents, the timeline's order, golden files.

Golden files live in tests/fixtures/export/golden/ and are made from the small fixture graph
tests/fixtures/export/graphs/mini.yaml. After an intended change to an exporter, regenerate them
with ``CAUCASUS_KG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_export.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from cli_run import invoke
from conftest import ROOT

from caucasus_kg.core.project import find_project
from caucasus_kg.read.export import (
    export_dot,
    export_gexf,
    export_graphml,
    export_html,
    export_json,
    export_timeline,
    flat_attributes,
)
from caucasus_kg.read.network import Filters, NetworkError, build_network
from caucasus_kg.sources.dataset import load_dataset
from caucasus_kg.store.embedded import memory_store

FIXTURE = ROOT / "tests" / "fixtures" / "export"
GOLDEN = FIXTURE / "golden"
UPDATE = os.environ.get("CAUCASUS_KG_UPDATE_GOLDEN") == "1"
SVG = "{http://www.w3.org/2000/svg}"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with CAUCASUS_KG_UPDATE_GOLDEN=1 to make it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, regenerate with "
        "CAUCASUS_KG_UPDATE_GOLDEN=1 and review the diff")


def make_project(root: Path, graphs: Path | None = None) -> Path:
    shutil.copytree(ROOT / "ontology", root / "ontology")
    if graphs is not None:
        shutil.copytree(graphs, root / "graphs")
    else:
        (root / "graphs" / "sources").mkdir(parents=True)
    return root


def store_of(root: Path):
    ds = load_dataset(find_project(root, root / ".store"))
    assert not ds.diagnostics.errors, [d.render() for d in ds.diagnostics.errors]
    return memory_store(ds.all_graphs())


@pytest.fixture(scope="module")
def mini_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("mini") / "project", FIXTURE / "graphs")


@pytest.fixture(scope="module")
def mini_store(mini_root: Path):
    return store_of(mini_root)


@pytest.fixture(scope="module")
def mini(mini_store) -> nx.MultiDiGraph:
    return build_network(mini_store)


SUPPLIERS = ("russia", "israel", "turkiye", "belarus", "ukraine", "serbia")


@pytest.fixture(scope="module")
def register_store(tmp_path_factory: pytest.TempPathFactory):
    return make_register(tmp_path_factory.mktemp("register") / "project")


def make_register(root: Path):
    """A synthetic arms register: 300 transfers to one recipient from six suppliers."""
    make_project(root)
    quotes, facts = [], []
    for i in range(300):
        supplier, year = SUPPLIERS[i % len(SUPPLIERS)], 1995 + i % 30
        quote = (f"Delivery {i:03d}: {supplier} sent {i % 7 + 1} systems to azerbaijan in {year} "
                 f"for {10 + i} million dollars.")
        quotes.append(quote)
        facts.append(f"""  - id: transfer-{i:03d}
    type: ArmsTransfer
    label: Transfer {i:03d} from {supplier}
    supplier: {supplier}
    recipient: azerbaijan
    date: {year}
    quantity: {i % 7 + 1}
    value: {{amount: {(10 + i) * 1_000_000}, currency: USD}}
    evidence:
      - quote: "{quote}"
        attributed_to: register
""")
    actors = "".join(f"  - id: {a}\n    type: State\n    label: {a.title()}\n"
                     for a in (*SUPPLIERS, "azerbaijan"))
    (root / "graphs" / "register.yaml").write_text(
        "source:\n  id: register\n  title: Synthetic register\n  text: sources/register.txt\n"
        "  publisher: register\n\nactors:\n" + actors
        + "  - id: register\n    type: ResearchOrganisation\n    label: Register\n\nevents:\n"
        + "".join(facts), encoding="utf-8")
    (root / "graphs" / "sources" / "register.txt").write_text("\n".join(quotes) + "\n", "utf-8")
    return store_of(root)


# --------------------------------------------------------------------------------------------
# The network


def test_nodes_are_things_with_labels_classes_wikidata_and_dates(mini) -> None:
    kinds = {n: d["kind"] for n, d in mini.nodes(data=True)}
    assert kinds["id:russia"] == "actor"
    assert kinds["id:south-caucasus"] == "place"
    assert kinds["id:cfe-treaty"] == "instrument"
    assert kinds["id:russia-withdraws-from-cfe-2023"] == "event"
    assert kinds["id:analyst-alleges-violation"] == "claim"
    russia = mini.nodes["id:russia"]
    assert (russia["label"], russia["class"], russia["wikidata"]) == ("Russia", "state", "Q159")
    withdrawal = mini.nodes["id:russia-withdraws-from-cfe-2023"]
    assert withdrawal["class"] == "withdrawal"
    assert (withdrawal["date"], withdrawal["start"], withdrawal["end"]) == (
        "2023-11-07", "2023-11-07", "2023-11-07")
    war = mini.nodes["id:war-2020"]
    assert (war["date"], war["start"], war["end"]) == ("2020", "2020-01-01", "2020-12-31")
    assert mini.nodes["id:azerbaijan"]["aliases"] == ["Baku"]


def test_reified_detail_is_folded_into_the_node_it_supports(mini) -> None:
    assert not any("/evidence/" in n or n.startswith("src:") or n.endswith(("/value",
                   "/proposition")) for n in mini.nodes)
    withdrawal = mini.nodes["id:russia-withdraws-from-cfe-2023"]
    [evidence] = withdrawal["evidence"]
    assert evidence["quote"] == "On 7 November 2023, Russia withdrew from the treaty"
    assert evidence["attributed_to"] == "Mini News"
    assert evidence["source"] == "src:mini-report"
    assert evidence["source_title"] == "A small report for the export tests"
    assert withdrawal["evidence_count"] == 1
    claim = mini.nodes["id:analyst-alleges-violation"]
    assert claim["proposition"] == "Azerbaijan violated CFE Treaty"
    assert claim["stance"] == "alleges"
    # a claim's content is an attribute, never an edge: the graph does not assert it
    assert not mini.has_edge("id:azerbaijan", "id:cfe-treaty")


def test_edges_carry_the_predicate_label_dates_and_evidence_count(mini) -> None:
    edge = mini.edges["id:russia-withdraws-from-cfe-2023", "id:russia", "ckg:actor"]
    assert edge["label"] == "actor"
    assert edge["predicate"] == "ckg:actor"
    assert edge["kind"] == "fact"
    assert (edge["date"], edge["start"], edge["evidence_count"]) == ("2023-11-07",
                                                                     "2023-11-07", 1)
    denial = mini.edges["id:azerbaijan-denies-violation", "id:analyst-alleges-violation",
                        "ckg:denies"]
    assert denial["kind"] == "denial"
    dispute = mini.edges["id:mini-news-disputes-denial", "id:azerbaijan-denies-violation",
                         "ckg:disputes"]
    assert dispute["kind"] == "dispute"
    assert mini.edges["id:analyst-alleges-violation", "id:the-analyst",
                      "ckg:claimant"]["kind"] == "claim"


def test_parallel_transfers_become_one_weighted_edge(mini, mini_store) -> None:
    assert "id:israel-drones-to-azerbaijan-2016" not in mini
    edge = mini.edges["id:israel", "id:azerbaijan", "ckg:ArmsTransfer"]
    assert edge["kind"] == "aggregate"
    assert (edge["count"], edge["weight"]) == (2, 2.0)
    assert (edge["total_value"], edge["total_currency"], edge["total_bound"]) == (
        200_000_000.0, "USD", "about")
    assert edge["label"] == "2 arms transfers, about 200 m USD"
    assert (edge["start"], edge["end"], edge["date"]) == ("2016-01-01", "2018-12-31",
                                                          "2016–2018")
    assert [t["id"] for t in edge["transfers"]] == ["id:israel-drones-to-azerbaijan-2016",
                                                    "id:israel-drones-to-azerbaijan-2018"]
    assert edge["transfers"][0]["evidence"][0]["quote"].startswith("In 2016 Israel delivered")
    # a single transfer stays a node, with its value as attributes
    single = mini.nodes["id:russia-tanks-to-azerbaijan-2011"]
    assert (single["value_amount"], single["value_currency"], single["value_bound"]) == (
        300_000_000.0, "USD", "exactly")
    plain = build_network(mini_store, Filters(aggregate=False))
    assert "id:israel-drones-to-azerbaijan-2016" in plain
    assert not plain.has_edge("id:israel", "id:azerbaijan")


def test_undated_event_after_another_starts_when_it_ends(mini) -> None:
    node = mini.nodes["id:azerbaijan-rearms-after-war"]
    assert "date" not in node
    assert (node["start"], node["time_anchor"]) == ("2020-12-31", "id:war-2020")
    assert "end" not in node


def test_detail_draws_evidence_sources_and_propositions_as_nodes(mini_store) -> None:
    graph = build_network(mini_store, Filters(detail=True))
    ev = "id:russia-withdraws-from-cfe-2023/evidence/1"
    assert graph.nodes[ev]["kind"] == "evidence"
    assert graph.nodes[ev]["class"] == "quote of a stored text"  # its evidence kind
    assert graph.nodes[ev]["label"] == "On 7 November 2023, Russia withdrew from the treaty"
    assert graph.has_edge("id:russia-withdraws-from-cfe-2023", ev, "ckg:hasEvidence")
    assert graph.has_edge(ev, "src:mini-report", "oa:hasSource")
    assert graph.has_edge(ev, "id:mini-news", "prov:wasAttributedTo")
    prop = "id:analyst-alleges-violation/proposition"
    assert graph.nodes[prop]["kind"] == "proposition"
    assert graph.has_edge(prop, "id:azerbaijan", "rdf:subject")
    assert graph.nodes["id:russia-tanks-to-azerbaijan-2011/value"]["kind"] == "value"


def test_filters(mini_store) -> None:
    no_claims = build_network(mini_store, Filters(exclude=("claims",)))
    assert not any(d["kind"] == "claim" for _, d in no_claims.nodes(data=True))
    assert "id:the-analyst" not in no_claims  # only claims linked to it: left out with them
    events = build_network(mini_store, Filters(include=("event",)))
    assert {d["kind"] for _, d in events.nodes(data=True)} == {"event"}
    transfers = build_network(mini_store, Filters(include=("ArmsTransfer",), aggregate=False))
    assert sorted(transfers) == ["id:israel-drones-to-azerbaijan-2016",
                                 "id:israel-drones-to-azerbaijan-2018",
                                 "id:russia-tanks-to-azerbaijan-2011"]
    window = build_network(mini_store, Filters(since="2019", until="2022", exclude=("claim",)))
    assert "id:war-2020" in window and "id:russia-withdraws-from-cfe-2023" not in window
    assert "id:azerbaijan-rearms-after-war" in window  # after 2020: overlaps the window
    assert "id:russia-tanks-to-azerbaijan-2011" not in window
    focus = build_network(mini_store, Filters(focus="Russia", depth=1))
    assert sorted(focus) == ["id:russia", "id:russia-tanks-to-azerbaijan-2011",
                             "id:russia-withdraws-from-cfe-2023"]
    assert focus.nodes["id:russia"]["distance"] == 0
    by_qid = build_network(mini_store, Filters(focus="Q159", depth=2))
    assert "id:cfe-treaty" in by_qid and "id:azerbaijan" in by_qid
    source = build_network(mini_store, Filters(source="mini-report"))
    assert len(source) == len(build_network(mini_store))


@pytest.mark.parametrize(("filters", "message"), [
    (Filters(exclude=("claimz",)), "unknown class 'claimz'; did you mean"),
    (Filters(include=("Treatty",)), "unknown class 'Treatty'"),
    (Filters(since="2023-13"), "--since: '2023-13' has month 13"),
    (Filters(since="2024", until="2020"), "is after --until"),
    (Filters(focus="Rusia"), "--focus: unknown entity 'Rusia'"),
    (Filters(source="no-such-report"), "unknown source document 'no-such-report'"),
])
def test_bad_filters_say_what_is_wrong(mini_store, filters: Filters, message: str) -> None:
    with pytest.raises(NetworkError, match=re.escape(message)):
        build_network(mini_store, filters)


def test_output_is_deterministic(mini_store, mini) -> None:
    again = build_network(mini_store)
    assert export_graphml(again) == export_graphml(mini)
    assert export_html(again) == export_html(mini)
    assert list(mini.nodes) == sorted(mini.nodes)


def test_founding_article_network(store) -> None:
    graph = build_network(store)
    kinds: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    # the founding article's entries, with the curated CFE participation and memberships: 56
    # more actors, 4 more instruments and 16 more events (memberships are not drawn as nodes)
    assert kinds == {"actor": 14 + 56, "place": 5, "instrument": 6 + 4, "event": 7 + 16,
                     "indicator": 1, "claim": 24}
    procurement = graph.nodes["id:azerbaijan-arms-acquisitions-2024"]
    assert procurement["value"] == "more than 2,200,000,000 USD"
    assert procurement["value_amount"] == 2_200_000_000.0
    cfe = build_network(store, Filters(focus="CFE Treaty", depth=1, exclude=("claim",)))
    assert "id:russia-withdraws-from-cfe-2023" in cfe
    assert not any(d["kind"] == "claim" for _, d in cfe.nodes(data=True))


def test_hundreds_of_transfers_stay_legible(register_store) -> None:
    graph = build_network(register_store)
    assert sorted(graph) == sorted(f"id:{a}" for a in (*SUPPLIERS, "azerbaijan", "register"))
    edges = {u: d for u, _, d in graph.in_edges("id:azerbaijan", data=True)}
    assert sorted(edges) == sorted(f"id:{s}" for s in SUPPLIERS)
    assert sum(d["count"] for d in edges.values()) == 300
    russia = edges["id:russia"]
    assert russia["count"] == 50
    assert russia["total_value"] == sum((10 + i) * 1_000_000 for i in range(0, 300, 6))
    assert russia["quantity"] == sum(i % 7 + 1 for i in range(0, 300, 6))
    assert russia["label"] == "50 arms transfers, 7.85 bn USD"
    assert (russia["start"], russia["end"]) == ("1995-01-01", "2019-12-31")
    plain = build_network(register_store, Filters(aggregate=False))
    assert plain.number_of_nodes() == 308
    page = export_html(graph)
    assert len(page) < len(export_html(plain))


# --------------------------------------------------------------------------------------------
# Round trips and golden files


def test_graphml_round_trip(mini, tmp_path: Path) -> None:
    text = export_graphml(mini)
    check_golden("mini.graphml", text)
    (tmp_path / "g.graphml").write_text(text, "utf-8")
    back = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    assert sorted(back.nodes) == sorted(mini.nodes)
    assert back.number_of_edges() == mini.number_of_edges()
    withdrawal = back.nodes["id:russia-withdraws-from-cfe-2023"]
    assert withdrawal["label"] == "Russia withdraws from the CFE Treaty"
    assert withdrawal["kind"] == "event"
    assert withdrawal["date"] == "2023-11-07"
    assert withdrawal["evidence_count"] == 1 and isinstance(withdrawal["evidence_count"], int)
    assert "On 7 November 2023, Russia withdrew from the treaty" in withdrawal["evidence"]
    assert back.nodes["id:russia"]["wikidata"] == "Q159"
    tanks = back.nodes["id:russia-tanks-to-azerbaijan-2011"]
    assert tanks["value_amount"] == 300_000_000.0 and isinstance(tanks["value_amount"], float)
    aggregate = back.edges["id:israel", "id:azerbaijan",
                           "id:israel|ckg:ArmsTransfer|id:azerbaijan"]
    assert (aggregate["count"], aggregate["weight"], aggregate["total_value"]) == (2, 2.0,
                                                                                   2e8)
    root = ET.fromstring(text.encode())
    types = {k.get("attr.name"): k.get("attr.type") for k in root.iter(
        "{http://graphml.graphdrawing.org/xmlns}key")}
    assert types["evidence_count"] == "long" and types["value_amount"] == "double"
    assert types["label"] == "string"


def test_gexf_is_dynamic_with_dates_gephi_reads(mini, tmp_path: Path) -> None:
    text = export_gexf(mini)
    check_golden("mini.gexf", text)
    assert "lastmodifieddate" not in text
    root = ET.fromstring(text.encode())
    ns = "{http://www.gexf.net/1.2draft}"
    graph_el = root.find(f"{ns}graph")
    assert graph_el.get("mode") == "dynamic" and graph_el.get("timeformat") == "date"
    for node in graph_el.iter(f"{ns}node"):
        for key in ("start", "end"):
            if node.get(key) is not None:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.get(key)), node.attrib
    (tmp_path / "g.gexf").write_text(text, "utf-8")
    back = nx.read_gexf(tmp_path / "g.gexf")
    assert sorted(back.nodes) == sorted(mini.nodes)
    assert back.number_of_edges() == mini.number_of_edges()
    war = back.nodes["id:war-2020"]
    assert (war["start"], war["end"]) == ("2020-01-01", "2020-12-31")
    assert war["label"] == "2020 war" and war["kind"] == "event"
    assert "start" not in back.nodes["id:russia"]  # actors are there throughout
    assert back.nodes["id:azerbaijan-rearms-after-war"]["start"] == "2020-12-31"
    assert back.nodes["id:russia-tanks-to-azerbaijan-2011"]["value_amount"] == 3e8
    assert back.nodes["id:russia"]["viz"]["color"] == {"r": 0, "g": 114, "b": 178, "a": 1.0}
    shapes = {n.get("id"): n.find("{http://www.gexf.net/1.2draft/viz}shape").get("value")
              for n in graph_el.iter(f"{ns}node")}  # networkx does not read viz:shape back
    assert shapes["id:analyst-alleges-violation"] == "diamond"
    assert shapes["id:russia"] == "disc"
    edge = back.edges["id:israel", "id:azerbaijan", "ckg:ArmsTransfer"]
    assert (edge["weight"], edge["count"], edge["label"]) == (2.0, 2,
                                                              "2 arms transfers, about 200 m USD")
    assert (edge["start"], edge["end"]) == ("2016-01-01", "2018-12-31")


def graphviz() -> str:
    path = shutil.which("dot")
    if path is None:
        pytest.fail("Graphviz's `dot` is not installed: apt-get install graphviz")
    return path


def test_dot_is_drawn_by_graphviz(mini) -> None:
    text = export_dot(mini, "mini")
    check_golden("mini.dot", text)
    assert '"id:analyst-alleges-violation" [label="The Analyst alleges that\\nAzerbaijan' in text
    assert 'shape="note"' in text and 'style="filled,dashed"' in text
    assert re.search(r'-> "id:analyst-alleges-violation" \[label="denies", color="#D55E00"', text)
    done = subprocess.run([graphviz(), "-Tsvg"], input=text.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    svg = ET.fromstring(done.stdout)
    titles = {t.text for t in svg.iter(f"{SVG}title")}
    assert {"id:russia", "id:israel->id:azerbaijan", "id:cfe-treaty"} <= titles


def test_json_is_cytoscape_elements(mini) -> None:
    text = export_json(mini, "mini")
    check_golden("mini.json", text)
    data = json.loads(text)
    nodes = {n["data"]["id"]: n for n in data["elements"]["nodes"]}
    edges = data["elements"]["edges"]
    assert len(nodes) == mini.number_of_nodes() and len(edges) == mini.number_of_edges()
    assert nodes["id:russia"]["classes"] == "actor"
    assert nodes["id:russia-withdraws-from-cfe-2023"]["data"]["evidence"][0]["quote"] == (
        "On 7 November 2023, Russia withdrew from the treaty")
    assert all({"id", "source", "target", "label"} <= set(e["data"]) for e in edges)


def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page,
                      re.DOTALL)
    assert match, "the page has no embedded graph data"
    return json.loads(match.group(1))


def test_html_page_is_self_contained(mini) -> None:
    page = export_html(mini, "Mini graph")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=|<link\b|@import|url\(", page), \
        "the page must load nothing from outside"
    assert "Cytoscape.js 3.35.0 (MIT licence)" in page
    assert "cytoscape" in page and len(page) > 400_000  # the library is inlined
    data = page_data(page)
    check_golden("mini-page-data.json", json.dumps(data, indent=1, ensure_ascii=False,
                                                   sort_keys=True) + "\n")
    assert data["seed"] == 20231107
    assert len(data["elements"]["nodes"]) == mini.number_of_nodes()
    legend = page[page.index('<section id="legend">'):]
    for kind in ("actor", "place", "instrument", "event", "claim"):
        assert f'data-kind="{kind}"' in legend
    for kind in ("denial", "dispute", "aggregate", "claim", "fact"):
        assert f'data-edge-kind="{kind}"' in legend


def test_html_escapes_text_that_could_end_the_script(mini) -> None:
    graph = mini.copy()
    graph.nodes["id:russia"]["label"] = "Russia</script><script>alert(1)</script>"
    page = export_html(graph)
    assert "</script><script>alert(1)" not in page
    nodes = {n["data"]["id"]: n["data"] for n in page_data(page)["elements"]["nodes"]}
    assert nodes["id:russia"]["label"] == "Russia</script><script>alert(1)</script>"


def timeline_events(page: str) -> list[dict[str, str]]:
    svg_text = page[page.index("<svg"):page.index("</svg>") + 6]
    svg = ET.fromstring(svg_text)
    events = []
    for group in svg.iter(f"{SVG}g"):
        if "event" not in group.get("class", "").split():
            continue
        marker = next(el for el in group if el.get("class") == "marker")
        x = float(marker.get("cx") or marker.get("x"))
        events.append({**group.attrib, "x": x, "lane": ""})
    return events


def test_timeline_puts_the_founding_articles_events_in_order(chronicle_store) -> None:
    """The founding article's events with the test chronicle's (tests/fixtures/chronicle/): an
    attack, a war dated by its year, a transit anchored after the attack, undated transfers."""
    graph = build_network(chronicle_store, Filters(aggregate=False))
    page = export_timeline(graph, "actor", "Founding article")
    events = timeline_events(page)
    x = {e["data-id"]: e["x"] for e in events}
    order = ["id:september-11-attacks", "id:senate-adopts-section-907-waiver-amendment-2001",
             "id:war-2020", "id:russia-withdraws-from-cfe-2023",
             "id:senate-passes-section-907-bill-2023", "id:azerbaijan-arms-acquisitions-2024"]
    assert [x[e] for e in order] == sorted(x[e] for e in order)
    assert len({x[e] for e in order}) == len(order)
    years = {e["data-id"]: e.get("data-date", "")[:4] for e in events}
    assert [years[e] for e in order[:4]] == ["2001", "2001", "2020", "2023"]
    # undated events anchored with `after` come after their anchor, the others are listed
    assert x["id:us-afghan-transit-through-azerbaijan"] > x["id:september-11-attacks"]
    assert x["id:section-907-waivers-since-2001"] > x[
        "id:senate-adopts-section-907-waiver-amendment-2001"]
    undated = page[page.index('<h2 id="undated">'):]
    assert "Russian heavy weaponry for Azerbaijan" in undated
    assert "US Afghan transit" not in undated
    by_treaty = timeline_events(export_timeline(graph, "treaty"))
    assert any(e["data-id"] == "id:russia-withdraws-from-cfe-2023" for e in by_treaty)
    assert 'data-lane="Treaty on Conventional Armed Forces in Europe"' in export_timeline(
        graph, "treaty")


def _lanes(page: str) -> dict[str, dict[str, dict[str, object]]]:
    """Lane name -> event id -> its attributes, marker, announcement ring and pending line."""
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    lanes: dict[str, dict[str, dict[str, object]]] = {}
    for lane in svg.iter(f"{SVG}g"):
        if lane.get("class") != "lane":
            continue
        events = lanes.setdefault(lane.get("data-lane"), {})
        for group in lane.iter(f"{SVG}g"):
            if "event" not in group.get("class", "").split():
                continue
            parts = {el.get("class"): el for el in group}
            marker = parts["marker"]
            events[group.get("data-id")] = {
                **group.attrib, "x": float(marker.get("cx") or marker.get("x")),
                "ring": float(parts["announced"].get("cx")) if "announced" in parts else None,
                "line": (float(parts["pending"].get("x1")), float(parts["pending"].get("x2")))
                if "pending" in parts else None}
    return lanes


def test_timeline_lane_per_treaty_shows_pending_periods(store) -> None:
    """Grouped by treaty, the CFE Treaty has a lane of its own; an action announced before it
    took effect is drawn from its announcement (a ring) to its effect (a dot), joined by a dashed
    line: the period it was pending."""
    page = export_timeline(build_network(store, Filters(aggregate=False)), "treaty", "Treaties")
    lanes = _lanes(page)
    cfe = lanes["Treaty on Conventional Armed Forces in Europe"]
    assert {"id:united-states-suspends-cfe-2023", "id:russia-denounces-cfe-2023",
            "id:russia-withdraws-from-cfe-2023", "id:armenia-succeeds-to-cfe-1992"} <= set(cfe)
    us = cfe["id:united-states-suspends-cfe-2023"]
    assert (us["data-announced"], us["data-effective"]) == ("2023-11-07", "2023-12-07")
    assert us["line"] == (us["ring"], us["x"]) and us["ring"] < us["x"]
    notice = cfe["id:russia-denounces-cfe-2023"]
    assert (notice["data-announced"], notice["data-effective"]) == ("2023-05-29", "2023-11-07")
    withdrawal = cfe["id:russia-withdraws-from-cfe-2023"]
    # the notice took effect the day Russia withdrew; it was pending five times as long as the
    # suspension of the United States (162 days against 30)
    assert notice["x"] == withdrawal["x"] and withdrawal["line"] is None
    assert round((notice["x"] - notice["ring"]) / (us["x"] - us["ring"])) == 5
    assert "pending" not in str(withdrawal) and "data-announced" not in withdrawal
    # a succession, announced at Tashkent and in effect from Oslo, in the lanes of the treaty
    # and of the instruments it invokes
    armenia = cfe["id:armenia-succeeds-to-cfe-1992"]
    assert (armenia["data-announced"], armenia["data-effective"]) == ("1992-05-15", "1992-06-05")
    tashkent = lanes["Tashkent agreement on the implementation of the CFE Treaty (1992)"]
    assert tashkent["id:armenia-succeeds-to-cfe-1992"]["line"] == armenia["line"]
    # the legislation's events have no pending period
    assert [event["line"] for event in lanes["2001 amendment allowing the President to waive "
                                             "Section 907"].values()] == [None]
    # a law's lane has its enactment and the actions it authorised
    law = lanes["Russian federal law on the denunciation of the CFE Treaty (2023)"]
    assert sorted(law) == ["id:russia-denounces-cfe-2023",
                           "id:russia-enacts-cfe-denunciation-law-2023",
                           "id:russia-withdraws-from-cfe-2023"]
    assert law["id:russia-denounces-cfe-2023"]["line"] == notice["line"]


def test_timeline_golden(mini_store) -> None:
    graph = build_network(mini_store, Filters(aggregate=False))
    page = export_timeline(graph, "actor", "Mini timeline")
    check_golden("mini-timeline.html", page)
    events = timeline_events(page)
    assert {e["data-id"] for e in events} >= {"id:war-2020", "id:azerbaijan-rearms-after-war"}


def test_flat_attributes_are_scalars() -> None:
    flat = flat_attributes({"aliases": ["a", "b"], "rank": 3, "recurring": True,
                            "evidence": [{"quote": "q", "source": "src:s", "source_title": "T",
                                          "char_start": 1, "char_end": 2}], "none": None})
    assert flat == {"aliases": "a; b", "rank": 3, "recurring": True,
                    "evidence": "\u201cq\u201d \u2014 T (src:s, characters 1-2)"}


# --------------------------------------------------------------------------------------------
# The command


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The mini project built into a real on-disk store by `caucasus-kg build`."""

    root = make_project(tmp_path_factory.mktemp("cli") / "project", FIXTURE / "graphs")
    store = root / ".caucasus-kg" / "store"
    result = invoke(["--project", str(root), "--store", str(store), "build"])
    assert result.exit_code == 0, result.output
    return root, store


def run(built: tuple[Path, Path], *args: str | Path) -> tuple[int, str, str]:

    root, store = built
    result = invoke(["--project", str(root), "--store", str(store), "export", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["html", "graphml", "gexf", "dot", "svg", "json", "timeline"])
def test_command_writes_every_format(built, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    code, _, err = run(built, fmt, "-o", out)
    assert code == 0, err
    assert out.stat().st_size > 0
    assert f"wrote {out}: {fmt}" in err


def test_command_output_matches_the_library(built, mini) -> None:
    code, out, _ = run(built, "graphml")
    assert code == 0
    assert out == export_graphml(mini)


def test_command_filters_and_usage_errors(built, tmp_path: Path) -> None:
    code, out, _ = run(built, "json", "--focus", "russia", "--depth", "1", "--exclude", "claim")
    assert code == 0
    assert len(json.loads(out)["elements"]["nodes"]) == 3
    code, _, err = run(built, "json", "--exclude", "claimz")
    assert code == 2 and "unknown class 'claimz'" in err
    code, _, err = run(built, "json", "--focus", "Rusia")
    assert code == 2 and "did you mean 'Russia'?" in err
    code, _, err = run(built, "json", "--since", "2023-02-30")
    assert code == 2 and "February 2023 has 28 days" in err
    code, _, err = run(built, "pdf")
    assert code == 2 and "error: argument FORMAT: invalid choice: 'pdf'" in err


def test_svg_without_graphviz_names_the_package(built, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("caucasus_kg.read.export.shutil.which", lambda name: None)
    code, _, err = run(built, "svg", "-o", tmp_path / "g.svg")
    assert code == 2
    assert "apt-get install graphviz" in err and "'graphviz' package" in err
    assert not (tmp_path / "g.svg").exists()


def test_a_node_in_several_files_is_written_in_its_declaring_entry_as_explain_says(
        store) -> None:
    """Three facts of the curated graph are described in two files each; the network names
    the entry that declares each node (with its label), file and line from the same entry."""
    from caucasus_kg.read.explain import explain

    graph = build_network(store, Filters(detail=True))
    written = {a["iri"]: (a["source_file"], a.get("source_line"))
               for _, a in graph.nodes(data=True) if "source_file" in a}
    several = {row["s"].value for row in store.query(
        "SELECT ?s WHERE { ?s <https://w3id.org/caucasus-kg/ontology#sourceFile> ?f } "
        "GROUP BY ?s HAVING (COUNT(DISTINCT ?f) > 1)", use_default_graph_as_union=True)}
    assert len(several) >= 3
    for node, (file, line) in written.items():
        ex = explain(store, ox.NamedNode(node))
        assert (file, line) == (ex.file, ex.line), node
    assert {written[n][0] for n in several} == {"armenpress-azerbaijan-arms-imports.yaml"}
