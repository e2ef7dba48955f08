/* caucasus-kg network page: draws the exported graph with Cytoscape.js and shows a clicked
   node's facts with their evidence. Everything it needs is in this page: no request leaves it. */
(function () {
  "use strict";

  var payload = JSON.parse(document.getElementById("graph-data").textContent);

  // A fixed seed for the layout's random start, so that the page looks the same on every load.
  var state = payload.seed >>> 0;
  Math.random = function () {
    state = (state + 0x6D2B79F5) >>> 0;
    var t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  var kinds = payload.kinds;
  var edgeKinds = payload.edge_kinds;
  var big = payload.elements.nodes.length > 150;

  var style = [
    { selector: "node", style: {
      "label": "data(display)", "width": "data(size)", "height": "data(size)",
      "background-color": "#999", "border-width": 1, "border-color": "#444",
      "font-size": 9, "color": "#222", "text-wrap": "wrap", "text-max-width": 110,
      "text-valign": "bottom", "text-margin-y": 3, "min-zoomed-font-size": 7,
      "text-background-color": "#ffffff", "text-background-opacity": 0.75,
      "text-background-padding": 1 } },
    { selector: "node[kind = \"actor\"]", style: {
      "font-size": 12, "font-weight": "bold", "min-zoomed-font-size": 5 } },
    { selector: "node[kind = \"claim\"]", style: {
      "border-style": "dashed", "border-width": 2, "border-color": "#6d2f5a" } },
    { selector: "edge", style: {
      "width": "data(width)", "line-color": "#999", "target-arrow-color": "#999",
      "target-arrow-shape": "triangle", "arrow-scale": 0.7, "curve-style": "bezier",
      "label": "data(label)", "font-size": 7, "color": "#555", "min-zoomed-font-size": 8,
      "text-rotation": "autorotate", "text-background-color": "#ffffff",
      "text-background-opacity": 0.8 } }
  ];
  Object.keys(kinds).forEach(function (kind) {
    style.push({ selector: "node[kind = \"" + kind + "\"]", style: {
      "background-color": kinds[kind].color, "shape": kinds[kind].shape } });
  });
  Object.keys(edgeKinds).forEach(function (kind) {
    var k = edgeKinds[kind];
    var s = { "line-color": k.color, "target-arrow-color": k.color, "line-style": k.line };
    if (k.dash) { s["line-dash-pattern"] = k.dash; }
    style.push({ selector: "edge[kind = \"" + kind + "\"]", style: s });
  });
  style.push(
    { selector: "edge[kind = \"denial\"], edge[kind = \"dispute\"]", style: {
      "color": "#b23c00", "font-weight": "bold", "min-zoomed-font-size": 5 } },
    { selector: "edge[kind = \"aggregate\"]", style: {
      "color": "#0b4f80", "font-size": 9, "font-weight": "bold", "min-zoomed-font-size": 5 } },
    { selector: ".faded", style: { "opacity": 0.22 } },
    { selector: "node.match", style: { "border-width": 4, "border-color": "#111" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#111",
      "overlay-opacity": 0 } },
    { selector: "edge:selected", style: { "width": 4, "overlay-opacity": 0 } }
  );

  if (big) {  // hundreds of nodes: smaller events and claims, their labels only when zoomed in
    style.push({ selector: "node[kind != \"actor\"]", style: {
      "width": "mapData(size, 18, 64, 10, 40)", "height": "mapData(size, 18, 64, 10, 40)",
      "min-zoomed-font-size": 11 } });
  }

  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: payload.elements,
    style: style,
    layout: { name: "preset" },
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: "single"
  });
  // fCoSE places the nodes counting their labels as part of them; what overlap remains is
  // pushed apart below, so that no two labels cover each other at any zoom.
  cytoscape.use(cytoscapeFcose);
  cy.layout({
    name: "fcose", quality: "proof", randomize: true, animate: false, fit: false,
    nodeDimensionsIncludeLabels: true, packComponents: false, tile: true,
    idealEdgeLength: function (edge) { return edge.data("kind") === "aggregate" ? 130 : 80; },
    edgeElasticity: function () { return 0.45; },
    nodeRepulsion: function () { return big ? 6000 : 9000; },
    nodeSeparation: 40, gravity: 0.25, gravityRange: 3.8, numIter: 2500
  }).run();
  separateLabels(cy.nodes(), 6);
  cy.fit(undefined, 20);
  if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }  // a small graph is not blown up

  // Moves nodes apart, each pair by as little as frees their boxes (the node with its label,
  // plus `gap`), until no two overlap or the passes run out. Deterministic: fixed order.
  function separateLabels(nodes, gap) {
    var items = nodes.map(function (n) {
      var box = n.boundingBox({ includeLabels: true, includeOverlays: false });
      var p = n.position();
      return { node: n, x: p.x, y: p.y, left: p.x - box.x1 + gap / 2,
        right: box.x2 - p.x + gap / 2, up: p.y - box.y1 + gap / 2, down: box.y2 - p.y + gap / 2 };
    });
    for (var pass = 0; pass < 300; pass++) {
      var moved = false;
      for (var i = 0; i < items.length; i++) {
        for (var j = i + 1; j < items.length; j++) {
          var a = items[i], b = items[j];
          var dx = Math.min(a.x + a.right, b.x + b.right) - Math.max(a.x - a.left, b.x - b.left);
          var dy = Math.min(a.y + a.down, b.y + b.down) - Math.max(a.y - a.up, b.y - b.up);
          if (dx <= 0 || dy <= 0) { continue; }
          moved = true;
          if (dx < dy) {  // the cheaper direction
            var sx = (a.x < b.x || (a.x === b.x && i < j)) ? -1 : 1;
            a.x += sx * dx / 2; b.x -= sx * dx / 2;
          } else {
            var sy = (a.y < b.y || (a.y === b.y && i < j)) ? -1 : 1;
            a.y += sy * dy / 2; b.y -= sy * dy / 2;
          }
        }
      }
      if (!moved) { break; }
    }
    cy.batch(function () {
      items.forEach(function (it) { it.node.position({ x: it.x, y: it.y }); });
    });
  }
  window.cy = cy;

  // ------------------------------------------------------------------ side panel
  var panel = document.getElementById("panel");
  var HIDDEN = { id: 1, label: 1, display: 1, iri: 1, kind: 1, classes: 1, class_id: 1,
    size: 1, width: 1, degree: 1, evidence: 1, transfers: 1, source: 1, target: 1,
    "class": 1, predicate: 1, weight: 1, start: 1, end: 1, source_file: 1, source_line: 1,
    char_start: 1, char_end: 1, attributed_to_id: 1, proposition_subject: 1,
    proposition_predicate: 1, proposition_object: 1, evidence_count: 1 };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function text(value) {
    if (Array.isArray(value)) { return value.map(text).join("; "); }
    if (typeof value === "number") { return value.toLocaleString("en"); }
    return String(value);
  }

  function nodeLink(id) {
    var target = cy.getElementById(id);
    var name = target.nonempty() ? target.data("label") : id;
    var a = el("a", { "class": "node-link", "data-id": id, tabindex: "0" }, [name]);
    a.addEventListener("click", function () { select(cy.getElementById(id)); });
    return a;
  }

  function evidenceBlock(ev) {
    var parts = [];
    if (ev.kind) { parts.push(ev.kind); }
    if (ev.attributed_to) { parts.push("attributed to " + ev.attributed_to); }
    if (ev.reports) { parts.push("reports " + ev.reports); }
    if (ev.source_title) {
      parts.push("source: " + ev.source_title + (ev.publisher ? " (" + ev.publisher + ")" : ""));
    }
    if (ev.char_start !== undefined) {
      parts.push("characters " + ev.char_start + "\u2013" + ev.char_end);
    }
    var words;
    if (ev.paraphrase) {  // the curator's words: never shown as a quote
      words = el("p", { "class": "paraphrase" }, ["Reported, in the curator's words: " + ev.paraphrase]);
    } else if (ev.record && !ev.quote) {
      words = el("p", { "class": "record" }, ["Dataset record " + ev.record]);
    } else {
      words = el("blockquote", {}, ["\u201c" + (ev.quote || "") + "\u201d"]);
    }
    return el("div", { "class": "evidence" }, [words, el("p", {}, [parts.join(" \u00b7 ")])]);
  }

  function factsList(data) {
    var dl = el("dl", { "class": "facts" });
    Object.keys(data).sort().forEach(function (key) {
      var value = data[key];
      if (HIDDEN[key] || value === null || value === "" ||
          (Array.isArray(value) && value.length === 0)) { return; }
      var dd;
      if (key === "wikidata") {
        dd = el("dd", {}, [el("a", { href: "https://www.wikidata.org/wiki/" + value,
          target: "_blank", rel: "noopener" }, [value])]);
      } else if (key === "time_anchor") {
        dd = el("dd", {}, ["undated; after ", nodeLink(value)]);
      } else {
        dd = el("dd", {}, [text(value)]);
      }
      dl.appendChild(el("dt", {}, [key.replace(/_/g, " ")]));
      dl.appendChild(dd);
    });
    if (data.source_file) {
      dl.appendChild(el("dt", {}, ["written in"]));
      dl.appendChild(el("dd", {}, ["graphs/" + data.source_file +
        (data.source_line ? ":" + data.source_line : "")]));
    }
    return dl;
  }

  function heading(data, colour) {
    return [
      el("h2", {}, [data.label]),
      el("div", {}, [el("span", { "class": "badge", style: "background:" + colour },
        [data["class"] || data.kind]), el("span", { "class": "ident" }, [data.id])])
    ];
  }

  function showNode(node) {
    var data = node.data();
    var kind = kinds[data.kind] || { color: "#777" };
    panel.replaceChildren.apply(panel, heading(data, kind.color));
    panel.appendChild(factsList(data));
    var links = el("ul", { "class": "links" });
    node.outgoers("edge").sort(byLabel).forEach(function (e) {
      links.appendChild(el("li", {}, [el("span", { "class": "pred" }, [e.data("label") + " \u2192 "]),
        nodeLink(e.target().id())]));
    });
    node.incomers("edge").sort(byLabel).forEach(function (e) {
      links.appendChild(el("li", {}, [nodeLink(e.source().id()),
        el("span", { "class": "pred" }, [" \u2192 " + e.data("label")])]));
    });
    if (links.childNodes.length) {
      panel.appendChild(el("h3", {}, ["Links (" + links.childNodes.length + ")"]));
      panel.appendChild(links);
    }
    var evidence = data.evidence || [];
    panel.appendChild(el("h3", {}, ["Evidence (" + evidence.length + ")"]));
    if (evidence.length === 0) {
      panel.appendChild(el("p", { "class": "hint" },
        ["None recorded for this node itself; see the facts it links to."]));
    }
    evidence.forEach(function (ev) { panel.appendChild(evidenceBlock(ev)); });
  }

  function showEdge(edge) {
    var data = edge.data();
    var kind = edgeKinds[data.kind] || { color: "#777" };
    panel.replaceChildren.apply(panel, heading(data, kind.color));
    panel.appendChild(el("p", {}, [nodeLink(data.source), " \u2192 " + data.label + " \u2192 ",
      nodeLink(data.target)]));
    panel.appendChild(factsList(data));
    (data.transfers || []).forEach(function (t) {
      var lines = [el("strong", {}, [t.label])];
      var details = [t.date, t.value, text(t.weapon_category || [])].filter(Boolean);
      if (details.length) { lines.push(" (" + details.join(", ") + ")"); }
      var box = el("div", { "class": "transfer" }, lines);
      (t.evidence || []).forEach(function (ev) { box.appendChild(evidenceBlock(ev)); });
      panel.appendChild(box);
    });
    if (!data.transfers) {
      var source = edge.source().data("evidence") || [];
      panel.appendChild(el("h3", {}, ["Evidence of " + edge.source().data("label") +
        " (" + source.length + ")"]));
      source.forEach(function (ev) { panel.appendChild(evidenceBlock(ev)); });
    }
  }

  function byLabel(a, b) {
    var x = a.data("label") + a.id(), y = b.data("label") + b.id();
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function focusOn(ele) {
    cy.elements().removeClass("faded");
    var near = ele.isNode() ? ele.closedNeighborhood() : ele.union(ele.connectedNodes());
    cy.elements().not(near).addClass("faded");
  }

  function select(ele) {
    if (!ele || ele.empty()) { return; }
    cy.elements().unselect();
    ele.select();
    focusOn(ele);
    if (ele.isNode()) { showNode(ele); } else { showEdge(ele); }
  }

  cy.on("tap", "node, edge", function (evt) { select(evt.target); });
  cy.on("tap", function (evt) {
    if (evt.target === cy) { cy.elements().removeClass("faded").unselect(); }
  });

  // ------------------------------------------------------------------ search and tools
  var search = document.getElementById("search");
  var count = document.getElementById("search-count");
  function haystack(n) {
    return [n.data("label"), n.id(), text(n.data("aliases") || []), n.data("wikidata") || ""]
      .join(" \u0000 ").toLowerCase();
  }
  function matches() {
    var q = search.value.trim().toLowerCase();
    cy.nodes().removeClass("match");
    if (!q) { count.textContent = ""; cy.elements().removeClass("faded"); return cy.collection(); }
    var found = cy.nodes().filter(function (n) {
      return n.visible() && haystack(n).indexOf(q) >= 0;
    });
    found.addClass("match");
    cy.elements().addClass("faded");
    found.removeClass("faded");
    count.textContent = found.length + (found.length === 1 ? " match" : " matches");
    return found;
  }
  search.addEventListener("input", matches);
  search.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter") {
      var found = matches();
      if (found.nonempty()) {
        var first = found.sort(byLabel)[0];
        cy.animate({ fit: { eles: found, padding: 120 } }, { duration: 0 });
        select(first);
      }
    } else if (evt.key === "Escape") {
      search.value = "";
      matches();
    }
  });
  function zoomBy(factor) {
    cy.zoom({ level: cy.zoom() * factor,
      renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.3); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(1 / 1.3); });
  document.getElementById("fit").addEventListener("click", function () { cy.fit(undefined, 30); });
  document.getElementById("show-claims").addEventListener("change", function (evt) {
    cy.nodes("[kind = \"claim\"]").style("display", evt.target.checked ? "element" : "none");
  });

  document.body.setAttribute("data-ready", "true");
}());
