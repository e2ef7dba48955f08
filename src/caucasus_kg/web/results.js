// Two result views for YASR, drawn here since the vendored YASGUI bundle has none that work
// offline: "Pivot" (counts or sums of a numeric column, by one or two columns) and "Chart" (a bar
// chart of a numeric column). Plain DOM and SVG; every value is inserted as text.
"use strict";

(() => {
  const { Yasr } = window.Yasgui;
  const SVG = "http://www.w3.org/2000/svg";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short",
    "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function table(yasr) {
    const parsed = yasr.results;
    if (!parsed || parsed.getType() !== "json" || parsed.getBoolean() !== undefined) return null;
    return { vars: parsed.getVariables(), rows: parsed.getBindings() };
  }

  function shown(yasr, term) {
    if (term === undefined) return "(none)";
    if (term.type === "uri") {
      const prefixes = yasr.getPrefixes();
      for (const [prefix, ns] of Object.entries(prefixes)) {
        if (term.value.startsWith(ns)) return `${prefix}:${term.value.slice(ns.length)}`;
      }
    }
    return term.value;
  }

  const isNumber = (term) => term !== undefined && term.type !== "uri"
    && NUMERIC.has(term.datatype) && Number.isFinite(Number(term.value));

  function numericVars(data) {
    return data.vars.filter((v) => data.rows.some((r) => r[v] !== undefined)
      && data.rows.every((r) => r[v] === undefined || isNumber(r[v])));
  }

  function select(label, options, chosen, onChange) {
    const box = el("select", { "aria-label": label });
    for (const [value, text] of options) {
      const option = el("option", { value }, text);
      if (value === chosen) option.selected = true;
      box.append(option);
    }
    box.addEventListener("change", () => onChange(box.value));
    return el("label", {}, `${label} `, box);
  }

  function icon(text) {
    return el("span", { class: "ckg-plugin-icon", "aria-hidden": "true" }, text);
  }

  class Pivot {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Pivot";
      this.priority = 4;
      this.choice = {};
    }

    canHandleResults() {
      const data = table(this.yasr);
      return data !== null && data.rows.length > 0;
    }

    getIcon() { return icon("⊞"); }

    draw() {
      const data = table(this.yasr);
      const numbers = numericVars(data);
      const others = data.vars.filter((v) => !numbers.includes(v));
      const rowsVar = data.vars.includes(this.choice.rows) ? this.choice.rows
        : (others[0] || data.vars[0]);
      const colsVar = this.choice.cols === "" || data.vars.includes(this.choice.cols)
        ? this.choice.cols : (others.find((v) => v !== rowsVar) || "");
      const valueVar = this.choice.value === "" || numbers.includes(this.choice.value)
        ? this.choice.value : "";
      const redraw = (key) => (value) => {
        this.choice = { rows: rowsVar, cols: colsVar, value: valueVar, [key]: value };
        this.yasr.resultsEl.replaceChildren();
        this.draw();
      };
      const controls = el("div", { class: "ckg-controls" },
        select("Rows", data.vars.map((v) => [v, v]), rowsVar, redraw("rows")),
        select("Columns", [["", "(none)"], ...data.vars.map((v) => [v, v])], colsVar,
          redraw("cols")),
        select("Value", [["", "count of rows"], ...numbers.map((v) => [v, `sum of ${v}`])],
          valueVar, redraw("value")));

      const cells = new Map();
      const rowKeys = [];
      const colKeys = [];
      for (const row of data.rows) {
        const r = shown(this.yasr, row[rowsVar]);
        const c = colsVar ? shown(this.yasr, row[colsVar]) : "";
        if (!rowKeys.includes(r)) rowKeys.push(r);
        if (!colKeys.includes(c)) colKeys.push(c);
        const add = valueVar ? (isNumber(row[valueVar]) ? Number(row[valueVar].value) : 0) : 1;
        cells.set(`${r}\u0000${c}`, (cells.get(`${r}\u0000${c}`) || 0) + add);
      }
      const collator = new Intl.Collator(undefined, { numeric: true });
      rowKeys.sort(collator.compare);
      colKeys.sort(collator.compare);
      const round = (n) => Math.round(n * 100) / 100;
      const head = el("tr", {}, el("th", { scope: "col" }, colsVar ? `${rowsVar} \\ ${colsVar}`
        : rowsVar), ...colKeys.map((c) => el("th", { scope: "col" }, colsVar ? c
          : (valueVar ? `sum of ${valueVar}` : "rows"))));
      const body = rowKeys.map((r) => el("tr", {}, el("th", { scope: "row" }, r),
        ...colKeys.map((c) => {
          const value = cells.get(`${r}\u0000${c}`);
          return el("td", { class: "number" }, value === undefined ? "" : String(round(value)));
        })));
      this.yasr.resultsEl.append(el("div", { class: "ckg-pivot" }, controls,
        el("table", {}, el("thead", {}, head), el("tbody", {}, ...body))));
    }
  }

  class Chart {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Chart";
      this.priority = 3;
      this.choice = {};
    }

    canHandleResults() {
      const data = table(this.yasr);
      return data !== null && data.rows.length > 0 && numericVars(data).length > 0;
    }

    getIcon() { return icon("▇"); }

    draw() {
      const data = table(this.yasr);
      const numbers = numericVars(data);
      const labelVar = data.vars.includes(this.choice.label) ? this.choice.label
        : (data.vars.find((v) => !numbers.includes(v)) || data.vars[0]);
      const valueVar = numbers.includes(this.choice.value) ? this.choice.value
        : (numbers.find((v) => v !== labelVar) || numbers[0]);
      const redraw = (key) => (value) => {
        this.choice = { label: labelVar, value: valueVar, [key]: value };
        this.yasr.resultsEl.replaceChildren();
        this.draw();
      };
      const controls = el("div", { class: "ckg-controls" },
        select("Bars", data.vars.map((v) => [v, v]), labelVar, redraw("label")),
        select("Length", numbers.map((v) => [v, v]), valueVar, redraw("value")));

      const bars = data.rows.map((row) => ({ label: shown(this.yasr, row[labelVar]),
        value: isNumber(row[valueVar]) ? Number(row[valueVar].value) : 0 }));
      const labelWidth = Math.min(260, 12 + 7 * Math.max(...bars.map((b) => b.label.length)));
      const barHeight = 20;
      const width = 760;
      const plot = width - labelWidth - 70;
      const top = Math.max(0, ...bars.map((b) => b.value));
      const bottom = Math.min(0, ...bars.map((b) => b.value));
      const scale = top === bottom ? 0 : plot / (top - bottom);
      const zero = labelWidth + (0 - bottom) * scale;
      const picture = svg("svg", { class: "ckg-chart", role: "img",
        viewBox: `0 0 ${width} ${bars.length * barHeight + 10}`, width,
        height: bars.length * barHeight + 10 });
      picture.append(svg("title", {}, `${valueVar} by ${labelVar}`));
      bars.forEach((bar, i) => {
        const y = 5 + i * barHeight;
        const x = bar.value >= 0 ? zero : zero + bar.value * scale;
        const name = bar.label.length > 36 ? `${bar.label.slice(0, 35)}…` : bar.label;
        const text = svg("text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" }, name);
        text.append(svg("title", {}, bar.label));
        picture.append(text,
          svg("rect", { x, y: y + 3, width: Math.max(1, Math.abs(bar.value) * scale),
            height: barHeight - 6, class: "bar" }),
          svg("text", { x: Math.max(x + Math.abs(bar.value) * scale, zero) + 4, y: y + 14,
            class: "value" }, String(Math.round(bar.value * 100) / 100)));
      });
      this.yasr.resultsEl.append(el("div", { class: "ckg-chart-box" }, controls, picture));
    }
  }

  Yasr.registerPlugin("pivot", Pivot);
  Yasr.registerPlugin("chart", Chart);
})();
