"""Exporters: the network of :mod:`caucasus_kg.read.network` as files people and tools can open.

One function per format, each taking the ``MultiDiGraph`` and returning the file's text:

- :func:`export_html`: one self-contained page (Cytoscape.js inlined, no request leaves it) with a
  legend, search, zoom and a side panel showing a clicked node's facts and evidence quotes;
- :func:`export_graphml` and :func:`export_gexf` (dynamic, with event dates as spells, for
  Gephi's timeline);
- :func:`export_dot` (Graphviz) and :func:`export_svg` (the DOT drawn by Graphviz's ``dot``);
- :func:`export_json`: Cytoscape.js elements, for other tools;
- :func:`export_timeline`: events on a time axis, one lane per actor or treaty, as an HTML page
  with inline SVG; an action announced before it took effect is drawn over its pending period.

Output depends only on the graph: nodes and edges are sorted, there are no timestamps, and the
page's layout starts from a fixed seed, so the same graph gives byte-identical files.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import shutil
import subprocess
import textwrap
from collections import defaultdict
from datetime import date
from importlib import resources
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from caucasus_kg.read.export_options import FORMATS, GRAPHVIZ_ENGINES, GROUP_BY
from caucasus_kg.read.network import KIND_ORDER, node_size

LAYOUT_SEED = 20231107
"""The seed of the page's layout: the same graph is always drawn the same way."""

CYTOSCAPE_VERSION = "3.35.0"
_VENDOR = ("web", "vendor", "cytoscape", "cytoscape.min.js")
FCOSE_VERSION = "2.2.0"
_LAYOUT_VENDOR = (  # the fCoSE layout and the two libraries it is built on, in load order
    ("layout-base 2.0.1", ("web", "vendor", "fcose", "layout-base.js")),
    ("cose-base 2.2.0", ("web", "vendor", "fcose", "cose-base.js")),
    (f"cytoscape-fcose {FCOSE_VERSION}", ("web", "vendor", "fcose", "cytoscape-fcose.js")),
)


class ExportError(Exception):
    """An export that cannot be made: a missing program, or Graphviz failing on the input."""


KIND_STYLES: dict[str, dict[str, str]] = {
    "actor": {"label": "actor", "color": "#0072B2", "shape": "ellipse", "dot": "ellipse",
              "gexf": "disc"},
    "place": {"label": "place", "color": "#009E73", "shape": "hexagon", "dot": "hexagon",
              "gexf": "disc"},
    "instrument": {"label": "treaty or legislation", "color": "#E69F00", "shape": "rectangle",
                   "dot": "box", "gexf": "square"},
    "event": {"label": "event", "color": "#56B4E9", "shape": "round-rectangle", "dot": "box",
              "gexf": "square"},
    "indicator": {"label": "indicator", "color": "#F0E442", "shape": "triangle",
                  "dot": "invtrapezium", "gexf": "triangle"},
    "claim": {"label": "claim (not a fact)", "color": "#CC79A7", "shape": "diamond",
              "dot": "note", "gexf": "diamond"},
    "evidence": {"label": "evidence quote", "color": "#BBBBBB", "shape": "tag", "dot": "tab",
                 "gexf": "square"},
    "source": {"label": "source document", "color": "#888888", "shape": "rectangle",
               "dot": "folder", "gexf": "square"},
    "proposition": {"label": "claim's proposition", "color": "#E7C6DB", "shape": "diamond",
                    "dot": "diamond", "gexf": "diamond"},
    "value": {"label": "monetary value", "color": "#DDDDDD", "shape": "round-tag",
              "dot": "cds", "gexf": "square"},
}
"""Colour (Okabe-Ito, readable with colour blindness) and shape of each node kind per format."""

EDGE_STYLES: dict[str, dict[str, Any]] = {
    "fact": {"label": "link between facts", "color": "#8C8C8C", "line": "solid", "dot": "solid"},
    "claim": {"label": "claimant, subject or addressee of a claim", "color": "#B46A96",
              "line": "dotted", "dot": "dotted"},
    "denial": {"label": "denies", "color": "#D55E00", "line": "dashed", "dash": [8, 4],
               "dot": "dashed"},
    "dispute": {"label": "disputes", "color": "#D55E00", "line": "dashed", "dash": [3, 3],
                "dot": "dashed"},
    "aggregate": {"label": "arms transfers, aggregated", "color": "#0072B2", "line": "solid",
                  "dot": "bold"},
    "detail": {"label": "evidence and detail", "color": "#BBBBBB", "line": "dotted",
               "dot": "dotted"},
}

