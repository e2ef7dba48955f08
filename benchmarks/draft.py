"""How close `caucasus-kg draft` comes to a curator: the draft of an article against its curated
fact file.

Two texts: the founding Armenpress article (curated in graphs/armenpress-azerbaijan-arms-imports.yaml)
and a constructed official-statement style note (benchmarks/draft/constructed-statement.txt, a
made-up example, curated by hand in benchmarks/draft/constructed-statement.yaml) that shows the cues
carry over to another kind of document. Each is drafted, as `caucasus-kg draft --format json`
in its own process, against a graph that knows the entities the curated file refers to (actors,
places, legal instruments) but none of its events, rankings or claims, and compared with the
curation:

- quotes: the share of curated quotes (of events, rankings and claims) whose sentence the draft
  proposes an entry for;
- claimant, stance: the share of curated claims whose matching drafted claim has the same
  claimant, the same stance (drafted and curated entries are paired one to one, greatest overlap
  of their quotes first);
- entity references: the share of the curated entries' references to entities (actor, treaty,
  claimant, about, ...) that the paired drafted entry makes too, under any key;
- dates: the share of curated event and ranking dates (date, year) the paired entry gives with
  the same value and precision;
- wall time and peak memory of the `draft` command (median of --runs).

A last row drafts the founding article against the whole shipped graph, where it is already
curated: the share of its curated facts and claims the draft recognises as already in the graph
(with the right id). Goals (issue 16): quotes >= 90%, claimant >= 80%, stance >= 70%, entities
>= 90%, dates >= 80%, under 5 s.

    python benchmarks/draft.py [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from caucasus_kg.draft.text import sentences  # noqa: E402

FOUNDING = ROOT / "graphs" / "armenpress-azerbaijan-arms-imports.yaml"
FOUNDING_TEXT = ROOT / "graphs" / "sources" / "armenpress-azerbaijan-arms-imports.txt"
HERE = ROOT / "benchmarks" / "draft"
STATEMENT_TEXT = HERE / "constructed-statement.txt"
STATEMENT = HERE / "constructed-statement.yaml"
STATEMENT_KNOWN = HERE / "statement-known.yaml"

FACT_SECTIONS = ("events", "indicators")
REFERENCE_KEYS = ("actor", "participant", "treaty", "instrument", "exercises", "recipient",
                  "supplier", "location", "ranked_entity", "ranked_by", "claimant", "about",
                  "addressee")
DATE_KEYS = ("date", "announced_date", "effective_date", "start_date", "end_date", "year")
GOALS = {"quotes": 0.90, "claimant": 0.80, "stance": 0.70, "entities": 0.90, "dates": 0.80}


def project(folder: Path, known_files: list[Path], strip: bool) -> Path:
    """A project with the ontology and the founding article's file (its events, rankings and
    claims left out when ``strip``), plus ``known_files``; its store built."""
    for name in ("ontology", "queries"):
        shutil.copytree(ROOT / name, folder / name)
    graphs = folder / "graphs"
    (graphs / "sources").mkdir(parents=True)
    shutil.copyfile(FOUNDING_TEXT, graphs / "sources" / FOUNDING_TEXT.name)
    text = FOUNDING.read_text("utf-8")
    if strip:
        text = text[:text.index("\nevents:")] + "\n"
    (graphs / FOUNDING.name).write_text(text, "utf-8")
    for extra in known_files:
        shutil.copyfile(extra, graphs / extra.name)
    done = subprocess.run([sys.executable, "-m", "caucasus_kg.cli", "--project", str(folder),
                           "build"], capture_output=True, text=True, env=_env())
    if done.returncode:
        raise SystemExit(f"building the benchmark graph failed:\n{done.stdout}{done.stderr}")
    return folder


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                              else "")
    return env


def run_draft(folder: Path, article: Path, publisher: str, published: str | None, runs: int
              ) -> tuple[dict, list[float], int]:
    times, peaks, report = [], [], None
    out = folder / "drafts" / "draft.yaml"
    for _ in range(runs):
        args = [sys.executable, "-c", _MEASURED, "--project", str(folder), "draft",
                str(article), "--publisher", publisher, "-o", str(out), "--force",
                "--format", "json"]
        if published:
            args += ["--published", published]
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=_env())
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"draft failed:\n{done.stderr}")
        report = json.loads(done.stdout)
        peaks.append(int(done.stderr.rsplit("peak-rss-kb ", 1)[1].split()[0]) // 1024)
    return report, times, max(peaks)


_MEASURED = """
import atexit, resource, sys, runpy
atexit.register(lambda: sys.stderr.write(
    "peak-rss-kb %d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.argv = ["caucasus-kg", *sys.argv[1:]]
runpy.run_module("caucasus_kg.cli", run_name="__main__")
"""
"""The command, run so that it reports its own peak memory (ru_maxrss) as it exits."""


def _spans(text: str, quote: str) -> tuple[int, int]:
    start = text.find(quote)
    if start < 0:
        raise SystemExit(f"a curated quote is not in its text: {quote!r}")
    return start, start + len(quote)


def _jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def _refs(entry: dict, entity_ids: set[str]) -> set[tuple[str, str]]:
    out = set()
    for key in REFERENCE_KEYS:
        value = entry.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item in entity_ids:
                out.add((key, item))
    return out


def compare(curated_file: Path, text: str, report: dict, entity_ids: set[str]) -> dict:
    curated = yaml.safe_load(curated_file.read_text("utf-8"))
    cut = sentences(text)

    def sentence_of(pos: int) -> int:
        return next(s.index for s in cut if s.start <= pos < s.end)

    drafted = [e for e in report["entries"] if e["section"] in (*FACT_SECTIONS, "claims")]
    drafted_sentences = {sentence_of(e["start"]) for e in drafted}
    wanted = []
    for section in (*FACT_SECTIONS, "claims"):
        for entry in curated.get(section) or []:
            quotes = [_spans(text, ev["quote"]) for ev in entry.get("evidence", [])
                      if "quote" in ev]
            wanted.append((section, entry, quotes))
    quotes = [q for _s, _e, qs in wanted for q in qs]
    quote_hits = sum(sentence_of(q[0]) in drafted_sentences for q in quotes)
    pairs = []
    for w, (section, _entry, qs) in enumerate(wanted):
        for d, entry in enumerate(drafted):
            same_kind = (section == "claims") == (entry["section"] == "claims")
            score = max((_jaccard(q, (entry["start"], entry["end"])) for q in qs), default=0)
            if same_kind and score > 0:
                pairs.append((score, w, d))
    matched: dict[int, dict] = {}
    used: set[int] = set()
    for _score, w, d in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if w not in matched and d not in used:
            matched[w] = drafted[d]
            used.add(d)
    misses: list[str] = [f"quote's sentence not proposed: {text[q[0]:q[1]][:60]!r}"
                         for q in quotes if sentence_of(q[0]) not in drafted_sentences]
    claims = [(w, e) for w, (s, e, _q) in enumerate(wanted) if s == "claims"]
    for w, e in claims:
        got = matched.get(w, {})
        for key in ("claimant", "stance"):
            if got.get(key) != e.get(key):
                misses.append(f"{key} of {e['id']}: drafted {got.get(key)!r}")
    claimant = sum(matched.get(w, {}).get("claimant") == e.get("claimant") for w, e in claims)
    stance = sum(matched.get(w, {}).get("stance") == e.get("stance") for w, e in claims)
    ref_total = ref_hits = 0
    date_total = date_hits = 0
    for w, (section, entry, _q) in enumerate(wanted):
        got = matched.get(w)
        props = got["properties"] if got else {}
        drafted_ids = {i for v in props.values() for i in (v if isinstance(v, list) else [v])
                       if isinstance(i, str)}
        for key, value in sorted(_refs(entry, entity_ids)):
            ref_total += 1
            ref_hits += value in drafted_ids
            if value not in drafted_ids:
                misses.append(f"reference {key}: {value} of {entry['id']} not drafted")
        if section in FACT_SECTIONS:
            for key in DATE_KEYS:
                if key in entry:
                    date_total += 1
                    date_hits += str(props.get(key)) == str(entry[key])
    return {
        "quotes": (quote_hits, len(quotes)),
        "claimant": (claimant, len(claims)),
        "stance": (stance, len(claims)),
        "entities": (ref_hits, ref_total),
        "dates": (date_hits, date_total),
        "drafted": len(drafted),
        "paired": len(matched),
        "misses": misses,
    }


def recognised(report: dict, text: str) -> tuple[int, int]:
    """Curated facts and claims of the founding article that the draft against the full graph
    marks as already in the graph, with the right id."""
    curated = yaml.safe_load(FOUNDING.read_text("utf-8"))
    ids = {e["id"] for s in (*FACT_SECTIONS, "claims") for e in curated.get(s) or []}
    found = {e["already_in_graph"] for e in report["entries"] if e["already_in_graph"]}
    return len(ids & found), len(ids)


def _share(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{hits / total:.0%} ({hits}/{total})" if total else "n/a"


def entity_ids_of(*files: Path) -> set[str]:
    out = set()
    for path in files:
        data = yaml.safe_load(path.read_text("utf-8"))
        for section in ("actors", "places", "instruments"):
            out |= {e["id"] for e in data.get(section) or []}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="draft runs per text (median time)")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--misses", action="store_true", help="list what each draft missed")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        known = project(base / "founding", [], strip=True)
        report, times, peak = run_draft(known, FOUNDING_TEXT, "armenpress", None, args.runs)
        ids = entity_ids_of(FOUNDING)
        results["founding article"] = {**compare(FOUNDING, FOUNDING_TEXT.read_text("utf-8"),
                                                 report, ids),
                                       "seconds": statistics.median(times), "peak_mb": peak}
        known = project(base / "statement", [STATEMENT_KNOWN], strip=True)
        report, times, peak = run_draft(known, STATEMENT_TEXT, "armenia-ministry-of-foreign-affairs",
                                        "2024-03-14", args.runs)
        ids = entity_ids_of(FOUNDING, STATEMENT_KNOWN, STATEMENT)
        results["constructed statement"] = {**compare(STATEMENT, STATEMENT_TEXT.read_text("utf-8"),
                                                      report, ids),
                                            "seconds": statistics.median(times), "peak_mb": peak}
        full = project(base / "full", [], strip=False)
        report, times, _peak = run_draft(full, FOUNDING_TEXT, "armenpress", None, 1)
        results["already in the graph"] = {"recognised": recognised(
            report, FOUNDING_TEXT.read_text("utf-8"))}
    print("| text | quotes' sentences | claimant | stance | entity references | dates | "
          "drafted (paired) | wall time | peak memory |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("founding article", "constructed statement"):
        r = results[name]
        print(f"| {name} | {_share(r['quotes'])} | {_share(r['claimant'])} | "
              f"{_share(r['stance'])} | {_share(r['entities'])} | {_share(r['dates'])} | "
              f"{r['drafted']} ({r['paired']}) | {r['seconds']:.2f} s | {r['peak_mb']} MB |")
    print("| goal | 90% | 80% | 70% | 90% | 80% | | < 5 s | |")
    print()
    print("Founding article drafted against the whole shipped graph: "
          f"{_share(results['already in the graph']['recognised'])} of its curated facts and "
          "claims recognised as already in the graph.")
    if args.misses:
        for name in ("founding article", "constructed statement"):
            print(f"\nMissed in the {name}:")
            for miss in results[name]["misses"]:
                print(f"- {miss}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")


if __name__ == "__main__":
    main()
