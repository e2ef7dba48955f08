// The query page: catalogue, editor, parameters, results table, downloads.
// Plain browser JavaScript, no dependencies, nothing loaded from elsewhere. Every value from the
// server is inserted as text (never as HTML).
"use strict";

(() => {
  const ENTITY_NS = "https://w3id.org/caucasus-kg/id/";
  const RESULTS_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const $ = (id) => document.getElementById(id);
  const editor = $("editor");
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

  function compact(iri) {
    let best = "";
    let chosen = null;
    for (const [prefix, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && ns.length > best.length) {
        best = ns;
        chosen = prefix;
      }
    }
    return chosen === null ? iri : `${chosen}:${iri.slice(best.length)}`;
  }

  async function loadCatalogue() {
    const list = $("catalogue");
    try {
      const [queries, known] = await Promise.all([fetchJson("/queries"), fetchJson("/prefixes")]);
      prefixes = known;
      list.replaceChildren();
      for (const query of queries) {
        const button = el("button", { type: "button", "data-query": query.name,
          "aria-pressed": "false", title: query.description },
        el("span", { class: "name" }, query.name), el("span", { class: "title" }, query.title));
        button.addEventListener("click", () => pick(query, button));
        list.append(el("li", {}, button));
      }
    } catch (error) {
      list.replaceChildren(el("li", { class: "muted" }, "the catalogue could not be loaded"));
      showError(String(error.message || error));
    }
  }

  function pick(query, button) {
    for (const other of document.querySelectorAll("#catalogue button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    editor.value = query.text;
    loaded = { name: query.name, text: query.text };
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
    editor.focus();
    editor.setSelectionRange(0, 0);
    editor.scrollTop = 0;
  }

  function syncEdited() {
    const edited = loaded !== null && editor.value !== loaded.text;
    paramsNote.hidden = !edited;
    for (const input of paramFields.querySelectorAll("input")) input.disabled = edited;
  }

  function buildRequest() {
    if (loaded !== null && editor.value === loaded.text) {
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
      body: new URLSearchParams({ query: editor.value }).toString() } };
  }

  function send(request, accept) {
    return fetch(request.url, { ...request.init,
      headers: { ...request.init.headers, Accept: accept } });
  }

  function termCell(term) {
    if (term === undefined) return el("td", { class: "unbound" });
    if (term.type === "uri") {
      if (term.value.startsWith(ENTITY_NS)) {
        const local = term.value.slice(ENTITY_NS.length);
        const href = `/entity/${local.split("/").map(encodeURIComponent).join("/")}`;
        return el("td", {}, el("a", { href, title: term.value }, `id:${local}`));
      }
      return el("td", { title: term.value }, compact(term.value));
    }
    if (term.type === "literal") {
      const note = term["xml:lang"] ? `@${term["xml:lang"]}`
        : term.datatype ? compact(term.datatype) : null;
      return el("td", { title: note, class: term.value.length <= 24 ? "short" : null },
        term.value);
    }
    if (term.type === "bnode") return el("td", {}, `_:${term.value}`);
    return el("td", {}, JSON.stringify(term.value));
  }

  function renderTable(data) {
    const vars = data.head.vars || [];
    const rows = data.results.bindings;
    const head = el("tr", {}, ...vars.map((v) => el("th", { scope: "col" }, v)));
    const body = el("tbody", {}, ...rows.map((row) => el("tr", {}, ...vars.map((v) => termCell(row[v])))));
    results.replaceChildren(el("table", {}, el("thead", {}, head), body));
    return rows.length;
  }

  async function run() {
    clearError();
    const request = buildRequest();
    statusLine.textContent = "running…";
    $("run").disabled = true;
    const started = performance.now();
    try {
      const response = await send(request, RESULTS_ACCEPT);
      const elapsed = Math.round(performance.now() - started);
      if (!response.ok) {
        results.replaceChildren();
        downloads.forEach((b) => { b.disabled = true; });
        statusLine.textContent = "";
        showError(`${response.status} ${response.statusText}: ${await response.text()}`);
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      let summary;
      if (type.includes("json")) {
        const data = await response.json();
        if ("boolean" in data) {
          results.replaceChildren(el("p", { class: "boolean" }, `Answer: ${data.boolean}`));
          summary = "answered";
        } else {
          const count = renderTable(data);
          summary = `${count} row${count === 1 ? "" : "s"}`;
        }
      } else {
        results.replaceChildren(el("pre", {}, await response.text()));
        summary = "graph";
      }
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
  editor.addEventListener("input", syncEdited);
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  $("download-csv").addEventListener("click", () => download("csv"));
  $("download-json").addEventListener("click", () => download("json"));
  loadCatalogue();
})();