_EVENT_FAMILIES = (
    ("TreatyAction", "treaty action", "#0072B2"),
    ("LegislativeAction", "legislative action", "#E69F00"),
    ("Waiver", "waiver", "#CC79A7"),
    ("ArmsProcurement", "arms procurement", "#009E73"),
    ("ArmedConflict", "armed conflict", "#D55E00"),
    ("Attack", "attack", "#8B1A1A"),
    ("MilitaryTransit", "military transit", "#56B4E9"),
)
_OTHER_EVENT = ("Event", "other event", "#777777")


# --------------------------------------------------------------------------------------------
# Flat attributes for the XML formats


def evidence_words(ev: dict[str, Any]) -> str:
    """What a piece of evidence says: a quote in quotation marks, a dataset record by its place,
    or a report in the curator's words, marked as such and never in quotation marks."""
    if ev.get("paraphrase"):
        return f"reported, in the curator's words: {ev['paraphrase']}"
    if ev.get("record") and not ev.get("quote"):
        return f"dataset record {ev['record']}"
    return f"\u201c{ev.get('quote', '')}\u201d"


def _evidence_text(ev: dict[str, Any]) -> str:
    where = ev.get("source_title", ev.get("source", ""))
    if ev.get("publisher"):
        where += f", published by {ev['publisher']}"
    text = evidence_words(ev)
    if ev.get("kind"):
        text += f" [{ev['kind']}]"
    if ev.get("attributed_to"):
        text += f" (attributed to {ev['attributed_to']})"
    text += f" \u2014 {where} ({ev.get('source', '')}"
    if "char_start" in ev:
        text += f", characters {ev['char_start']}-{ev['char_end']}"
    return text + ")"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, escaped or not."""


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD, so an XML export is
    well-formed whatever the store holds (the loaders refuse such characters; a store built
    elsewhere, or a SPARQL server, may still have them)."""
    return _NOT_XML.sub("\ufffd", text)


def flat_attributes(data: dict[str, Any]) -> dict[str, str | int | float | bool]:
    """Attributes as GraphML and GEXF hold them: scalars only, evidence written out as text,
    every string writable as XML (:func:`xml_text`)."""
    out: dict[str, str | int | float | bool] = {}
    for key, value in sorted(data.items()):
        if value is None:
            continue
        if key == "evidence":
            out[key] = "\n".join(_evidence_text(ev) for ev in value)
        elif key == "transfers":
            out[key] = "; ".join(t["id"] for t in value)
        elif isinstance(value, list):
            out[key] = "; ".join(str(v) for v in value)
        elif isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)
        if isinstance(out[key], str):
            out[key] = xml_text(out[key])
    return out


def _flat_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    flat = nx.MultiDiGraph()
    flat.graph.update({k: xml_text(v) if isinstance(v, str) else v
                       for k, v in graph.graph.items() if isinstance(v, str | int | float)})
    degrees = dict(graph.degree())
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **flat_attributes({**data, "degree": degrees[node]}))
    for u, v, k, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **flat_attributes(data))
    return flat


# --------------------------------------------------------------------------------------------
# GraphML, GEXF


