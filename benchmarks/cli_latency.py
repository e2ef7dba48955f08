"""Start-up benchmark: caucasus-kg commands as a user runs them (whole process), against a bare
Python process doing the least the same job needs, measured in pairs in the same run.

    .venv/bin/python benchmarks/cli_latency.py                        # article graph only
    .venv/bin/python benchmarks/cli_latency.py --sipri-project DIR    # and the catalogue at 1M
    .venv/bin/python benchmarks/cli_latency.py --build-sipri          # builds DIR in a temp folder

The comparisons (each side a whole process, Python start-up included, wall time):

- ``caucasus-kg --help`` and two usage errors (``caucasus-kg query`` without a query, and
  ``caucasus-kg build --no-such-option``, exit 2) against ``python -c 'import pyoxigraph'``;
  goal <= 2x;
- ``caucasus-kg query who-suspended-cfe`` on the article graph (the shipped project, built)
  against a bare Python process that opens the same store read-only with pyoxigraph, runs the
  same query text (parameters bound as the command binds them, the same prefixes, the union
  default graph) and prints every value of every row; goal <= 3x;
- with a SIPRI project (the shipped project plus ``caucasus-kg import sipri`` of the full trade
  register, 1.1M triples): the catalogue queries ``deliveries-per-year``, ``top-suppliers`` and
  ``arms-procurements`` against the same bare process on that store; goal <= 2x;
- and ``caucasus-kg add --dry-run`` of the documentation's example fact file
  (``docs/examples/cfe-2007-note.yaml``, 71 triples, two names to look up among the store's
  labels, a duplicate merged into a stored fact) on that store, against the same command on the
  article graph; goal: under 1 s (the ratio shows what the million triples cost).

The two sides of a pair run one after the other, the order alternating (ABBA...), so that noise
on the shared machine hits both. Prints min, median and max of each side and the ratio of the
medians (and of the minimums), with the row counts; a query that answers no rows is refused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SIPRI_CSV = Path("/work/shared/realdata/sipri_trade_register_1950_2024_colasdroin.csv")
CATALOGUE_AT_1M = ("deliveries-per-year", "top-suppliers", "arms-procurements")

RAW_QUERY = """
import sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
prefixes = dict(p.split("=", 1) for p in sys.argv[3:])
n = 0
for row in store.query(open(sys.argv[2], encoding="utf-8").read(), prefixes=prefixes,
                       use_default_graph_as_union=True):
    print("\\t".join("" if t is None else t.value for t in row))
    n += 1
print(f"({n} rows)")
"""
"""The bare process: open the store, run the query text, print every value of every row."""


@dataclass
class Case:
    """One comparison: a caucasus-kg command against a bare process, and the goal ratio."""

    label: str
    command: list[str]
    baseline: list[str]
    baseline_label: str
    goal: float
    code: int = 0
    rows: int | None = None
    seconds: float | None = None
    """A goal in seconds for the command's median instead of a ratio (``goal`` is then unused)."""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, exit code and stdout of one whole process."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - start, done.returncode, done.stdout


def measure(case: Case, runs: int, cwd: Path, env: dict[str, str]) -> tuple[list[float],
                                                                              list[float]]:
    """``runs`` paired runs of the command and its baseline, alternating which goes first, after
    one warm-up of each (which also checks both work)."""
    _, code, _ = run(case.command, cwd, env)
    if code != case.code:
        raise SystemExit(f"{case.label}: exit {code}, expected {case.code}")
    _, code, _ = run(case.baseline, cwd, env)
    if code != 0:
        raise SystemExit(f"{case.baseline_label}: exit {code}")
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(runs):
        order = [(case.command, ours), (case.baseline, theirs)]
        for command, times in order if i % 2 == 0 else reversed(order):
            times.append(run(command, cwd, env)[0])
    return ours, theirs


def bound_query(project: Path, name: str, out: Path) -> tuple[Path, int]:
    """The text ``caucasus-kg query NAME`` runs on ``project``'s store (parameters bound to their
    defaults as the command binds them), written to ``out``, and its row count."""
    sys.path.insert(0, str(SRC))
    import pyoxigraph as ox

    from caucasus_kg.core.project import find_project
    from caucasus_kg.core.sparql_text import substitute
    from caucasus_kg.read.queries import bind_parameters, find_query

    proj = find_project(project)
    store = ox.Store.read_only(str(proj.store_path))
    query = find_query(name, proj.queries_dir)
    bindings = bind_parameters(query, {}, store)
    text = substitute(query.text, {v.value: str(t) for v, t in bindings.items()})
    out.write_text(text, encoding="utf-8")
    rows = len(list(store.query(text, prefixes=_prefixes(), use_default_graph_as_union=True)))
    del store
    return out, rows


def _prefixes() -> dict[str, str]:
    sys.path.insert(0, str(SRC))
    from caucasus_kg.model.iris import PREFIXES

    return PREFIXES


