"""Draw the package layers of caucasus_kg from its imports: docs/images/architecture.dot (and .svg).

Each layer is a box listing its modules, in the order of the import-linter layers contract in
pyproject.toml (top may import lower only); an arrow says how many module imports go from one
layer to another. Run `make architecture` after moving code; tests/test_architecture.py checks
that the committed .dot file is what this script draws from the code.

    python scripts/architecture_diagram.py [--check]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "architecture"
PACKAGE = "caucasus_kg"

ROLES = {
    "cli": "the caucasus-kg command: one module per command",
    "server": "the read-only SPARQL endpoint and its query workers",
    "api": "the Python API: open, query, explain, validate, add",
    "ops": "what changes or opens a project: build, add, import",
    "read": "questions, explanations, networks and exports",
    "checks": "contradictions and SHACL on what is loaded",
    "draft": "proposing a fact file from a new article",
    "store": "the embedded store, a SPARQL server, transactions",
    "sources": "readers: fact files, RDF files, dataset importers",
    "model": "IRIs, dates, the ontology, RDF terms",
    "core": "project paths, diagnostics, SPARQL text",
}


def layers() -> list[list[str]]:
    """The layers contract, top first; a layer may hold independent siblings ("a | b")."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            return [[name.strip().split(".")[-1] for name in layer.split("|")]
                    for layer in contract["layers"]]
    raise SystemExit("pyproject.toml has no layers contract")


def draw() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    order = layers()
    packages = [p for layer in order for p in layer]
    modules: dict[str, list[str]] = {p: [] for p in packages}
    for module in sorted(graph.modules):
        parts = module.split(".")
        if len(parts) >= 3 and parts[1] in modules and parts[-1] != "__main__":
            modules[parts[1]].append(".".join(parts[2:]))
    edges: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        source = module.split(".")[1] if module.count(".") else None
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")[1] if imported.count(".") else None
            if source in modules and target in modules and source != target:
                edges[(source, target)] += 1
    lines = ["digraph caucasus_kg {",
             '  graph [rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica", '
             'label="caucasus_kg: layers (top may import lower only) and module imports '
             'between them", labelloc=t, fontsize=16];',
             '  node [shape=plain, fontname="Helvetica", fontsize=11];',
             '  edge [color="#7a869a", fontname="Helvetica", fontsize=9, arrowsize=0.6];']
    for layer in order:
        lines.append("  { rank=same; " + " ".join(layer) + " }")
    for package in packages:
        rows = "".join(f'<tr><td align="left">{m}</td></tr>' for m in modules[package])
        lines.append(
            f'  {package} [label=<<table border="1" cellborder="0" cellspacing="0" '
            f'cellpadding="3" bgcolor="#f4f6fa"><tr><td bgcolor="#dfe5ef"><b>{package}/</b>'
            f'</td></tr><tr><td><i>{ROLES.get(package, "")}</i></td></tr>{rows}</table>>];')
    for upper, lower in zip(order, order[1:], strict=False):  # keep the layers in order
        lines.append(f"  {upper[0]} -> {lower[0]} [style=invis, weight=10];")
    for (source, target), count in sorted(edges.items()):
        lines.append(f'  {source} -> {target} [label="{count}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed .dot file differs from the code's")
    args = parser.parse_args()
    text = draw()
    dot_file = OUT.with_suffix(".dot")
    if args.check:
        if not dot_file.exists() or dot_file.read_text("utf-8") != text:
            print(f"{dot_file.relative_to(ROOT)} is out of date: run `make architecture`",
                  file=sys.stderr)
            return 1
        return 0
    dot_file.parent.mkdir(parents=True, exist_ok=True)
    dot_file.write_text(text, "utf-8")
    try:
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"wrote {dot_file.relative_to(ROOT)}; no SVG: Graphviz `dot` failed ({exc})",
              file=sys.stderr)
        return 1
    OUT.with_suffix(".svg").write_text(svg, "utf-8")
    print(f"wrote {dot_file.relative_to(ROOT)} and {OUT.with_suffix('.svg').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