def export_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML with typed keys (``attr.name`` is the attribute: ``label``, ``kind``, ``date``...;
    key ids stay ``d0``, ``d1``... because node and edge keys of one name must differ)."""
    flat = _flat_graph(graph)
    lines = nx.generate_graphml(flat, encoding="utf-8", prettyprint=True,
                                edge_id_from_attribute="id")
    return "\n".join(lines) + "\n"


def export_gexf(graph: nx.MultiDiGraph, title: str = "") -> str:
    """GEXF 1.2 in dynamic mode: dated nodes and edges get ``start``/``end`` days, so Gephi's
    timeline shows events appear; undated nodes (actors, places) are there throughout.

    networkx stamps ``lastmodifieddate`` with today's date; it is removed so that the file
    depends only on the graph.
    """
    flat = _flat_graph(graph)
    flat.graph["mode"] = "dynamic"
    for node, data in flat.nodes(data=True):
        style = KIND_STYLES.get(str(data.get("kind")), KIND_STYLES["event"])
        r, g, b = (int(style["color"][i:i + 2], 16) for i in (1, 3, 5))
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "shape": style["gexf"],
                       "size": node_size(int(graph.degree(node)))}
    for _, _, data in flat.edges(data=True):
        data.pop("key", None)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(flat)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = "caucasus-kg"
        description = meta.find("description")
        if description is None:
            description = meta.makeelement("description", {})
            meta.append(description)
        description.text = xml_text(title or "caucasus-kg network")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue().decode("utf-8").rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------
# DOT, SVG


def _dot_quote(text: str) -> str:
    text = xml_text(text)  # Graphviz copies it into the SVG
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 24, lines: int = 4) -> str:
    wrapped = textwrap.wrap(text, width=width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "\u2026"
    return "\n".join(wrapped)


def _dot_legend(graph: nx.MultiDiGraph) -> str:
    kinds = [k for k in KIND_ORDER if any(d.get("kind") == k for _, d in graph.nodes(data=True))]
    edge_kinds = sorted({str(d.get("kind")) for *_, d in graph.edges(data=True)})
    cells = []
    for kind in kinds:
        style = KIND_STYLES[kind]
        cells.append(f'<td bgcolor="{style["color"]}">{html.escape(style["label"])}</td>')
    for kind in edge_kinds:
        style = EDGE_STYLES.get(kind, EDGE_STYLES["fact"])
        cells.append(f'<td><font color="{style["color"]}">\u2192 '
                     f'{html.escape(style["label"])} ({style["dot"]})</font></td>')
    return ('<<table border="0" cellborder="1" cellspacing="2" cellpadding="3"><tr>'
            + "".join(cells) + "</tr></table>>")


def export_dot(graph: nx.MultiDiGraph, title: str = "") -> str:
    """Graphviz DOT: colours and shapes by kind, claims as notes with a dashed outline, denials
    and disputes as red dashed edges, aggregated transfers as bold edges weighted by count."""
    out = ['digraph "caucasus-kg" {']
    graph_attrs = {"rankdir": "LR", "fontname": "Helvetica", "fontsize": "10",
                   "overlap": "false", "splines": "true", "labelloc": "b", "nodesep": "0.25",
                   "ranksep": "0.6"}
    out.append("  graph [" + ", ".join(f"{k}={_dot_quote(v)}" for k, v in graph_attrs.items())
               + f", label={_dot_legend(graph)}];")
    if title:
        out.append(f"  // {title}".replace("\n", " "))
    out.append('  node [fontname="Helvetica", fontsize="10", style="filled", penwidth="1"];')
    out.append('  edge [fontname="Helvetica", fontsize="8", arrowsize="0.6"];')
    for node, data in graph.nodes(data=True):
        kind = str(data.get("kind"))
        style = KIND_STYLES.get(kind, KIND_STYLES["event"])
        attrs = {
            "label": _wrap(str(data.get("label", node))),
            "shape": style["dot"],
            "fillcolor": style["color"],
            "fontcolor": "white" if kind in ("actor",) else "black",
            "tooltip": " \u00b7 ".join(str(x) for x in (data.get("class"), node,
                                                          data.get("date")) if x),
        }
        if kind == "claim":
            attrs["style"] = "filled,dashed"
            attrs["penwidth"] = "1.5"
        elif kind == "event":
            attrs["style"] = "filled,rounded"
        out.append(f"  {_dot_quote(node)} ["
                   + ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items()) + "];")
    for u, v, _key, data in graph.edges(keys=True, data=True):
        kind = str(data.get("kind"))
        style = EDGE_STYLES.get(kind, EDGE_STYLES["fact"])
        attrs = {"label": str(data.get("label", "")), "color": style["color"],
                 "fontcolor": style["color"], "style": style["dot"]}
        if kind == "aggregate":
            attrs["penwidth"] = f"{1 + 1.5 * math.log2(1 + int(data.get('count', 1))):.2f}"
        elif kind in ("denial", "dispute"):
            attrs["penwidth"] = "1.6"
        out.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} ["
                   + ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items()) + "];")
    out.append("}")
    return "\n".join(out) + "\n"


def export_svg(graph: nx.MultiDiGraph, title: str = "", engine: str = "dot") -> str:
    """The DOT drawing as SVG, made by Graphviz (Debian package ``graphviz``)."""
    program = shutil.which("dot")
    if program is None:
        raise ExportError("the svg format needs Graphviz's `dot` program, which is not "
                          "installed: install the 'graphviz' package (apt-get install graphviz), "
                          "or run `caucasus-kg export dot` and draw it elsewhere")
    if engine not in GRAPHVIZ_ENGINES:
        raise ExportError(f"unknown Graphviz engine '{engine}'; use one of "
                          + ", ".join(GRAPHVIZ_ENGINES))
    try:
        done = subprocess.run([program, f"-K{engine}", "-Tsvg"],
                              input=export_dot(graph, title).encode("utf-8"),
                              capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"Graphviz failed: {exc}") from exc
    if done.returncode != 0:
        raise ExportError("Graphviz failed: " + done.stderr.decode("utf-8", "replace").strip())
    return done.stdout.decode("utf-8")


# --------------------------------------------------------------------------------------------
# Cytoscape.js elements (JSON) and the HTML page


def _display(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "\u2026"


def cytoscape_elements(graph: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """The graph as Cytoscape.js elements: ``{"nodes": [{"data": ...}], "edges": [...]}``.

    Node data keeps the rich attributes (``evidence`` as a list of quotes with their sources),
    plus ``display`` (a shortened label), ``degree`` and ``size`` for drawing.
    """
    nodes, edges = [], []
    degrees = dict(graph.degree())
    for node, data in graph.nodes(data=True):
        item = {k: v for k, v in data.items() if v is not None}
        item.update(id=node, display=_display(str(data.get("label", node))),
                    degree=degrees[node], size=node_size(degrees[node]))
        nodes.append({"data": dict(sorted(item.items())), "classes": str(data.get("kind", ""))})
    for u, v, key, data in graph.edges(keys=True, data=True):
        item = {k: v for k, v in data.items() if v is not None}
        count = int(data.get("count", 1))
        item.update(source=u, target=v, key=key,
                    width=round(1.2 + 1.8 * math.log2(count), 2) if count > 1 else 1.2)
        edges.append({"data": dict(sorted(item.items())), "classes": str(data.get("kind", ""))})
    return {"nodes": nodes, "edges": edges}


def export_json(graph: nx.MultiDiGraph, title: str = "") -> str:
    """Cytoscape.js JSON (``cy.json()`` shape; Cytoscape desktop opens it as ``.cyjs``)."""
    document = {"data": {"name": title or "caucasus-kg", "generator": "caucasus-kg"},
                "elements": cytoscape_elements(graph)}
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _asset(*parts: str) -> str:
    return resources.files("caucasus_kg").joinpath(*parts).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped so no text can end it."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _legend_html(graph: nx.MultiDiGraph) -> str:
    kinds = [k for k in KIND_ORDER if any(d.get("kind") == k for _, d in graph.nodes(data=True))]
    edge_kinds = [k for k in EDGE_STYLES if any(d.get("kind") == k
                                                for *_, d in graph.edges(data=True))]
    rows = ['      <ul class="legend-nodes">']
    shapes = {"ellipse": '<circle cx="8" cy="8" r="6"', "diamond": '<path d="M8 1 15 8 8 15 1 8Z"',
              "triangle": '<path d="M8 2 15 14 1 14Z"', "hexagon": '<path d="M4 2h8l4 6-4 6H4L0 8Z"'}
    for kind in kinds:
        style = KIND_STYLES[kind]
        shape = shapes.get(style["shape"], '<rect x="2" y="3" width="12" height="10" rx="2"')
        dash = ' stroke-dasharray="2 1.5"' if kind == "claim" else ""
        rows.append(f'        <li data-kind="{kind}"><svg width="16" height="16" aria-hidden="true">'
                    f'{shape} fill="{style["color"]}" stroke="#444"{dash}/></svg>'
                    f"{html.escape(style['label'])}</li>")
    rows.append("      </ul>")
    rows.append('      <ul class="legend-edges">')
    for kind in edge_kinds:
        style = EDGE_STYLES[kind]
        dash = {"dashed": ' stroke-dasharray="5 3"', "dotted": ' stroke-dasharray="1.5 2"'}.get(
            style["line"], "")
        width = 3 if kind == "aggregate" else 2
        rows.append(f'        <li data-edge-kind="{kind}"><svg width="26" height="10" '
                    f'aria-hidden="true"><line x1="1" y1="5" x2="25" y2="5" '
                    f'stroke="{style["color"]}" stroke-width="{width}"{dash}/></svg>'
                    f"{html.escape(style['label'])}</li>")
    rows.append("      </ul>")
    return "\n".join(rows)


def _fill(template: str, parts: dict[str, str]) -> str:
    """Put ``parts`` at the ``@@NAME@@`` markers in one pass (inserted text is not rescanned)."""
    return re.sub(r"@@([A-Z]+)@@", lambda m: parts[m.group(1)], template)


def _summary(graph: nx.MultiDiGraph, subtitle: str) -> str:
    counts = defaultdict(int)
    for _, data in graph.nodes(data=True):
        counts[str(data.get("kind"))] += 1
    parts = [f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} links"]
    parts += [f"{counts[k]} {KIND_STYLES[k]['label'].split(' (')[0]}" for k in KIND_ORDER
              if counts.get(k)]
    text = ": ".join([parts[0], ", ".join(parts[1:])]) if len(parts) > 1 else parts[0]
    return f"{text}. {subtitle[:1].upper()}{subtitle[1:]}." if subtitle else text


def export_html(graph: nx.MultiDiGraph, title: str = "caucasus-kg network",
                subtitle: str = "") -> str:
    """One self-contained page: the data, Cytoscape.js with the fCoSE layout and the page's
    script are all inlined."""
    payload = {
        "seed": LAYOUT_SEED,
        "kinds": {k: {"color": s["color"], "shape": s["shape"], "label": s["label"]}
                  for k, s in KIND_STYLES.items()},
        "edge_kinds": {k: {kk: vv for kk, vv in s.items() if kk in ("color", "line", "dash",
                                                                    "label")}
                       for k, s in EDGE_STYLES.items()},
        "elements": cytoscape_elements(graph),
    }
    library = f"/* Cytoscape.js {CYTOSCAPE_VERSION} (MIT licence) */\n" + _asset(*_VENDOR).strip()
    for name, parts in _LAYOUT_VENDOR:
        library += f"\n/* {name} (MIT licence) */\n" + _asset(*parts).strip()
    if "</script" in library.lower():  # would end the inline script early
        raise ExportError("a vendored library contains '</script'; it cannot be inlined")
    return _fill(_asset("web", "export", "network.html"), {
        "TITLE": html.escape(title),
        "SUBTITLE": html.escape(_summary(graph, subtitle)),
        "CSS": _asset("web", "export", "network.css").rstrip("\n"),
        "LEGEND": _legend_html(graph),
        "DATA": _script_json(payload),
        "LIBRARY": library,
        "APP": _asset("web", "export", "network.js").rstrip("\n"),
    })


# --------------------------------------------------------------------------------------------
# Timeline


_LANE_PREDICATES = {
    "actor": ("ckg:actor", "ckg:participant", "ckg:supplier", "ckg:recipient"),
    "treaty": ("ckg:treaty", "ckg:instrument", "ckg:exercises", "ckg:invokes", "ckg:authorisedBy"),
}
_ROW_MIDDLE = 11.0
_NO_LANE = {"actor": "no actor named", "treaty": "no treaty or legislation", "none": "events"}


def _family(data: dict[str, Any]) -> tuple[str, str, str]:
    classes = set(data.get("classes", ()))
    return next((f for f in _EVENT_FAMILIES if f[0] in classes), _OTHER_EVENT)


def _day_number(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def _first_day(written: str) -> str:
    """The first day of a date of any precision: 2023 -> 2023-01-01, 2023-11 -> 2023-11-01."""
    return written + "-01-01"[len(written) - 4:] if len(written) < 10 else written


def pending_period(data: dict[str, Any]) -> tuple[str, str] | None:
    """(announced, effective) of an event announced before it took effect, as written; None when
    it has no such period. The period runs from the first day of the one to the first day of the
    other: a notice given in June 2023 and in effect on 7 November is pending from June 1."""
    announced, effective = data.get("announced_date"), data.get("effective_date")
    if not (isinstance(announced, str) and isinstance(effective, str)):
        return None
    if not all(re.fullmatch(r"\d{4}(-\d{2}){0,2}", d) for d in (announced, effective)):
        return None
    return (announced, effective) if _first_day(announced) < _first_day(effective) else None


def _text_width(text: str, size: float = 11.0) -> float:
    return len(text) * size * 0.56 + 4


def _lanes(graph: nx.MultiDiGraph, events: list[str], group_by: str) -> dict[str, list[str]]:
    lanes: dict[str, list[str]] = defaultdict(list)
    for event in events:
        names = []
        if group_by in _LANE_PREDICATES:
            names = sorted({str(graph.nodes[v].get("label", v))
                            for _, v, k in graph.out_edges(event, keys=True)
                            if k in _LANE_PREDICATES[group_by]})
        for name in names or [_NO_LANE[group_by]]:
            lanes[name].append(event)
    return lanes


def export_timeline(graph: nx.MultiDiGraph, group_by: str = "actor",
                    title: str = "caucasus-kg timeline") -> str:
    """Events on a time axis, one lane per actor (or treaty/legislation, or none), as HTML with
    an inline SVG. Day-precise dates are dots, months and years are bars over their span.
    Undated events placed ``after`` a dated one are drawn just after it, hollow and joined to
    it by a dashed line; undated events with no anchor are listed under the drawing.
    """
    if group_by not in GROUP_BY:
        raise ExportError(f"unknown grouping '{group_by}'; use one of {', '.join(GROUP_BY)}")
    events = [n for n, d in graph.nodes(data=True) if d.get("kind") == "event"]
    placed = [n for n in events if "start" in graph.nodes[n]]
    undated = sorted((n for n in events if n not in placed),
                     key=lambda n: (str(graph.nodes[n].get("label")), n))
    lanes = _lanes(graph, placed, group_by)

    left, right, top, row_h, lane_pad = 220.0, 30.0, 44.0, 22.0, 8.0
    if placed:
        first = min(int(graph.nodes[n]["start"][:4]) for n in placed)
        last = max(int(graph.nodes[n].get("end", graph.nodes[n]["start"])[:4]) for n in placed)
    else:
        first = last = 2000
    years = last - first + 1
    plot_w = max(720.0, min(2400.0, years * 40.0))
    day0, day1 = _day_number(f"{first:04d}-01-01"), _day_number(f"{last + 1:04d}-01-01")

    def x_of(iso: str) -> float:
        return round(left + (_day_number(iso) - day0) / (day1 - day0) * plot_w, 1)

    def anchor_x(node: str) -> tuple[float, float | None]:
        """Where an event is drawn, and for an undated one where its anchor ends."""
        data = graph.nodes[node]
        anchor = data.get("time_anchor")
        if "date" in data or anchor not in graph:
            return x_of(data["start"]), None
        before = graph.nodes[anchor]
        base = (x_of(before.get("end", before["start"])) if "date" in before
                else anchor_x(anchor)[0])
        return round(base + 12, 1), base

    lane_order = sorted(lanes, key=lambda name: (
        name == _NO_LANE[group_by],
        min(graph.nodes[n]["start"] for n in lanes[name]), name))
    body: list[str] = []
    anchors: dict[str, float] = {}
    flipped: dict[str, bool] = {}
    y = top
    for index, lane in enumerate(lane_order):
        items = []
        for node in lanes[lane]:
            data = graph.nodes[node]
            x0, after = anchor_x(node)
            x1 = x0
            pending = pending_period(data)
            if pending is not None:
                # from the announcement to the day it takes effect
                x0 = x_of(_first_day(pending[0]))
                x1 = x_of(_first_day(pending[1]))
            elif "date" in data and len(str(data["date"])) < 10:
                x1 = x_of(data.get("end", data["start"]))
            items.append((x0, x1, node))
            if after is not None:
                anchors[node] = after
        items.sort(key=lambda item: (item[0], item[2]))
        taken: list[list[tuple[float, float]]] = []
        rows: dict[str, int] = {}
        for x0, x1, node in items:
            text_w = 10 + _text_width(_timeline_label(graph, node))
            # a label that would run past the right edge is written to the left of its marker
            flipped[node] = x1 + text_w > left + plot_w + right and x0 - text_w > left
            span = (x0 - text_w, x1 + 6) if flipped[node] else (x0 - 6, x1 + text_w)
            row = next((r for r, spans in enumerate(taken)
                        if all(span[1] < a or span[0] > b for a, b in spans)), len(taken))
            if row == len(taken):
                taken.append([])
            taken[row].append(span)
            rows[node] = row
        name_lines = _lane_name_lines(lane)
        height = max(max(1, len(taken)) * row_h, len(name_lines) * _LANE_LINE + 6) + 2 * lane_pad
        shade = "#f6f8fa" if index % 2 == 0 else "#ffffff"
        body.append(f'  <g class="lane" data-lane="{html.escape(lane)}">')
        body.append(f'    <rect x="0" y="{y:.1f}" width="{left + plot_w + right:.1f}" '
                    f'height="{height:.1f}" fill="{shade}"/>')
        shown = html.escape(lane) if len(name_lines) == 1 else "".join(
            f'<tspan x="10" dy="{0 if i == 0 else _LANE_LINE}">{html.escape(line)}</tspan>'
            for i, line in enumerate(name_lines))
        body.append(f'    <text class="lane-label" x="10" y="{y + lane_pad + 15:.1f}">'
                    f"{shown}</text>")
        for x0, x1, node in items:
            body.extend(_timeline_event(graph, node, x0, x1, y + lane_pad + rows[node] * row_h,
                                        anchors.get(node), flipped[node]))
        body.append("  </g>")
        y += height
    height_total = y + 10
    width_total = left + plot_w + right
    axis = ['  <g class="axis" aria-hidden="true">']
    step = 1 if years <= 30 else 5 if years <= 150 else 25
    for year in range(first, last + 2):
        if (year - first) % step and year != last + 1:
            continue
        x = x_of(f"{year:04d}-01-01")
        axis.append(f'    <line x1="{x}" y1="{top - 6:.1f}" x2="{x}" y2="{height_total - 10:.1f}" '
                    'stroke="#d0d7de" stroke-width="1"/>')
        if year <= last:
            axis.append(f'    <text class="year" x="{x + 3}" y="{top - 12:.1f}">{year}</text>')
    axis.append("  </g>")
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_total:.0f}" '
           f'height="{height_total:.0f}" viewBox="0 0 {width_total:.0f} {height_total:.0f}" '
           f'role="img" aria-labelledby="timeline-title">',
           f'  <title id="timeline-title">{html.escape(title)}</title>', *axis, *body, "</svg>"]
    return _timeline_page(graph, title, group_by, "\n".join(svg), undated)


_LANE_LINE = 15.0
_LANE_CHARS = 24
"""A lane's name is wrapped into lines of at most this many characters (bold 12 px text in the
220 px left margin), never cut."""


def _lane_name_lines(name: str) -> list[str]:
    return textwrap.wrap(name, _LANE_CHARS, break_long_words=True, break_on_hyphens=True) or [""]


def _timeline_label(graph: nx.MultiDiGraph, node: str) -> str:
    data = graph.nodes[node]
    label = str(data.get("label", node))
    anchor = data.get("time_anchor")
    if "date" not in data and anchor in graph:
        label += f" (after {graph.nodes[anchor].get('label', anchor)})"
    return label


def _timeline_event(graph: nx.MultiDiGraph, node: str, x0: float, x1: float, y: float,
                    after_x: float | None, flipped: bool) -> list[str]:
    data = graph.nodes[node]
    _, family_label, colour = _family(data)
    dated = "date" in data
    label = _timeline_label(graph, node)
    cy = y + _ROW_MIDDLE
    precision = {4: "year", 7: "month", 10: "day"}.get(len(str(data.get("date", ""))), "after")
    pending = pending_period(data)
    attrs = {"class": f"event {family_label.replace(' ', '-')}", "data-id": node,
             "data-start": data["start"], "data-precision": precision}
    if dated:
        attrs["data-date"] = str(data["date"])
    if pending is not None:
        attrs["data-announced"], attrs["data-effective"] = pending
    tip = [label, f"{data.get('class', 'event')}; " + (
        f"announced {pending[0]}, in effect from {pending[1]}" if pending is not None else
        f"date: {data['date']}" if dated else
        f"undated, after {graph.nodes[data['time_anchor']].get('label', data['time_anchor'])}"
        if data.get("time_anchor") in graph else "undated")]
    for ev in data.get("evidence", [])[:3]:
        tip.append(f"{evidence_words(ev)} \u2014 {ev.get('attributed_to', '')}")
    out = ["    <g " + " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items()) + ">",
           f"      <title>{html.escape(chr(10).join(tip))}</title>"]
    if pending is not None:
        # the pending period: a dashed line from the announcement (a hollow mark) to the day
        # the action takes effect (a filled dot)
        out.append(f'      <line class="pending" x1="{x0}" y1="{cy:.1f}" x2="{x1}" y2="{cy:.1f}" '
                   f'stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/>')
        out.append(f'      <circle class="announced" cx="{x0}" cy="{cy:.1f}" r="3.5" fill="#fff" '
                   f'stroke="{colour}" stroke-width="1.5"/>')
        out.append(f'      <circle class="marker" cx="{x1}" cy="{cy:.1f}" r="5" fill="{colour}"/>')
        text_x = x1 + 9
    elif not dated:
        if after_x is not None:
            out.append(f'      <line class="after" x1="{after_x}" y1="{cy:.1f}" '
                       f'x2="{x0 - 5:.1f}" y2="{cy:.1f}" stroke="{colour}" '
                       'stroke-dasharray="3 2"/>')
        out.append(f'      <circle class="marker" cx="{x0}" cy="{cy:.1f}" r="5" fill="#fff" '
                   f'stroke="{colour}" stroke-width="2"/>')
        text_x = x0 + 9
    elif x1 - x0 >= 3:
        out.append(f'      <rect class="marker" x="{x0}" y="{cy - 5:.1f}" width="{x1 - x0:.1f}" '
                   f'height="10" rx="3" fill="{colour}" fill-opacity="0.75"/>')
        text_x = x1 + 5
    else:
        out.append(f'      <circle class="marker" cx="{x0}" cy="{cy:.1f}" r="5" '
                   f'fill="{colour}"/>')
        text_x = x0 + 9
    if flipped:
        out.append(f'      <text x="{x0 - 9:.1f}" y="{cy + 4:.1f}" text-anchor="end">'
                   f"{html.escape(label)}</text>")
    else:
        out.append(f'      <text x="{text_x:.1f}" y="{cy + 4:.1f}">{html.escape(label)}</text>')
    out.append("    </g>")
    return out




_TIMELINE_CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d1d1d; margin: 16px; }
h1 { font-size: 18px; margin: 0 0 4px; }
p.sub { color: #555; margin: 0 0 10px; font-size: 13px; }
.scroll { overflow-x: auto; border: 1px solid #ddd; }
svg text { font-size: 11px; fill: #1d1d1d; }
svg text.year { fill: #555; }
svg text.lane-label { font-weight: 600; font-size: 12px; }
svg g.event:hover text { font-weight: 600; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px;
            font-size: 12px; }
ul.legend span { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
                 margin-right: 5px; vertical-align: -1px; }
h2 { font-size: 15px; margin: 18px 0 6px; }
""".strip()