def query_case(project: Path, name: str, work: Path, goal: float, graph: str) -> Case:
    text, rows = bound_query(project, name, work / f"{name}-{project.name}.rq")
    if rows == 0:
        raise SystemExit(f"{name} answers no rows on {graph}: no ratio is reported for it")
    store = find_store(project)
    prefixes = [f"{p}={iri}" for p, iri in sorted(_prefixes().items())]
    return Case(f"`query {name}`, {graph}", [str(cli()), "--project", str(project), "query", name],
                [sys.executable, "-c", RAW_QUERY, str(store), str(text), *prefixes],
                "bare process: pyoxigraph opens the store read-only, same query text", goal,
                rows=rows)


EXAMPLE_ADDITION = ROOT / "docs" / "examples" / "cfe-2007-note.yaml"


def add_case(sipri: Path, article: Path) -> Case:
    """``add --dry-run`` of the documentation's example file on the SIPRI store, against the same
    on the article graph (both check it and change nothing, so runs can repeat)."""
    def command(project: Path) -> list[str]:
        return [str(cli()), "--project", str(project), "add", "--dry-run", str(EXAMPLE_ADDITION)]

    return Case("`add --dry-run` of a 71-triple fact file, SIPRI store (1.1M triples)",
                command(sipri), command(article), "the same command on the article graph",
                goal=0, seconds=1.0)


def find_store(project: Path) -> Path:
    return project / ".caucasus-kg" / "store"


def cli() -> Path:
    return Path(sys.executable).with_name("caucasus-kg")


def built_article_project(work: Path, env: dict[str, str]) -> Path:
    """The shipped project (the curated files, as the tests copy them), built."""
    sys.path.insert(0, str(ROOT / "tests"))
    from project_files import copy_project

    root = copy_project(work / "article")
    done = subprocess.run([str(cli()), "--project", str(root), "build"], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"building the article graph failed:\n{done.stderr}")
    return root


def built_sipri_project(work: Path, env: dict[str, str], csv: Path) -> Path:
    """The article project plus the whole SIPRI trade register imported (1.1M triples)."""
    root = built_article_project(work / "sipri", env)
    print(f"importing {csv} (a minute or two) ...", file=sys.stderr)
    done = subprocess.run([str(cli()), "--project", str(root), "import", "sipri", str(csv)],
                          env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"importing SIPRI failed:\n{done.stderr}")
    return root


def row(case: Case, ours: list[float], theirs: list[float]) -> str:
    ratio = statistics.median(ours) / statistics.median(theirs)
    best = min(ours) / min(theirs)
    if case.seconds is not None:
        goal = f"< {case.seconds:g} s"
        median = statistics.median(ours)
        verdict = "PASS" if median < case.seconds else f"MISS by {median / case.seconds:.1f}x"
    else:
        goal = f"<= {case.goal:g}x"
        verdict = "PASS" if ratio <= case.goal else f"MISS by {ratio / case.goal:.1f}x"
    rows = "-" if case.rows is None else f"{case.rows:,}"
    return (f"| {case.label} | {rows} | {_span(ours)} | {case.baseline_label} | {_span(theirs)} | "
            f"{ratio:.2f}x ({best:.2f}x) | {goal} | {verdict} |")


def _span(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"{statistics.median(ms):,.0f} ({min(ms):,.0f}-{max(ms):,.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="paired runs per case (default 10)")
    parser.add_argument("--sipri-project", type=Path,
                        help="a project with the SIPRI register imported (1M triples)")
    parser.add_argument("--build-sipri", action="store_true",
                        help="build that project in the temporary folder first (minutes)")
    parser.add_argument("--sipri", type=Path, default=SIPRI_CSV, help="the SIPRI register CSV")
    opts = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("CAUCASUS_KG_PROJECT", None)
    env.pop("CAUCASUS_KG_STORE", None)
    work = Path(tempfile.mkdtemp(prefix="cli-latency-"))
    try:
        article = built_article_project(work, env)
        bare = [sys.executable, "-c", "import pyoxigraph"]
        cases = [
            Case("`--help`", [str(cli()), "--help"], bare, "`python -c 'import pyoxigraph'`", 2),
            Case("usage error (`query` without a query, exit 2)", [str(cli()), "query"], bare,
                 "`python -c 'import pyoxigraph'`", 2, code=2),
            Case("usage error (`build --no-such-option`, exit 2)",
                 [str(cli()), "build", "--no-such-option"], bare,
                 "`python -c 'import pyoxigraph'`", 2, code=2),
            query_case(article, "who-suspended-cfe", work, 3, "article graph (2.4k triples)"),
        ]
        sipri = opts.sipri_project
        if sipri is None and opts.build_sipri:
            sipri = built_sipri_project(work, env, opts.sipri)
        if sipri is not None:
            cases += [query_case(sipri, name, work, 2, "SIPRI store (1.1M triples)")
                      for name in CATALOGUE_AT_1M]
            cases.append(add_case(sipri, article))
        lines = ["| caucasus-kg, whole process | rows | ms: median (min-max) | comparator, whole "
                 "process | ms: median (min-max) | ratio of medians (of minimums) | goal | |",
                 "|---|---|---|---|---|---|---|---|"]
        for case in cases:
            ours, theirs = measure(case, opts.runs, work, env)
            lines.append(row(case, ours, theirs))
            print(lines[-1], file=sys.stderr)
        print(f"{opts.runs} paired runs per case, order alternating; Python "
              f"{sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
        print("\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
