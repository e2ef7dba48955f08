"""Benchmark: adding a ~1,000-triple fact file to a large graph, against a full re-validation.

    python benchmarks/add_incremental.py                     # 1M triples (several minutes)
    python benchmarks/add_incremental.py --triples 100000    # quicker

The graph is the shipped project plus a synthetic scale-up written as N-Triples under graphs/:
arms transfers between real and synthetic states, each with a source document sentence, a
verbatim-quote evidence node and its Web Annotation selectors, the same shape as curated facts.
The store is written directly (the setup is not what is measured). Then, each in its own process:

- ``validate``: full load and SHACL validation of the whole graph, what a re-validation costs;
- ``add --dry-run``: the incremental check of the new file (load against the store, contradiction
  checks and SHACL on the new and touched nodes only);
- ``add``: the same plus the atomic merge into graphs/ and the store.

Prints wall time and peak memory of each, and the ratio full / incremental.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from caucasus_kg.core.project import find_project  # noqa: E402
from caucasus_kg.sources.dataset import load_dataset  # noqa: E402
from caucasus_kg.sources.fingerprint import input_fingerprint, remember_file_digests  # noqa: E402
from caucasus_kg.store.embedded import write_store  # noqa: E402

CKG = "https://w3id.org/caucasus-kg/ontology#"
ID = "https://w3id.org/caucasus-kg/id/"
SRC = "https://w3id.org/caucasus-kg/source/"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
CATEGORIES = ["aircraft", "armoured-vehicles", "artillery", "missiles", "air-defence-systems",
              "drones", "ships", "sensors"]
REAL = ["russia", "israel", "turkiye", "united-states", "armenia", "azerbaijan"]
TRIPLES_PER_FACT = 28
SENTENCES_PER_DOC = 100


def lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{XSD}{datatype}>'
    return f'"{escaped}"'


def synthetic_graph(path: Path, triples: int) -> int:
    """Write about ``triples`` triples of synthetic, valid facts as N-Triples; returns facts."""
    facts = max(1, triples // TRIPLES_PER_FACT)
    states = [f"synthetic-state-{i}" for i in range(50)]
    with open(path, "w", encoding="utf-8") as out:
        def t(s: str, p: str, o: str) -> None:
            out.write(f"<{s}> <{p}> {o} .\n")

        for state in states:
            t(ID + state, RDF_TYPE, f"<{CKG}State>")
            t(ID + state, LABEL, lit(state.replace("-", " ").title(), lang="en"))
        for doc_no in range((facts + SENTENCES_PER_DOC - 1) // SENTENCES_PER_DOC):
            first = doc_no * SENTENCES_PER_DOC
            sentences = [_sentence(i, states) for i in range(first, min(facts, first +
                                                                        SENTENCES_PER_DOC))]
            text = " ".join(s for s, *_ in sentences)
            doc = f"{SRC}synthetic-{doc_no}"
            t(doc, RDF_TYPE, f"<{CKG}SourceDocument>")
            t(doc, "http://purl.org/dc/terms/title", lit(f"Synthetic report {doc_no}", lang="en"))
            t(doc, "http://purl.org/dc/terms/publisher", f"<{ID}armenpress>")
            t(doc, CKG + "text", lit(text))
            t(doc, CKG + "sourceFile", lit("synthetic.nt"))
            offset = 0
            for sentence, fact_no, supplier, recipient, year, category in sentences:
                node = f"{ID}synthetic-transfer-{fact_no}"
                ev = f"{node}/evidence/1"
                start, end = offset, offset + len(sentence)
                offset = end + 1
                t(node, RDF_TYPE, f"<{CKG}ArmsTransfer>")
                t(node, LABEL, lit(f"Synthetic transfer {fact_no}", lang="en"))
                t(node, CKG + "supplier", f"<{ID}{supplier}>")
                t(node, CKG + "recipient", f"<{ID}{recipient}>")
                t(node, CKG + "year", lit(str(year), "gYear"))
                t(node, CKG + "weaponCategory",
                  f"<https://w3id.org/caucasus-kg/vocab/weapon-category/{category}>")
                t(node, CKG + "sourceFile", lit("synthetic.nt"))
                t(node, CKG + "hasEvidence", f"<{ev}>")
                t(node, PROV + "wasDerivedFrom", f"<{doc}>")
                t(ev, RDF_TYPE, f"<{CKG}Evidence>")
                t(ev, RDF_TYPE, f"<{OA}Annotation>")
                t(ev, OA + "motivatedBy", f"<{OA}describing>")
                t(ev, OA + "hasBody", f"<{node}>")
                t(ev, CKG + "supports", f"<{node}>")
                t(ev, OA + "hasTarget", f"<{ev}/target>")
                t(ev, PROV + "wasAttributedTo", f"<{ID}armenpress>")
                t(f"{ev}/target", RDF_TYPE, f"<{OA}SpecificResource>")
                t(f"{ev}/target", OA + "hasSource", f"<{doc}>")
                t(f"{ev}/target", OA + "hasSelector", f"<{ev}/quote>")
                t(f"{ev}/target", OA + "hasSelector", f"<{ev}/position>")
                t(f"{ev}/quote", RDF_TYPE, f"<{OA}TextQuoteSelector>")
                t(f"{ev}/quote", OA + "exact", lit(sentence))
                t(f"{ev}/quote", OA + "prefix", lit(text[max(0, start - 32):start]))
                t(f"{ev}/quote", OA + "suffix", lit(text[end:end + 32]))
                t(f"{ev}/position", RDF_TYPE, f"<{OA}TextPositionSelector>")
                t(f"{ev}/position", OA + "start", lit(str(start), "integer"))
                t(f"{ev}/position", OA + "end", lit(str(end), "integer"))
    return facts


def _sentence(i: int, states: list[str]) -> tuple[str, int, str, str, int, str]:
    supplier = REAL[i % 4] if i % 3 else states[i % len(states)]
    recipient = REAL[4 + i % 2] if i % 5 else states[(i * 7 + 1) % len(states)]
    if recipient == supplier:
        recipient = states[(i * 7 + 2) % len(states)]
    year = 1995 + i % 30
    category = CATEGORIES[i % len(CATEGORIES)]
    sentence = f"Transfer {i}: {supplier} supplied {category} to {recipient} in {year}."
    return sentence, i, supplier, recipient, year, category


def addition(folder: Path, target_triples: int = 1000) -> Path:
    """A fact file of about ``target_triples`` triples (arms transfers with evidence)."""
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    count = max(1, target_triples // 29)
    sentences = [f"Deal {i}: Israel supplied drones to Azerbaijan in {2000 + i % 24}."
                 for i in range(count)]
    (folder / "texts" / "new-deals.txt").write_text(" ".join(sentences) + "\n", "utf-8")
    lines = ["source:", "  id: benchmark-new-deals", "  title: Benchmark addition",
             "  text: texts/new-deals.txt", "  publisher: armenpress", "events:"]
    for i, sentence in enumerate(sentences):
        lines += [f"  - id: benchmark-deal-{i}", "    type: ArmsTransfer",
                  f"    label: Benchmark deal {i}", "    supplier: israel",
                  "    recipient: azerbaijan", f"    year: {2000 + i % 24}",
                  "    weapon_category: drones", "    evidence:",
                  f"      - quote: \"{sentence}\"", "        attributed_to: armenpress"]
    path = folder / "new-deals.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def run(args: list[str], timeout: float) -> tuple[float, float, int | None]:
    """Run the CLI in its own process: (seconds, peak RSS in MB, exit code or None)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "caucasus_kg.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return (time.perf_counter() - start, usage.ru_maxrss / 1024,
                    os.waitstatus_to_exitcode(status))
        if time.perf_counter() > deadline:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            return time.perf_counter() - start, usage.ru_maxrss / 1024, None
        time.sleep(0.05)