def _timeline_page(graph: nx.MultiDiGraph, title: str, group_by: str, svg: str,
                   undated: list[str]) -> str:
    families = []
    for _, data in graph.nodes(data=True):
        if data.get("kind") == "event" and _family(data) not in families:
            families.append(_family(data))
    families.sort(key=lambda f: [*_EVENT_FAMILIES, _OTHER_EVENT].index(f))
    legend = "".join(f'<li><span style="background:{c}"></span>{html.escape(label)}</li>'
                     for _, label, c in families)
    grouping = {"actor": "one lane per actor", "treaty": "one lane per treaty or legislation",
                "none": "one lane"}[group_by]
    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="generator" content="caucasus-kg">',
             f"<title>{html.escape(title)}</title>", f"<style>\n{_TIMELINE_CSS}\n</style>",
             "</head>", "<body>", f"<h1>{html.escape(title)}</h1>",
             f'<p class="sub">{grouping}; dots are days, bars are months or years; hollow '
             "markers are undated events drawn after the event they follow; a dashed line runs "
             "from an action's announcement (small ring) to the day it took effect: the period "
             "it was pending. Hover for the evidence.</p>",
             f'<ul class="legend">{legend}</ul>', '<div class="scroll">', svg, "</div>"]
    if not any(d.get("kind") == "event" and "start" in d for _, d in graph.nodes(data=True)):
        lines.append('<p class="empty">No dated events to draw.</p>')
    if undated:
        lines.append('<h2 id="undated">Undated events</h2>')
        lines.append('<ul class="undated">')
        for node in undated:
            data = graph.nodes[node]
            quote = next((ev.get("quote") for ev in data.get("evidence", [])), None)
            item = f'<li data-id="{html.escape(node)}"><strong>{html.escape(str(data["label"]))}'
            item += f"</strong> ({html.escape(str(data.get('class', 'event')))})"
            if quote:
                item += f": \u201c{html.escape(quote)}\u201d"
            lines.append(item + "</li>")
        lines.append("</ul>")
    lines += ["</body>", "</html>"]
    return "\n".join(lines) + "\n"


def export(fmt: str, graph: nx.MultiDiGraph, title: str = "", subtitle: str = "",
           group_by: str = "actor", engine: str = "dot") -> str:
    """The file text of ``graph`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "html":
        return export_html(graph, title or "caucasus-kg network", subtitle)
    if fmt == "graphml":
        return export_graphml(graph)
    if fmt == "gexf":
        return export_gexf(graph, title)
    if fmt == "dot":
        return export_dot(graph, title)
    if fmt == "svg":
        return export_svg(graph, title, engine)
    if fmt == "json":
        return export_json(graph, title)
    if fmt == "timeline":
        return export_timeline(graph, group_by, title or "caucasus-kg timeline")
    raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
