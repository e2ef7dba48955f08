"""The scale benchmark runs end to end on a small graph and reports every competency query.

Timings are not asserted here (they belong to the benchmark); what is checked is that the
script still works against the current code: it exits 0, and its query table has one row per
query in queries/, each with a time for caucasus-kg and for raw pyoxigraph.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "scale.py"
SIPRI = ROOT / "tests" / "fixtures" / "import" / "sipri_register_ISR_AZE.csv"
"""A committed excerpt of the SIPRI trade register, so the check runs wherever the tests do."""


@pytest.mark.slow
def test_scale_benchmark_reports_every_competency_query(tmp_path: Path) -> None:
    raw = tmp_path / "scale.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "2000", "--skip-slow",
                           "--runs", "1", "--sipri", str(SIPRI), "--json", str(raw)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    queries = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    table = done.stdout.split("### Competency queries at", 1)[1].split("###", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and
            not line.startswith("| query ")]
    assert [row.split("|")[1].strip() for row in rows] == queries
    for row in rows:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        # median ms, then min-max over the runs of both alternating rounds
        timing = r"[\d,]+\.\d\d \([\d,]+\.\d\d-[\d,]+\.\d\d\)"
        assert re.fullmatch(timing, cells[2]), row  # caucasus-kg
        assert re.fullmatch(timing, cells[3]), row  # raw pyoxigraph
        assert cells[4] == "not run", row  # rdflib is left out by --skip-slow
    numbers = json.loads(raw.read_text("utf-8"))["results"][0]
    assert numbers["triples"] > 2000
    assert numbers["setup"]["sipri_records"] >= 20  # real SIPRI rows went through the importer
    assert set(numbers["ckg_queries"]["queries"]) == set(queries)
    assert len(numbers["ckg_queries"]["queries"]["actors"]["ms"]) == 2  # one run, two rounds
    for name in queries:  # the same answers from caucasus-kg and from the raw store
        assert numbers["ckg_queries"]["queries"][name]["rows"] == \
            numbers["raw_queries"]["queries"][name]["rows"], name
    assert numbers["ckg_add_dry_run"]["exit_code"] == 0, numbers["ckg_add_dry_run"]["error"]
    # the import against the raw load of the file it wrote: two pairs in alternating order
    table = done.stdout.split("### Import of the SIPRI register", 1)[1].split("###", 1)[0]
    assert "2 import(s) and 2 raw load(s) in alternating order" in table
    [row] = [line for line in table.splitlines() if line.startswith("| ") and
             not line.startswith("| triples")]
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert re.fullmatch(r"\d+\.\d\d(-\d+\.\d\d)? s", cells[1]), row
    assert re.fullmatch(r"[\d.]+(-[\d.]+)?x", cells[5]), row
    imported = json.loads(raw.read_text("utf-8"))["import"]
    assert [run["exit_code"] for run in imported["ckg_import"]] == [0, 0]
    assert [run["triples"] for run in imported["raw_named_load"]] == [
        int(cells[0].replace(",", ""))] * 2


def test_scale_benchmark_says_when_the_sipri_file_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-register.csv"
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "2000", "--sipri",
                           str(missing)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"the SIPRI trade register {missing} is missing" in done.stderr
    assert done.stdout == ""


def test_factfile_benchmark_validates_generated_facts_and_reports_them() -> None:
    """benchmarks/factfile_scale.py at a small size: the generated fact files are valid (the
    command exits 0) and the table has the counts, the times and the memory."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "factfile_scale.py"),
                           "--facts", "300", "--files", "3"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    row = done.stdout.strip().splitlines()[-1]
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[:2] == ["300", "3"] and cells[3] == "0", row
    assert all(re.fullmatch(r"[\d.]+", c) for c in cells[4:7]), row
    assert cells[7] == "(targets are for 100k facts)"


def test_scale_benchmark_gives_no_ratio_for_an_empty_answer() -> None:
    """A query answering 0 rows on the benchmark data measures nothing: the table gives it no
    ratio and no verdict, and says so under the table."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scale_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    sys.modules["scale_bench"] = scale
    spec.loader.exec_module(scale)
    result = {"size": 2000, "triples": 2500,
              "ckg_queries": {"peak_rss_mb": 90.0,
                              "queries": {"empty": {"ms": [1.0], "rows": 0},
                                          "full": {"ms": [2.0], "rows": 7}}},
              "raw_queries": {"peak_rss_mb": 80.0,
                              "queries": {"empty": {"ms": [0.1], "rows": 0},
                                          "full": {"ms": [1.5], "rows": 7}}}}
    opts = scale.Options(runs=1, timeout=60, query_timeout=60, rdflib_budget=30,
                         skip_slow=True, pyrudof=False, sipri=SIPRI)
    lines = scale.query_tables([result], opts)
    empty = next(line for line in lines if line.startswith("| empty |"))
    full = next(line for line in lines if line.startswith("| full |"))
    assert "no ratio: 0 rows" in empty and "PASS" not in empty and "MISS" not in empty
    assert "1.33x" in full and full.endswith("| PASS |")
    assert "No ratio for queries that answer no rows on this data: empty" in lines