def setup(root: Path, triples: int) -> None:
    """Copy the project to ``root``, add the synthetic graph and write the store directly."""
    t0 = time.perf_counter()
    for folder in ("ontology", "graphs", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    facts = synthetic_graph(root / "graphs" / "synthetic.nt", triples)
    project = find_project(root, root / ".caucasus-kg" / "store")
    dataset = load_dataset(project)
    errors = dataset.diagnostics.errors
    if errors:
        raise SystemExit("\n".join(d.render() for d in errors[:5]))
    info = write_store(project.store_path, dataset.all_graphs(), input_fingerprint(project))
    remember_file_digests(project)  # as `build` does after writing the store
    print(f"graph: {info.triples:,} triples ({facts:,} synthetic facts); "
          f"setup {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--full-timeout", type=float, default=1800,
                        help="give up on the full validation after this many seconds")
    parser.add_argument("--skip-full", action="store_true",
                        help="measure only the incremental add (the full run takes long)")
    parser.add_argument("--setup", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.setup:
        setup(options.setup, options.triples)
        return

    work = Path(tempfile.mkdtemp(prefix="ckg-bench-"))
    try:
        root = work / "project"
        # The setup runs in its own process: a child forked from a parent holding the whole
        # dataset in memory would report that memory as its own peak.
        subprocess.run([sys.executable, __file__, "--setup", str(root), "--triples",
                        str(options.triples)], check=True)
        new = addition(work / "incoming")
        base = ["--project", str(root)]
        dry = run([*base, "add", str(new), "--dry-run"], 600)
        full = (0.0, 0.0, None) if options.skip_full else \
            run([*base, "validate"], options.full_timeout)
        real = run([*base, "add", str(new)], 600)
        rows = [("full re-validation (validate)", full), ("incremental check (add --dry-run)", dry),
                ("incremental add and merge (add)", real)]
        print(f"{'step':38} {'seconds':>9} {'peak MB':>9} {'exit':>5}")
        if options.skip_full:
            rows = rows[1:]
        for name, (seconds, rss, code) in rows:
            shown = f"{seconds:9.2f}" if code is not None else f">{options.full_timeout:8.0f}"
            print(f"{name:38} {shown} {rss:9.0f} {code if code is not None else 'n/a':>5}")
        if not options.skip_full:
            prefix = ">" if full[2] is None else ""
            print(f"ratio full / incremental check: {prefix}{full[0] / dry[0]:.0f}x")
        print(f"target, incremental add under 2 s: {'met' if real[0] < 2 else 'not met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
