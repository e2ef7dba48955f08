// The query page: catalogue, YASQE editor, parameters, YASR results, downloads.
// YASGUI's editor (YASQE) and results view (YASR) come from the vendored bundle in
// /static/vendor/yasgui/; nothing is loaded from elsewhere: completion of classes and properties
// asks this server, and YASQE's own lookups on other sites are replaced. Every value from the
// server is inserted as text (never as HTML) or handed to YASR, which sanitises it.
"use strict";

(() => {
  const { Yasqe, Yasr } = window.Yasgui;
  const ENTITY_NS = "https://w3id.org/caucasus-kg/id/";
  const RESULTS_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const DEFAULT_QUERY = `SELECT ?label ?type WHERE {
  ?s a ckg:Alliance ; rdfs:label ?label .
  BIND("alliance" AS ?type)
}
ORDER BY ?label`;
  // The classes and properties the completion offers: those the ontology declares and those
  // the data uses.
  const TERMS_QUERY = `PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?term ?kind WHERE {
  { VALUES ?type { owl:Class rdfs:Class } ?term a ?type . BIND("class" AS ?kind) }
  UNION { [] a ?term . BIND("class" AS ?kind) }
  UNION { VALUES ?type { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                         rdf:Property }
          ?term a ?type . BIND("property" AS ?kind) }
  UNION { [] ?term [] . BIND("property" AS ?kind) }
  FILTER(isIRI(?term))
}`;
  const $ = (id) => document.getElementById(id);
  const statusLine = $("status");
  const errorBox = $("error");
  const results = $("results");
  const paramsBox = $("params");
  const paramFields = $("param-fields");
  const paramsNote = $("params-note");
  const downloads = [$("download-csv"), $("download-json")];

  let prefixes = {};
  let loaded = null; // the canned query whose text is in the editor: {name, text}
  let lastRequest = null; // what produced the results shown: {url, init, name}

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  // --- completion from this server's graph --------------------------------------------------
  const terms = (async () => {
    const response = await fetch("/sparql", { method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json" },
      body: new URLSearchParams({ query: TERMS_QUERY }).toString() });
    const found = { class: [], property: [] };
    if (!response.ok) return found;
    for (const row of (await response.json()).results.bindings) {
      found[row.kind.value].push(row.term.value);
    }
    found.class.sort();
    found.property.sort();
    return found;
  })().catch(() => ({ class: [], property: [] }));

  for (const kind of ["class", "property"]) {
    // YASQE's own class and property completers ask a service on the web; these keep its
    // positions and prefix handling and take the terms from the graph instead. Until the terms
    // have arrived YASQE asks `get` with the token typed so far, and shows whatever it returns:
    // only the terms that start with it.
    Yasqe.registerAutocompleter({ ...Yasqe.Autocompleters[kind], name: kind, bulk: true,
      persistenceId: null, get: (_yasqe, token) => terms.then((found) => {
        const typed = token ? token.autocompletionString || token.string : "";
        return found[kind].filter((term) => term.startsWith(typed));
      }) });
  }

  // The server declares the project's prefixes for every query. The editor knows them too, so
  // that its syntax check accepts them and completion and YASR's display use them without
  // PREFIX lines: a mode that is YASQE's SPARQL mode started with those prefixes declared.
  Yasqe.defineMode("sparql11-project", (config) => {
    const base = Yasqe.getMode(config, "sparql11");
    return { ...base, startState: (...args) => {
      const state = base.startState(...args);
      state.prefixes = { ...prefixes, ...state.prefixes };
      return state;
    } };
  });

  let yasqe = null;
  let yasr = null;

  function createViews() {
    yasqe = new Yasqe($("editor"), {
      mode: "sparql11-project",
      value: DEFAULT_QUERY,
      persistenceId: null,
      showQueryButton: false,
      createShareableLink: null,
      consumeShareLink: null,
      prefixCcApi: null,
      resizeable: true,
      editorHeight: "18rem",
      requestConfig: { endpoint: "/sparql", method: "POST" },
    });
    const ownPrefixes = yasqe.getPrefixesFromQuery.bind(yasqe);
    yasqe.getPrefixesFromQuery = () => ({ ...prefixes, ...ownPrefixes() });
    const keys = { ...(yasqe.getOption("extraKeys") || {}) };
    keys["Ctrl-Enter"] = keys["Cmd-Enter"] = () => { run(); };
    yasqe.setOption("extraKeys", keys);
    yasqe.on("change", syncEdited);

    yasr = new Yasr(results, {
      persistenceId: null,
      prefixes: () => prefixes,
      pluginOrder: ["table", "pivot", "chart", "response"],
      defaultPlugin: "table",
    });
    // values without quotes and tags, and whole (not cut to the column width)
    yasr.plugins.table.persistentConfig = { compact: true, isEllipsed: false };
    new MutationObserver(() => linkEntities(results)).observe(results,
      { childList: true, subtree: true });
    window.queryPage = { yasqe, yasr, terms };
  }

  // YASR links IRIs to themselves; an entity of this graph links to its page here instead.
  function linkEntities(root) {
    for (const link of root.querySelectorAll(`a[href^="${ENTITY_NS}"]`)) {
      const local = link.getAttribute("href").slice(ENTITY_NS.length);
      link.setAttribute("title", link.getAttribute("href"));
      link.setAttribute("href", `/entity/${local.split("/").map(encodeURIComponent).join("/")}`);
      link.removeAttribute("target");
    }
  }

  async function start() {
    const list = $("catalogue");
    const [queries, known] = await Promise.allSettled([fetchJson("/queries"),
      fetchJson("/prefixes")]);
    if (known.status === "fulfilled") {
      prefixes = known.value;
      $("prefix-list").textContent = Object.keys(prefixes).map((p) => `${p}:`).join(", ");
    }
    createViews();
    const failed = [queries, known].find((answer) => answer.status === "rejected");
    if (failed) {
      showError(String(failed.reason.message || failed.reason));
    }
    if (queries.status === "rejected") {
      list.replaceChildren(el("li", { class: "muted" }, "the catalogue could not be loaded"));
      return;
    }
    list.replaceChildren();
    for (const query of queries.value) {
      const button = el("button", { type: "button", "data-query": query.name,
        "aria-pressed": "false", title: query.description },
      el("span", { class: "name" }, query.name), el("span", { class: "title" }, query.title));
      button.addEventListener("click", () => pick(query, button));
      list.append(el("li", {}, button));
    }
    document.body.dataset.ready = "true";
  }

  function pick(query, button) {
    for (const other of document.querySelectorAll("#catalogue button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    loaded = { name: query.name, text: query.text };
    yasqe.setValue(query.text);
    $("query-title").textContent = query.title;
    $("query-description").textContent = query.description;
    paramFields.replaceChildren();
    for (const param of query.parameters) {
      const id = `param-${param.name}`;
      paramFields.append(
        el("label", { for: id }, `${param.name} (${param.type})`),
        el("input", { id, name: param.name, type: "text", value: param.default || "",
          placeholder: param.default ? param.default : "required",
          title: param.description, required: param.default ? null : "" }));
    }
    paramsBox.hidden = query.parameters.length === 0;
    syncEdited();
    yasqe.focus();
    yasqe.setCursor({ line: 0, ch: 0 });
  }

  function syncEdited() {
    const edited = loaded !== null && yasqe.getValue() !== loaded.text;
    paramsNote.hidden = !edited;
    for (const input of paramFields.querySelectorAll("input")) input.disabled = edited;
  }

  function buildRequest() {
    const text = yasqe.getValue();
    if (loaded !== null && text === loaded.text) {
      const params = new URLSearchParams();
      for (const input of paramFields.querySelectorAll("input")) {
        if (input.value.trim() !== "") params.append(input.name, input.value.trim());
      }
      const query = params.toString();
      return { url: `/queries/${encodeURIComponent(loaded.name)}${query ? `?${query}` : ""}`,
        init: { method: "GET", headers: {} }, name: loaded.name };
    }
    return { url: "/sparql", name: "query", init: { method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: text }).toString() } };
  }

  function send(request, accept) {
    return fetch(request.url, { ...request.init,
      headers: { ...request.init.headers, Accept: accept } });
  }

  async function run() {
    clearError();
    const request = buildRequest();
    statusLine.textContent = "running…";
    $("run").disabled = true;
    const started = performance.now();
    try {
      const response = await send(request, RESULTS_ACCEPT);
      const text = await response.text();
      const elapsed = Math.round(performance.now() - started);
      if (!response.ok) {
        results.hidden = true;
        downloads.forEach((b) => { b.disabled = true; });
        statusLine.textContent = "";
        showError(`${response.status} ${response.statusText}: ${text}`);
        return;
      }
      const type = (response.headers.get("Content-Type") || "").split(";")[0];
      let summary = "graph";
      if (type.includes("json")) {
        const data = JSON.parse(text);
        if ("boolean" in data) {
          summary = "answered";
        } else {
          const count = data.results.bindings.length;
          summary = `${count} row${count === 1 ? "" : "s"}`;
        }
      }
      results.hidden = false;
      yasr.setResponse({ data: text, contentType: type, status: response.status,
        executionTime: elapsed });
      lastRequest = request;
      downloads.forEach((b) => { b.disabled = false; });
      statusLine.textContent = `${summary} in ${elapsed} ms`;
    } catch (error) {
      statusLine.textContent = "";
      showError(`the request failed: ${error.message || error}`);
    } finally {
      $("run").disabled = false;
    }
  }

  // A cell a spreadsheet would run as a formula (OWASP, "CSV Injection") gets an apostrophe.
  const FORMULA_LEADERS = ["=", "+", "-", "@", "\t", "\r"];

  function cellText(term) {
    if (term === undefined) return "";
    if (term.type === "bnode") return `_:${term.value}`;
    if (term.type === "triple") {
      const t = term.value;
      return `${cellText(t.subject)} ${cellText(t.predicate)} ${cellText(t.object)}`;
    }
    return term.value;
  }

  function csvField(text) {
    const safe = FORMULA_LEADERS.some((c) => text.startsWith(c)) ? `'${text}` : text;
    return `"${safe.replaceAll('"', '""')}"`;
  }

  // CSV for spreadsheets, the bytes `caucasus-kg query --format csv-safe` prints: the cells of
  // the SPARQL CSV, every one quoted, formulas defused. (The server's text/csv is the W3C
  // format, exact for programs, and would let a spreadsheet run a cell such as =HYPERLINK(...).)
  function spreadsheetCsv(data) {
    const vars = data.head.vars || [];
    const lines = [vars.map(csvField).join(",")];
    for (const row of data.results.bindings) {
      lines.push(vars.map((v) => csvField(cellText(row[v]))).join(","));
    }
    return lines.map((line) => `${line}\r\n`).join("");
  }

  async function download(kind) {
    if (lastRequest === null) return;
    clearError();
    const accept = kind === "csv" ? "application/sparql-results+json"
      : "application/sparql-results+json, application/ld+json;q=0.9";
    const response = await send(lastRequest, accept);
    if (!response.ok) {
      showError(`${response.status} ${response.statusText}: ${await response.text()}`);
      return;
    }
    let blob;
    if (kind === "csv") {
      const data = await response.json();
      if (!data.results) {
        showError("CSV is for the rows of a SELECT query; download this answer as JSON");
        return;
      }
      blob = new Blob([spreadsheetCsv(data)], { type: "text/csv;charset=utf-8" });
    } else {
      blob = await response.blob();
    }
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `${lastRequest.name}.${kind}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  $("query-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  $("download-csv").addEventListener("click", () => download("csv"));
  $("download-json").addEventListener("click", () => download("json"));
  start();
})();
